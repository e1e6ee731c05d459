// The protocol's numeric limits, one home each (PROTOCOL.md "Limits"). The first
// four are pinned, with the error kinds, by test-vectors/rpc/error-kinds.json.

/** A request or response line longer than this is refused (`line-too-long`). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Items in one `sync.push`. */
export const MAX_PUSH_ITEMS = 10_000;
/**
 * Bytes of one `sync.push`'s items (the sum of each item's JSON text). With the
 * per-item overhead of a list change (jazz/transactions.ts) and at most 1,000
 * items per chunk, a push fits in one cojson transaction per chunk with a quarter
 * of cojson's 1 MiB limit to spare; the daemon splits anyway.
 */
export const MAX_PUSH_BYTES = 512 * 1024;
/** Decoded bytes of one envelope: its base64 fits one cojson transaction (a preference, a device record). */
export const MAX_ENVELOPE_BYTES = 512 * 1024;
/** Characters of a device id. */
export const MAX_DEVICE_ID_CHARS = 128;
/** Characters of a record id (an entry's UUIDv7, a preference's name, a device id). */
export const MAX_RECORD_ID_CHARS = 256;
/** Characters of a record kind (a–z). */
export const MAX_KIND_CHARS = 32;
/** Items one `sync.pull` may ask for. */
export const MAX_PULL_LIMIT = 10_000;
/** About how many envelope bytes one `sync.pull` answer carries before `hasMore`. */
export const MAX_PULL_BYTES = 8 * 1024 * 1024;
