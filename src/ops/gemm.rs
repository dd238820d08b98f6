//! Packed single-precision GEMM for the conv layers: `C [m, n] += A [m, k] · B [k, n]` on a 4×8 micro-kernel.
//!
//! Both operands are packed into panels so that every load in the inner loop is contiguous:
//! A as `[⌈m/MR⌉][k][MR]` ([`pack_a`]) and B as `[⌈n/NR⌉][k][NR]` (the conv's im2col writes this layout directly,
//! see `conv::im2col_packed`). Rows and columns past `m` and `n` are zero in the panels and never written to C.
//!
//! The loops are GotoBLAS-shaped: K is cut into blocks of [`KC`] so that one B panel block (KC·NR floats, 16 KiB)
//! stays in L1 while every A panel block streams past it from L2.
//!
//! Why our own kernel on wasm: SIMD128 code runs on 16 vector registers in V8 on x64. A 4×8 tile needs 8
//! accumulators, 2 B vectors, one broadcast A value and one product temporary: 12 registers, so nothing spills
//! (matrixmultiply's 8×8 wasm kernel needs 16 accumulators alone). When the module is built with `relaxed-simd`,
//! the multiply-add is one `f32x4.relaxed_madd` (a fused multiply-add on x64 with FMA, and no temporary).
//! Natively the conv layers keep matrixmultiply's AVX2/FMA kernels; the portable kernel here lets the packing and
//! blocking be tested natively against the naive product.

/// Rows of C per micro-tile (A panel width).
pub const MR: usize = 4;
/// Columns of C per micro-tile (B panel width): two 4-lane vectors.
pub const NR: usize = 8;
/// Depth of one K block.
pub const KC: usize = 512;

/// Floats in A packed as `[⌈m/MR⌉][k][MR]`.
pub fn packed_a_len(m: usize, k: usize) -> usize {
    m.div_ceil(MR) * MR * k
}

/// Floats in B packed as `[⌈n/NR⌉][k][NR]`.
pub fn packed_b_len(k: usize, n: usize) -> usize {
    n.div_ceil(NR) * NR * k
}

/// Packs row-major `a [m, k]` as `[⌈m/MR⌉][k][MR]`, zero rows past m.
pub fn pack_a(a: &[f32], m: usize, k: usize) -> Vec<f32> {
    assert_eq!(a.len(), m * k, "pack_a: a is not [m, k]");
    let mut out = vec![0f32; packed_a_len(m, k)];
    for (p, panel) in out.chunks_exact_mut(k * MR).enumerate() {
        for r in 0..MR.min(m - p * MR) {
            let row = &a[(p * MR + r) * k..][..k];
            for (kk, &v) in row.iter().enumerate() {
                panel[kk * MR + r] = v;
            }
        }
    }
    out
}

/// Packs row-major `b [k, n]` as `[⌈n/NR⌉][k][NR]`, zero columns past n. (The conv fills this layout directly;
/// this is for tests and for callers that hold a plain matrix.)
pub fn pack_b(b: &[f32], k: usize, n: usize) -> Vec<f32> {
    assert_eq!(b.len(), k * n, "pack_b: b is not [k, n]");
    let mut out = vec![0f32; packed_b_len(k, n)];
    for (p, panel) in out.chunks_exact_mut(k * NR).enumerate() {
        let cols = NR.min(n - p * NR);
        for kk in 0..k {
            panel[kk * NR..][..cols].copy_from_slice(&b[kk * n + p * NR..][..cols]);
        }
    }
    out
}

/// `c [m, n] += A · B` from packed panels (`ap` from [`pack_a`], `bp` in [`pack_b`]'s layout), `c` row-major.
pub fn gemm_packed(ap: &[f32], bp: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(
        ap.len() == packed_a_len(m, k) && bp.len() == packed_b_len(k, n) && c.len() == m * n,
        "gemm_packed: extents"
    );
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let mut k0 = 0;
    while k0 < k {
        let kc = KC.min(k - k0);
        for (jp, bpanel) in bp.chunks_exact(k * NR).enumerate() {
            let b = &bpanel[k0 * NR..][..kc * NR];
            let (j0, cols) = (jp * NR, NR.min(n - jp * NR));
            for (ip, apanel) in ap.chunks_exact(k * MR).enumerate() {
                let a = &apanel[k0 * MR..][..kc * MR];
                let (i0, rows) = (ip * MR, MR.min(m - ip * MR));
                if rows == MR && cols == NR {
                    // A full tile: the kernel works on C in place through its rows.
                    let mut tile = tile_rows(c, i0, j0, n);
                    kernel(kc, a, b, &mut tile);
                } else {
                    // An edge tile: through a zero-padded copy, so the kernel never sees a short row.
                    let mut buf = [[0f32; NR]; MR];
                    for (r, row) in buf.iter_mut().enumerate().take(rows) {
                        row[..cols].copy_from_slice(&c[(i0 + r) * n + j0..][..cols]);
                    }
                    {
                        let mut rows = buf.iter_mut();
                        let mut tile: [&mut [f32; NR]; MR] =
                            core::array::from_fn(|_| rows.next().expect("the edge buffer has MR rows"));
                        kernel(kc, a, b, &mut tile);
                    }
                    for (r, row) in buf.iter().enumerate().take(rows) {
                        c[(i0 + r) * n + j0..][..cols].copy_from_slice(&row[..cols]);
                    }
                }
            }
        }
        k0 += kc;
    }
}

/// The MR rows of C's tile at (i0, j0), NR columns each, as fixed-size arrays the kernel can load whole.
fn tile_rows(c: &mut [f32], i0: usize, j0: usize, n: usize) -> [&mut [f32; NR]; MR] {
    let mut rows = c[i0 * n..].chunks_exact_mut(n);
    core::array::from_fn(|_| tile_row(rows.next().expect("gemm_packed asserted that C holds every tile"), j0))
}

