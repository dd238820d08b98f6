//! A two-way join whose waiting thread spins instead of sleeping, used while a pass keeps the threads awake.
//!
//! `rayon::join` puts the calling thread to sleep when the other half was stolen and is not done yet, and the
//! thread that finishes it wakes the sleeper. On the 2-vCPU VM we measure on, Linux placed the woken thread on
//! the waker's vCPU and then left both there, taking turns in 4 ms slices, while the other vCPU stayed idle (a
//! `perf sched` trace of the client benchmark: in slow passes the worker and the helper ran at the same time for
//! only 5–10 ms of their ~20 ms each; in fast ones for 17–18). The worker slept in such joins whenever the helper's
//! half ended a little later than its own, so passes that began after a pause were bimodal (23 or 40–50 ms at two
//! threads). A wait that never sleeps is never woken: the threads stay on the vCPUs they were on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Sets its flag when dropped: after the job's result is stored, or while a panic unwinds through it.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Runs `a` on the calling thread (a thread of a rayon pool) and offers `b` to the pool's other threads, as
/// `rayon::join` does; if `b` is not done when `a` is, the caller runs pending work of the pool (`b` itself when
/// nobody took it) and spins until it is, instead of sleeping.
pub fn join<RA, RB: Send>(a: impl FnOnce() -> RA, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
    let slot = Mutex::new(None);
    let done = AtomicBool::new(false);
    // `in_place_scope` runs its body on this thread (so `a` need not be `Send`) and its spawn pushes `b` onto this
    // thread's own queue, where another thread steals it or this one takes it back. The scope's end returns at
    // once, since `b` is done by then; it re-raises a panic of `b`.
    let ra = rayon::in_place_scope(|s| {
        s.spawn(|_| {
            let _done = SetOnDrop(&done);
            let rb = b();
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(rb);
        });
        let ra = a();
        while !done.load(Ordering::Acquire) {
            if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) {
                std::hint::spin_loop();
            }
        }
        ra
    });
    let rb = slot.into_inner().unwrap_or_else(PoisonError::into_inner);
    (ra, rb.expect("the scope ran its job before it ended"))
}

#[cfg(test)]
mod tests {
    use super::join;

    /// Nested joins on a two-thread pool whose caller is thread 0 (as in the wasm worker): every half runs once,
    /// the first on the caller, and the results come back in their places.
    #[test]
    fn nested_joins_run_every_half_once() {
        std::thread::spawn(|| {
            let _pool = rayon::ThreadPoolBuilder::new().num_threads(2).use_current_thread().build().unwrap();
            fn sum(r: std::ops::Range<u64>) -> u64 {
                if r.end - r.start <= 64 {
                    return r.sum();
                }
                let mid = (r.start + r.end) / 2;
                let (a, b) = join(|| sum(r.start..mid), || sum(mid..r.end));
                a + b
            }
            let me = std::thread::current().id();
            for n in [0u64, 1, 65, 1000, 100_000] {
                let (here, total) = join(|| std::thread::current().id(), || sum(0..n));
                assert_eq!(here, me);
                assert_eq!(total, n * n.saturating_sub(1) / 2);
            }
        })
        .join()
        .unwrap();
    }

    /// A panic in the offered half reaches the caller (through the scope) instead of leaving it spinning.
    #[test]
    fn a_panic_in_the_other_half_reaches_the_caller() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let caught = pool.install(|| std::panic::catch_unwind(|| join(|| 1, || -> u32 { panic!("half b failed") })));
        assert!(caught.is_err());
    }
}
