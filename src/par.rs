//! Two-way parallelism (AlexNet's two "GPUs") on rayon when the `threads` feature is on; plain sequence otherwise.
//!
//! The single-threaded wasm build (for pages that are not cross-origin isolated) compiles without rayon, so the
//! ops call these two helpers instead of rayon directly.

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
            return rayon::join(a, b);
        }
    }
    (a(), b())
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
