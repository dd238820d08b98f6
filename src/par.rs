//! Parallelism on rayon when the `threads` feature is on (two-way joins, loops cut into pieces, threads kept awake
//! through a pass); plain sequence otherwise.
//!
//! The single-threaded wasm build (for pages that are not cross-origin isolated) compiles without rayon, so the
//! ops call these helpers instead of rayon directly.

#[cfg(feature = "threads")]
mod spin;

/// Runs `a` and `b`, in parallel when threads are available, and returns both results.
#[inline]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "threads")]
    {
        if threads() > 1 {
            if spinning() {
                return spin::join(a, b);
            }
            return rayon::join(a, b);
        }
    }
    (a(), b())
}

/// Whether joins wait by spinning ([`spin::join`]): on a thread of a pool, while a pass keeps the threads awake.
#[cfg(feature = "threads")]
fn spinning() -> bool {
    awake::WANTED.load(std::sync::atomic::Ordering::Relaxed) && rayon::current_thread_index().is_some()
}

/// Runs `here` on the calling thread while `b` may run on another: with threads, when the caller is a thread of
/// the pool (the wasm worker is: src/api/pool.rs), `b` is offered to the other threads first; else one after the
/// other. `here` need not be `Send`: it may touch JS objects, which belong to one thread.
pub fn join_here<RA, RB: Send>(here: impl FnOnce() -> RA, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
    #[cfg(feature = "threads")]
    {
        if rayon::current_thread_index().is_some() && threads() > 1 {
            if spinning() {
                return spin::join(here, b);
            }
            struct OnCaller<T>(T);
            // SAFETY: called from a thread of the pool (checked above), rayon::join runs its first closure on that
            // same thread, so `here` and its result never leave it.
            unsafe impl<T> Send for OnCaller<T> {}
            impl<T> OnCaller<T> {
                fn call<R>(self) -> OnCaller<R>
                where
                    T: FnOnce() -> R,
                {
                    OnCaller((self.0)())
                }
            }
            let here = OnCaller(here);
            let (ra, rb) = rayon::join(move || here.call(), b);
            return (ra.0, rb);
        }
    }
    (here(), b())
}

/// Worker threads available to `join` (1 without the `threads` feature, or before the pool exists).
pub fn threads() -> usize {
    #[cfg(feature = "threads")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "threads"))]
    {
        1
    }
}

/// How long the pool's threads keep looking for work after the last job they ran, while a pass is under way.
pub const AWAKE_IDLE_MS: f64 = 5.0;

#[cfg(feature = "threads")]
mod awake {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

    /// Whether a pass wants the threads kept awake, and how many keepers run now (new ones are broadcast only
    /// when none is left, so each thread runs at most one).
    pub static WANTED: AtomicBool = AtomicBool::new(false);
    pub static KEEPERS: AtomicUsize = AtomicUsize::new(0);
    /// The pool index of the thread that asks for keepers when it is one of the pool's (the wasm worker, thread 0
    /// of its pool: src/api/pool.rs), which needs none: it is the one computing. `usize::MAX` otherwise.
    pub static CALLER: AtomicUsize = AtomicUsize::new(usize::MAX);

    /// The clock keepers time their idleness by: `Instant` natively; on wasm (which has none) the API module sets
    /// one ([`super::set_clock`]), and without it a keeper stops when the pass says so.
    pub static CLOCK: std::sync::OnceLock<fn() -> f64> = std::sync::OnceLock::new();

    /// Milliseconds on [`CLOCK`], or on `Instant` natively.
    pub fn now_ms() -> Option<f64> {
        if let Some(clock) = CLOCK.get() {
            return Some(clock());
        }
        #[cfg(target_arch = "wasm32")]
        {
            None
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            Some(START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1e3)
        }
    }

    /// Idle spins between two readings of the clock. On wasm the clock is a call into JavaScript, and `Date.now()`
    /// returns a heap-allocated number: read on every spin, that garbage brought V8's collector to the helper
    /// thread during every pass (a Chromium trace showed 1.4–4.7 ms pauses there, each stalling whatever share of
    /// a layer the helper held). A spin takes well under a microsecond, so the idle limit is still noticed within
    /// a fraction of a millisecond.
    pub const SPINS_PER_CLOCK: u32 = 1024;

