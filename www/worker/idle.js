// What the worker prepares while no pass runs: a warmed engine and the arrays the next pass's tensors are copied into.

/**
 * Arrays for the next pass's tensors, allocated and written once (so their memory pages exist) while the worker
 * is idle. A fresh array's pages are only mapped when first written, and that costs more than the copy itself:
 * filling 2 M values (8 MB, one pass) into new arrays took ~3× as long as into touched ones. Each array still
 * leaves with its layer, so the page owns every tensor it receives, as before; only the cost moves off the pass.
 */
export function createLayerBuffers() {
  /** length → ready arrays of that length */
  const spare = new Map();
  /** The refill in progress: a second one started meanwhile would fill past what one pass needs. */
  let filling = null;
  async function fill(lengths, stop, yieldTask) {
    const want = new Map();
    for (const n of lengths) want.set(n, (want.get(n) ?? 0) + 1);
    for (const [n, count] of want) {
      if (!spare.has(n)) spare.set(n, []);
      const ready = spare.get(n);
      while (ready.length < count) {
        await yieldTask();
        if (stop()) return;
        ready.push(new Float32Array(n).fill(0));
      }
    }
  }
  return {
    /** A touched array of `length` values if one is ready, else a new one. Its contents are not specified. */
    take(length) {
      const ready = spare.get(length);
      return ready?.pop() ?? new Float32Array(length);
    },
    /**
     * Prepare one array per entry of `lengths` (a pass's tensor sizes), one per task, stopping as soon as
     * `stop()` says real work arrived: a run waits at most one array's worth (~1 MB written, well under 1 ms).
     */
    refill(lengths, stop, yieldTask) {
      filling ??= fill(lengths, stop, yieldTask).finally(() => {
        filling = null;
      });
      return filling;
    },
    /** How many arrays of `length` are ready. */
    ready: (length) => spare.get(length)?.length ?? 0,
  };
}

/**
 * The tensor sizes of one pass, from the spec the session describes: the input, then every layer's output.
 * @param {{input: {shape: number[]}, layers: {out_shape: number[]}[]}} spec
 */
export function passLengths(spec) {
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  return [size(spec.input.shape), ...spec.layers.map((l) => size(l.out_shape))];
}

/**
 * How many warm-up passes run. The first runs mostly in V8's baseline wasm code (Liftoff: 60–100 ms here, where a
 * warm pass takes 23–35) while the optimised code is compiled in the background; the next ones run that code while
 * the rest of it is compiled. With one, the user's first pass after page load took 1.3–1.8× a warm one at two
 * threads (5 loads); with two, 1.16–1.25× on average over four batches of ten loads (the last warm-up pass 23–35 ms);
 * with three, 1.12–1.13× in two batches (the last warm-up pass 18–24 ms, as warm).
 */
export const WARM_PASSES = 3;

/**
 * Run the engine on a grey image before the user's image needs it ({@link WARM_PASSES} passes): the first pass of a
 * fresh module is much slower while the browser optimises its code. It uses the session's own warm-up pass
 * (`warmStart`/`warmStep`, never the user's), yields between layers, and stops when `stop()` says a real pass or
 * new weights arrived. `ms` is the last pass's time.
 * @returns {Promise<{completed: boolean, ms: number}>}
 */
export async function warmEngine(session, stop, yieldTask) {
  let t0 = performance.now();
  let completed = false;
  try {
    for (let pass = 0; pass < WARM_PASSES; pass++) {
      t0 = performance.now();
      completed = false;
      session.warmStart();
      for (;;) {
        await yieldTask();
        if (stop()) return { completed, ms: performance.now() - t0 };
        if (!session.warmStep()) {
          completed = true;
          break;
        }
      }
    }
  } catch (err) {
    // A warm-up that fails costs only its speed-up.
    console.warn(`warm-up: ${err?.message ?? err}`);
  }
  return { completed, ms: performance.now() - t0 };
}
