//! The network's operators, one per file (conv, with several ways to compute it, one folder); each keeps a plain
//! `*_naive` reference beside its fast path.

pub mod backward;
pub mod conv;
pub mod gemm;
pub mod linear;
pub mod linear_batch;
pub mod lrn;
pub mod panels;
pub mod pool;
pub mod relu;
pub mod softmax;

#[cfg(test)]
pub(crate) mod testutil {
    //! Small deterministic random problems for the op tests, and a way to run them on one and on two threads.

    /// A SplitMix64 stream of floats in [-1, 1): deterministic, dependency-free test data.
    pub fn rand_vec(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = s;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// Runs `f` on a one-thread and on a two-thread pool (with the `threads` feature), so both the sequential and
    /// the split path of a two-way parallel op run whatever the machine's core count.
    pub fn on_one_and_two_threads(f: impl Fn() + Send + Sync) {
        f();
        #[cfg(feature = "threads")]
        for n in [1, 2] {
            rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("a rayon pool").install(&f);
        }
    }
}
