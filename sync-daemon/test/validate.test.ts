// Unit test of the strict base64 decoder that guards every envelope and key.
import { describe, expect, it } from "vitest";
import { decodeBase64 } from "../src/rpc/validate.js";

describe("decodeBase64", () => {
  it("decodes canonical standard base64", () => {
    expect(decodeBase64("")).toEqual(new Uint8Array());
    expect(decodeBase64("QQ==")).toEqual(new Uint8Array([0x41]));
    expect(decodeBase64("QUI=")).toEqual(new Uint8Array([0x41, 0x42]));
    expect(decodeBase64("QUJD")).toEqual(new Uint8Array([0x41, 0x42, 0x43]));
    expect(decodeBase64("+/+/")).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it.each([
    ["missing padding", "QQ"],
    ["url-safe alphabet", "-_-_"],
    ["whitespace", "QUJD "],
    ["a line break", "QU\nJD"],
    ["characters outside the alphabet", "###not-base64###"],
    ["padding in the middle", "QQ==QUJD"],
    ["non-zero trailing bits", "QR=="],
    ["a lone character", "Q"],
  ])("rejects %s", (_what, input) => {
    expect(decodeBase64(input)).toBeUndefined();
  });
});