    /// One pool thread's loop: run whatever work there is, and spin (not sleep) while there is none, until the pass
    /// no longer wants it or nothing came for `AWAKE_IDLE_MS`.
    pub fn keep() {
        if rayon::current_thread_index() == Some(CALLER.load(Relaxed)) {
            return;
        }
        let mut last = now_ms();
        let mut spins = 0u32;
        while WANTED.load(Relaxed) {
            if let Some(rayon::Yield::Executed) = rayon::yield_now() {
                last = now_ms();
                spins = 0;
                continue;
            }
            spins = spins.wrapping_add(1);
            if spins % SPINS_PER_CLOCK == 0
                && matches!((now_ms(), last), (Some(now), Some(then)) if now - then > super::AWAKE_IDLE_MS)
            {
                break;
            }
            std::hint::spin_loop();
        }
        KEEPERS.fetch_sub(1, Relaxed);
    }
}

/// Keeps the pool's threads awake (looking for work instead of sleeping) while a pass runs, until [`rest`] or
/// `AWAKE_IDLE_MS` without work. Rayon puts an idle thread to sleep at once, and waking it again cost the pass
/// dearly: in the page's worker, each layer's halves waited for a sleeping thread to be scheduled (on a 2-vCPU VM,
/// 0.2 ms on average and now and then the whole layer), so layers often ran at one thread's speed. A no-op
/// without threads, and when keepers already run.
pub fn stay_awake() {
    #[cfg(feature = "threads")]
    {
        use std::sync::atomic::Ordering::Relaxed;
        let n = threads();
        if n < 2 {
            return;
        }
        awake::WANTED.store(true, Relaxed);
        // The broadcast reaches every thread; the caller's own share returns at once (see `awake::CALLER`).
        let caller = rayon::current_thread_index();
        let keepers = if caller.is_some() { n - 1 } else { n };
        if awake::KEEPERS.compare_exchange(0, keepers, Relaxed, Relaxed).is_ok() {
            awake::CALLER.store(caller.unwrap_or(usize::MAX), Relaxed);
            rayon::spawn_broadcast(|_| awake::keep());
        }
    }
}

/// Sets the clock (milliseconds) that keepers time their idleness by, where `std::time::Instant` does not work
/// (wasm); the first call wins.
pub fn set_clock(clock: fn() -> f64) {
    #[cfg(feature = "threads")]
    let _ = awake::CLOCK.set(clock);
    #[cfg(not(feature = "threads"))]
    let _ = clock;
}

/// Lets the pool's threads sleep again (the pass is over).
pub fn rest() {
    #[cfg(feature = "threads")]
    awake::WANTED.store(false, std::sync::atomic::Ordering::Relaxed);
}

/// How many pieces [`for_pieces`] and [`map_pieces`] cut a loop into with threads: more than the two threads, so
/// a thread that wakes late (see [`stay_awake`]) still takes its share of what is left, where with a plain two-way
/// split the first thread had often started the other half too.
pub const PIECES: usize = 8;

/// The cut points of `0..n` into at most about [`PIECES`] pieces whose starts are multiples of `align`: the
/// middle of a range on an `align` boundary, or `None` when the range is one piece.
fn cut(range: &std::ops::Range<usize>, n: usize, align: usize) -> Option<usize> {
    let align = align.max(1);
    let grain = n.div_ceil(PIECES).div_ceil(align) * align;
    let len = range.len();
    if threads() == 1 || len <= grain {
        return None;
    }
    let mid = range.start + (len / 2).div_ceil(align) * align;
    (mid < range.end).then_some(mid)
}

/// Runs `f` on consecutive pieces of `0..n`, each with its own part of `out` (`per` values for each index of the
/// piece; the last piece gets what remains), in parallel when threads are available and in one piece without.
/// Pieces start on multiples of `align` and are split in halves, so an idle thread steals the largest left.
pub fn for_pieces<T, F>(n: usize, align: usize, out: &mut [T], per: usize, f: &F)
where
    T: Send,
    F: Fn(std::ops::Range<usize>, &mut [T]) + Sync,
{
    fn rec<T: Send, F: Fn(std::ops::Range<usize>, &mut [T]) + Sync>(
        range: std::ops::Range<usize>,
        n: usize,
        align: usize,
        out: &mut [T],
        per: usize,
        f: &F,
    ) {
        match cut(&range, n, align) {
            None => f(range, out),
            Some(mid) => {
                let (o0, o1) = out.split_at_mut(((mid - range.start) * per).min(out.len()));
                join(|| rec(range.start..mid, n, align, o0, per, f), || rec(mid..range.end, n, align, o1, per, f));
            }
        }
    }
    rec(0..n, n, align, out, per, f)
}