fn tile_row(r: &mut [f32], j0: usize) -> &mut [f32; NR] {
    (&mut r[j0..j0 + NR]).try_into().expect("a slice of NR floats is an [f32; NR]")
}

/// `tile += a_block · b_block` for one K block: `a` is `[kc][MR]`, `b` is `[kc][NR]`.
#[cfg(target_arch = "wasm32")]
#[inline(always)]
fn kernel(kc: usize, a: &[f32], b: &[f32], tile: &mut [&mut [f32; NR]; MR]) {
    use core::arch::wasm32::*;
    assert!(a.len() >= kc * MR && b.len() >= kc * NR);
    // SAFETY: each row of `tile` is an [f32; 8], read and written as two v128; `a` and `b` hold at least
    // kc·MR and kc·NR floats (asserted), and the loop reads a[kk·MR..][..MR] and b[kk·NR..][..NR] for kk < kc.
    unsafe {
        let mut acc = [[f32x4_splat(0.0); 2]; MR];
        for (r, row) in tile.iter().enumerate() {
            acc[r] = [v128_load(row.as_ptr() as *const v128), v128_load(row.as_ptr().add(4) as *const v128)];
        }
        let (mut pa, mut pb) = (a.as_ptr(), b.as_ptr());
        for _ in 0..kc {
            let b0 = v128_load(pb as *const v128);
            let b1 = v128_load(pb.add(4) as *const v128);
            for (r, accr) in acc.iter_mut().enumerate() {
                let av = v128_load32_splat(pa.add(r) as *const u32);
                accr[0] = madd(av, b0, accr[0]);
                accr[1] = madd(av, b1, accr[1]);
            }
            pa = pa.add(MR);
            pb = pb.add(NR);
        }
        for (r, row) in tile.iter_mut().enumerate() {
            v128_store(row.as_mut_ptr() as *mut v128, acc[r][0]);
            v128_store(row.as_mut_ptr().add(4) as *mut v128, acc[r][1]);
        }
    }
}

/// `a · b + c`, fused when the module is built with relaxed SIMD.
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
pub(crate) fn madd(
    a: core::arch::wasm32::v128,
    b: core::arch::wasm32::v128,
    c: core::arch::wasm32::v128,
) -> core::arch::wasm32::v128 {
    core::arch::wasm32::f32x4_relaxed_madd(a, b, c)
}

/// `a · b + c` as a multiply and an add.
#[cfg(all(target_arch = "wasm32", not(target_feature = "relaxed-simd")))]
#[inline(always)]
pub(crate) fn madd(
    a: core::arch::wasm32::v128,
    b: core::arch::wasm32::v128,
    c: core::arch::wasm32::v128,
) -> core::arch::wasm32::v128 {
    use core::arch::wasm32::*;
    f32x4_add(f32x4_mul(a, b), c)
}

/// Portable kernel (native): the same tile loop on plain arrays.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn kernel(kc: usize, a: &[f32], b: &[f32], tile: &mut [&mut [f32; NR]; MR]) {
    let mut acc = [[0f32; NR]; MR];
    for (r, row) in tile.iter().enumerate() {
        acc[r] = **row;
    }
    for (av, bv) in a[..kc * MR].chunks_exact(MR).zip(b[..kc * NR].chunks_exact(NR)) {
        for r in 0..MR {
            for j in 0..NR {
                acc[r][j] += av[r] * bv[j];
            }
        }
    }
    for (r, row) in tile.iter_mut().enumerate() {
        **row = acc[r];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;
    use crate::tensor::max_rel_err;

    fn naive(a: &[f32], b: &[f32], c: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = c.to_vec();
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..k).map(|kk| a[i * k + kk] as f64 * b[kk * n + j] as f64).sum();
                out[i * n + j] = (out[i * n + j] as f64 + s) as f32;
            }
        }
        out
    }

    #[test]
    fn packed_matches_naive_on_awkward_sizes() {
        // Edges in every direction: m and n not multiples of the tile, k across several K blocks and not a multiple.
        for (i, &(m, k, n)) in
            [(1, 1, 1), (4, 8, 8), (5, 3, 9), (7, 300, 13), (12, 513, 17), (96, 363, 45)].iter().enumerate()
        {
            let a = rand_vec(10 + i as u64, m * k);
            let b = rand_vec(20 + i as u64, k * n);
            let c0 = rand_vec(30 + i as u64, m * n);
            let mut c = c0.clone();
            gemm_packed(&pack_a(&a, m, k), &pack_b(&b, k, n), &mut c, m, k, n);
            let e = max_rel_err(&c, &naive(&a, &b, &c0, m, k, n));
            assert!(e < 1e-5, "{m}x{k}x{n}: rel err {e}");
        }
    }

    #[test]
    fn packing_pads_with_zeros() {
        let a = rand_vec(1, 5 * 3);
        let ap = pack_a(&a, 5, 3);
        assert_eq!(ap.len(), 5usize.div_ceil(MR) * MR * 3);
        // Row 4, column 2 sits in panel 4/MR, lane 4%MR; the lanes after the last row are zero.
        let (p, lane) = (4 / MR, 4 % MR);
        assert_eq!(ap[p * 3 * MR + 2 * MR + lane], a[4 * 3 + 2]);
        assert!(ap[p * 3 * MR + 2 * MR + lane + 1..][..MR - lane - 1].iter().all(|&v| v == 0.0));
        let b = rand_vec(2, 2 * 9);
        let bp = pack_b(&b, 2, 9);
        assert_eq!(bp.len(), 16 * 2);
        assert_eq!(bp[16..24], [b[8], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }
}
