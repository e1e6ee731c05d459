// How a push's items become cojson transactions. cojson refuses to make a
// transaction whose changes serialize to more than 1 MiB ("Transaction too large
// to be synced"), and a push that throws it fails again every time it is retried:
// sync wedges. So the items of one chunk go in as few transactions as fit under a
// budget with margin, each change counted as its item's JSON plus what
// CoList.appendItems wraps around it ({"op":"app","value":…,"after":<op id>},
// about 125 bytes measured, counted as 256).

/** cojson's hard limit on one transaction's serialized changes. */
export const COJSON_MAX_TRANSACTION_BYTES = 1024 * 1024;
/** What one transaction may carry here: the hard limit less a 64 KiB margin. */
export const MAX_TRANSACTION_BYTES = COJSON_MAX_TRANSACTION_BYTES - 64 * 1024;
/** The list change's own fields around one item, with room to spare. */
const CHANGE_OVERHEAD_BYTES = 256;

/** The bytes one item adds to a list transaction, overhead included. */
export function changeBytes(item: unknown): number {
  return Buffer.byteLength(JSON.stringify(item)) + CHANGE_OVERHEAD_BYTES;
}

/**
 * Splits `items` in order into groups of at most `budget` bytes each (by
 * `changeBytes`). Throws, before anything is written, when one item alone
 * exceeds the budget: sync.push's byte cap (MAX_PUSH_BYTES) keeps that from
 * happening, and cojson would refuse it anyway.
 */
export function transactionGroups<T>(items: T[], budget = MAX_TRANSACTION_BYTES): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = changeBytes(item);
    if (size > budget) throw new Error(`an item of ${size} bytes does not fit in one transaction (at most ${budget})`);
    if (group.length > 0 && bytes + size > budget) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
