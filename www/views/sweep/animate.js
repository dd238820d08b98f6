// The sweep's one animator: a requestAnimationFrame loop that moves the kernel on at the chosen rate while playing.

/**
 * @param {{rate: () => number, count: () => number, position: () => number, moveTo: (i: number) => void,
 *   onChange: (playing: boolean, wasPlaying: boolean) => void}} o `rate` is in positions per second; `moveTo` shows
 *   a position without navigating; `onChange` hears every play and stop (a stop also when nothing played).
 */
export function createAnimator({ rate, count, position, moveTo, onChange }) {
  let playing = false, lastT = 0, acc = 0, raf = 0;

  // Whole steps accumulate from the frame times, so the rate holds at any frame rate, and fast rates skip positions.
  function tick(now) {
    if (!playing) return;
    const dt = lastT ? (now - lastT) / 1000 : 0;
    lastT = now;
    acc += dt * rate();
    if (acc >= 1) {
      const steps = Math.floor(acc);
      acc -= steps;
      if (position() + steps >= count() - 1) { moveTo(count() - 1); stop(); return; }
      moveTo(position() + steps);
    }
    raf = requestAnimationFrame(tick);
  }

  function play() {
    if (position() >= count() - 1) moveTo(0);
    playing = true;
    lastT = 0;
    acc = 0;
    onChange(true, false);
    raf = requestAnimationFrame(tick);
  }

  function stop() {
    const was = playing;
    playing = false;
    cancelAnimationFrame(raf);
    onChange(false, was);
  }

  return {
    get playing() { return playing; },
    play,
    stop,
    /** Stops without telling anyone (the view is going away). */
    cancel() {
      playing = false;
      cancelAnimationFrame(raf);
    },
  };
}
