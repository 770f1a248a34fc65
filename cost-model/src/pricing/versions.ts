/**
 * Index of the entry in force at `timeMs` in ascending `starts` (the last start ≤ `timeMs`), or -1 if
 * `timeMs` is before the first. Checks `hint` (the previous answer) first, since usage mostly arrives
 * in time order, then binary-searches: O(1) on a hit, O(log n) otherwise.
 */
export function findInForce(starts: readonly number[], timeMs: number, hint: number): number {
  const n = starts.length;
  if (hint >= 0 && hint < n && starts[hint]! <= timeMs && (hint + 1 === n || starts[hint + 1]! > timeMs)) {
    return hint;
  }
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= timeMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