/// Runs `f` on consecutive pieces of `0..n` as [`for_pieces`] does and returns each piece with its result, in order.
pub fn map_pieces<R, F>(n: usize, align: usize, f: &F) -> Vec<(std::ops::Range<usize>, R)>
where
    R: Send,
    F: Fn(std::ops::Range<usize>) -> R + Sync,
{
    fn rec<R: Send, F: Fn(std::ops::Range<usize>) -> R + Sync>(
        range: std::ops::Range<usize>,
        n: usize,
        align: usize,
        f: &F,
    ) -> Vec<(std::ops::Range<usize>, R)> {
        match cut(&range, n, align) {
            None => vec![(range.clone(), f(range))],
            Some(mid) => {
                let (mut a, b) = join(|| rec(range.start..mid, n, align, f), || rec(mid..range.end, n, align, f));
                a.extend(b);
                a
            }
        }
    }
    rec(0..n, n, align, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces cover `0..n` once, in order, start on `align` boundaries, and each gets its own part of `out`.
    #[test]
    fn pieces_cover_the_range_once() {
        let run = || {
            for (n, align) in [(0, 1), (1, 1), (7, 4), (96, 4), (3025, 8), (4096, 8), (13, 20)] {
                let pieces = map_pieces(n, align, &|r| r.len());
                let mut at = 0;
                for (r, len) in &pieces {
                    assert_eq!((r.start, r.len()), (at, *len));
                    assert!(r.start % align == 0);
                    at = r.end;
                }
                assert_eq!(at, n);
                assert!(pieces.len() <= 2 * PIECES);
                let mut out = vec![usize::MAX; n * 3];
                for_pieces(n, align, &mut out, 3, &|r, o| {
                    assert_eq!(o.len(), r.len() * 3);
                    for (k, v) in o.iter_mut().enumerate() {
                        *v = r.start * 3 + k;
                    }
                });
                assert!(out.iter().enumerate().all(|(i, &v)| i == v));
            }
        };
        run();
        #[cfg(feature = "threads")]
        {
            rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| {
                assert_eq!(map_pieces(4096, 8, &|r| r.len()).len(), PIECES);
                run();
            });
        }
    }

    /// As the wasm worker runs it (src/api/pool.rs): the calling thread is thread 0 of the pool and computes its
    /// share; results are the same, its own keeper returns at once, and the helper's stops.
    #[test]
    fn the_caller_as_thread_zero() {
        #[cfg(feature = "threads")]
        std::thread::spawn(|| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(2).use_current_thread().build().unwrap();
            assert_eq!(rayon::current_thread_index(), Some(0));
            assert_eq!(pool.current_num_threads(), 2);
            stay_awake();
            let sums = map_pieces(4096, 8, &|r| r.sum::<usize>());
            assert_eq!(sums.len(), PIECES);
            assert_eq!(sums.iter().map(|(_, s)| s).sum::<usize>(), 4095 * 4096 / 2);
            rest();
            let t = std::time::Instant::now();
            while awake::KEEPERS.load(std::sync::atomic::Ordering::Relaxed) > 0 {
                assert!(t.elapsed().as_secs() < 5, "the helper's keeper did not stop");
                // Thread 0 runs its own (empty) share of the broadcast when it looks for work.
                rayon::yield_now();
            }
        })
        .join()
        .unwrap();
    }

    /// `join_here` runs its first closure on the calling thread, whichever pool it is in, and both closures once.
    #[test]
    fn join_here_keeps_the_first_closure_on_the_caller() {
        let me = std::thread::current().id();
        let (a, b) = join_here(|| std::thread::current().id(), || 2 + 2);
        assert_eq!((a, b), (me, 4));
        #[cfg(feature = "threads")]
        std::thread::spawn(|| {
            let _pool = rayon::ThreadPoolBuilder::new().num_threads(2).use_current_thread().build().unwrap();
            let me = std::thread::current().id();
            for _ in 0..100 {
                let (a, b) = join_here(|| std::thread::current().id(), || map_pieces(4096, 8, &|r| r.len()).len());
                assert_eq!((a, b), (me, PIECES));
            }
        })
        .join()
        .unwrap();
    }

    /// Keeping the threads awake changes no result and ends: keepers run work while they spin, and `rest` (or
    /// idleness) stops them.
    #[test]
    fn awake_threads_still_compute_and_then_rest() {
        #[cfg(feature = "threads")]
        rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| {
            stay_awake();
            let sums = map_pieces(4096, 8, &|r| r.sum::<usize>());
            assert_eq!(sums.iter().map(|(_, s)| s).sum::<usize>(), 4095 * 4096 / 2);
            rest();
        });
        stay_awake();
        rest();
        #[cfg(feature = "threads")]
        {
            let t = std::time::Instant::now();
            while awake::KEEPERS.load(std::sync::atomic::Ordering::Relaxed) > 0 {
                assert!(t.elapsed().as_secs() < 5, "keepers did not stop");
                std::thread::yield_now();
            }
        }
    }
}
