// "The latest choice wins": one mechanism for every choice a user can make twice in a row (an image, weights).

/**
 * Each `begin()` supersedes every earlier choice. A choice's work checks `current()` before it changes what the
 * page shows (its result, its error message, the URL), so a slow earlier choice can never land after a quick
 * later one, whatever order their work finishes in.
 * @returns {{begin: () => {current: () => boolean}, supersede: () => void}}
 */
export function createLatest() {
  let n = 0;
  return {
    begin() {
      const mine = ++n;
      return { current: () => mine === n };
    },
    /** Make every choice so far stale (a cancel). */
    supersede() {
      n++;
    },
  };
}
