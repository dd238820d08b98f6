// The worker's half of "Why?": an attribution map on the current pass, or on a second, seeded-untrained session for
// the sanity check, stepped a few ms at a time so progress is posted and a cancel or a newer run stops it.

/** The seed of the sanity check's untrained weights: not the default session's, so the two never coincide. */
export const SANITY_SEED = 7;
/** Work between two yields, as in a pass. */
const YIELD_AFTER_MS = 4;

const cancelled = () => Object.assign(new Error('The attribution was cancelled.'), { cancelled: true });

/**
 * @param {{post: Function, yieldTask: () => Promise<void>, session: () => object, untrained: () => object,
 *          PROGRESS: string}} io `session()` is the live session (throws when none); `untrained()` makes the sanity
 *   check's session (`Session.untrained(SANITY_SEED)`)
 */
export function createAttributor(io) {
  /** The attribution in flight: {id, cancelled}. */
  let current = null;
  /** The sanity check's session and the input it last ran. */
  let sanity = null;

  /** Stop the attribution `target` (any, when undefined): a cancel, a newer run or new weights. */
  function cancel(target) {
    if (current && (target === undefined || current.id === target)) current.cancelled = true;
  }

  /** Runs `work()` until it returns true, yielding every few ms; false once the job was stopped. */
  async function stepped(job, live, work, progress) {
    for (;;) {
      const t = performance.now();
      let done = false;
      while (!done && performance.now() - t < YIELD_AFTER_MS) done = work();
      if (progress) io.post({ id: job.id, type: io.PROGRESS, ...progress() });
      if (done) return true;
      await io.yieldTask();
      if (job.cancelled || io.session() !== live) return false;
    }
  }

  /** The untrained session, with a finished pass on the same network input as `s`'s pass. */
  async function sanityFor(s, job) {
    sanity ??= { session: io.untrained(), input: null };
    const x = s.tensor('data');
    const same = sanity.input && sanity.input.length === x.length && sanity.input.every((v, i) => v === x[i]);
    if (same) return sanity.session;
    sanity.input = null;
    sanity.session.startInput(x);
    const ok = await stepped(job, s, () => sanity.session.step() == null);
    if (ok) sanity.input = x;
    return ok ? sanity.session : null;
  }

  /**
   * Answer an `attribute` request ({method, target, layer?, patch?, stride?, incremental?, untrained?}) with
   * {map, shape, method, target, layer, ms, untrained, positions?, macsComputed?, macsFull?}; a newer request,
   * a cancel, a new pass or new weights reject it as cancelled.
   */
  async function handle(msg) {
    const s = io.session();
    cancel();
    const job = { id: msg.id, cancelled: false };
    current = job;
    const t0 = performance.now();
    try {
      const on = msg.untrained ? await sanityFor(s, job) : s;
      if (!on || job.cancelled) throw cancelled();
      const { layer, patch, stride, incremental } = msg;
      on.attributeStart(String(msg.method), msg.target >>> 0, { layer, patch, stride, incremental });
      const progress = () => {
        const [done, total] = on.attributeProgress();
        return { done, total };
      };
      if (!(await stepped(job, s, () => on.attributeStep(), progress))) throw cancelled();
      return { ...on.attributeResult(), ms: performance.now() - t0, untrained: !!msg.untrained };
    } finally {
      if (current === job) current = null;
    }
  }

  return { handle, cancel };
}
