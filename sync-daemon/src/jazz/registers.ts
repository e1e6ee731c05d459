// The device and preference registers: last-writer-wins maps under the account's
// root. devices: deviceId -> { envelope, updatedAt } (newer updatedAt wins);
// prefs: JSON([key, deviceId]) -> PrefRecord, one slot per writer so concurrent
// writes never overwrite each other, and the winner per key is chosen on read
// (newer updatedAt, then the greater deviceId).
import type { RawCoID } from "cojson";
import type { DeviceRecord, PrefRecord } from "../protocol/types.js";
import type { AnyMap } from "./chunks.js";

export interface RegisterWrite {
  applied: boolean;
  /** CoValues written (to wait for in the store and at the relay). */
  touched: RawCoID[];
}

export class Registers {
  constructor(
    readonly devicesMap: AnyMap,
    readonly prefsMap: AnyMap,
  ) {}

  registerDevice(rec: DeviceRecord): RegisterWrite {
    const current = this.devicesMap.get(rec.deviceId) as unknown as Omit<DeviceRecord, "deviceId"> | undefined;
    if (current && typeof current.updatedAt === "number" && current.updatedAt > rec.updatedAt) {
      return { applied: false, touched: [] };
    }
    this.devicesMap.set(rec.deviceId, { envelope: rec.envelope, updatedAt: rec.updatedAt });
    return { applied: true, touched: [this.devicesMap.id] };
  }

  listDevices(): DeviceRecord[] {
    const out: DeviceRecord[] = [];
    for (const deviceId of this.devicesMap.keys()) {
      const v = this.devicesMap.get(deviceId) as unknown as Omit<DeviceRecord, "deviceId"> | undefined;
      if (!v || typeof v.envelope !== "string" || typeof v.updatedAt !== "number") continue;
      out.push({ deviceId, envelope: v.envelope, updatedAt: v.updatedAt });
    }
    return out.sort((a, b) => cmpStr(a.deviceId, b.deviceId));
  }

  setPref(rec: PrefRecord): RegisterWrite {
    const winner = this.prefWinners().get(rec.key);
    if (winner && cmpPref(winner, rec) >= 0) return { applied: false, touched: [] };
    this.prefsMap.set(JSON.stringify([rec.key, rec.deviceId]), { ...rec });
    return { applied: true, touched: [this.prefsMap.id] };
  }

  listPrefs(): PrefRecord[] {
    return [...this.prefWinners().values()].sort((a, b) => cmpStr(a.key, b.key));
  }

  private prefWinners(): Map<string, PrefRecord> {
    const winners = new Map<string, PrefRecord>();
    for (const slot of this.prefsMap.keys()) {
      const v = this.prefsMap.get(slot) as unknown as PrefRecord | undefined;
      if (!v || typeof v.key !== "string" || typeof v.envelope !== "string") continue;
      if (typeof v.updatedAt !== "number" || typeof v.deviceId !== "string") continue;
      const rec = { key: v.key, envelope: v.envelope, updatedAt: v.updatedAt, deviceId: v.deviceId };
      const w = winners.get(rec.key);
      if (!w || cmpPref(rec, w) > 0) winners.set(rec.key, rec);
    }
    return winners;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpPref(a: PrefRecord, b: PrefRecord): number {
  return a.updatedAt !== b.updatedAt ? (a.updatedAt < b.updatedAt ? -1 : 1) : cmpStr(a.deviceId, b.deviceId);
}
