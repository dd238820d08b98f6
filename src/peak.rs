//! The benchmark's ceilings: the SIMD multiply-add peak this machine's wasm (or native) code can reach, and memory reads.
//!
//! Twelve independent 4-lane accumulators each do `acc = acc · m + c` per iteration, so the loop is bound by
//! vector multiply and add throughput, not latency, and touches no memory. The caller times it. The multiply-add
//! is the conv kernel's own (`gemm::madd`): a multiply and an add in the SIMD128 builds, one fused
//! `f32x4.relaxed_madd` in the relaxed-SIMD builds, so each build is measured against the peak of what it runs.

/// Floating-point operations one call performs: iterations × 12 accumulators × 4 lanes × (1 mul + 1 add).
pub fn peak_flops(iters: u32) -> f64 {
    iters as f64 * 12.0 * 4.0 * 2.0
}

/// True when this build multiplies and adds with fused relaxed-SIMD instructions.
pub const RELAXED_SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "relaxed-simd"));

/// Runs the probe and returns a checksum (so the work cannot be optimised away).
#[cfg(target_arch = "wasm32")]
pub fn peak_probe(iters: u32) -> f32 {
    use core::arch::wasm32::*;
    let m = f32x4_splat(0.999_999);
    let c = f32x4_splat(1e-6);
    let mut a = [f32x4_splat(1.0); 12];
    for (i, v) in a.iter_mut().enumerate() {
        *v = f32x4_splat(1.0 + i as f32 * 1e-3);
    }
    for _ in 0..iters {
        for v in a.iter_mut() {
            *v = crate::ops::gemm::madd(*v, m, c);
        }
    }
    a.iter().map(|v| f32x4_extract_lane::<0>(*v) + f32x4_extract_lane::<3>(*v)).sum()
}

/// Native stand-in with plain arrays (the compiler vectorises it); only the wasm figure goes in the report.
#[cfg(not(target_arch = "wasm32"))]
pub fn peak_probe(iters: u32) -> f32 {
    let mut a = [[0f32; 4]; 12];
    for (i, v) in a.iter_mut().enumerate() {
        *v = [1.0 + i as f32 * 1e-3; 4];
    }
    for _ in 0..iters {
        for v in a.iter_mut() {
            for x in v.iter_mut() {
                *x = *x * 0.999_999 + 1e-6;
            }
        }
    }
    a.iter().map(|v| v[0] + v[3]).sum()
}

/// A memory-read probe: sums `data` with 16 independent accumulators (vectorised, bound by how fast memory
/// delivers the bytes, not by the adds), one half per thread when threads are available. Given fc6's weights
/// (151 MB, far past every cache) it measures the read bandwidth the fc layers can at best have. Returns a
/// checksum.
pub fn read_probe(data: &[f32]) -> f32 {
    fn sum(d: &[f32]) -> f32 {
        let mut acc = [0f32; 16];
        let mut chunks = d.chunks_exact(16);
        for c in &mut chunks {
            for (a, v) in acc.iter_mut().zip(c) {
                *a += v;
            }
        }
        acc.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
    }
    let (a, b) = data.split_at(data.len() / 2);
    let (x, y) = crate::par::join(|| sum(a), || sum(b));
    x + y
}

#[cfg(test)]
mod tests {
    #[test]
    fn probe_is_deterministic_and_finite() {
        let a = super::peak_probe(1000);
        assert!(a.is_finite() && a > 0.0);
        assert_eq!(a, super::peak_probe(1000));
        assert_eq!(super::peak_flops(10), 960.0);
    }

    #[test]
    fn the_read_probe_sums_every_value() {
        let v: Vec<f32> = (0..1001).map(|i| (i % 7) as f32).collect();
        assert_eq!(super::read_probe(&v), v.iter().sum::<f32>());
    }
}
