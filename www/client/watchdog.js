// The client's watchdog: a worker that stays silent while a request is open is pinged, then presumed dead.

/** While a request is open, a worker silent this long is pinged, and one silent for `watchdogMs` is replaced. */
const PING_AFTER_MS = 5_000;
const TICK_MS = 1_000;

/**
 * @param {{watchdogMs: number, busy: () => boolean, ping: () => void, dead: (reason: string) => void}} o
 *   `busy`: a request is open; `ping`: ask the worker (it answers between layers); `dead`: replace it.
 * @returns {{heard: () => void, idle: () => void, stop: () => void}}
 */
export function createWatchdog({ watchdogMs, busy, ping, dead }) {
  const pingAfter = Math.min(PING_AFTER_MS, watchdogMs / 2);
  /** When the worker last said anything, and since when a request has been open (null while idle). */
  let lastHeard = Date.now();
  let busySince = null;

  function check() {
    if (!busy()) {
      busySince = null;
      return;
    }
    const now = Date.now();
    busySince ??= now;
    const silent = now - Math.max(lastHeard, busySince);
    if (silent > watchdogMs) {
      dead(`it did not answer for ${Math.round(silent / 1000)} s`);
    } else if (silent > pingAfter) {
      try {
        ping();
      } catch {
        dead('it can no longer receive messages');
      }
    }
  }

  const timer = setInterval(check, Math.min(TICK_MS, watchdogMs / 4));
  // In Node tests a pending interval would keep the process alive; browsers have no unref.
  timer.unref?.();
  return {
    /** The worker said something (or a new one started). */
    heard() {
      lastHeard = Date.now();
    },
    /** Forget the open request's start (the worker was replaced). */
    idle() {
      busySince = null;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
