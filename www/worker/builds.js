/**
 * Which engine build a worker loads: the four packages scripts/build-wasm.sh makes, in order of preference for
 * what the browser and the page allow. Pure (no imports, no DOM), so tests/www checks it in Node.
 *
 * Two independent choices: threads (pkg-threads*: shared memory, needs a cross-origin isolated page and two cores)
 * and relaxed SIMD (pkg-*relaxed: the conv kernel's multiply-adds fused; needs a browser with relaxed SIMD, which
 * a WebAssembly module cannot detect from inside, so we validate a tiny probe module first).
 */

/**
 * The smallest module that uses `f32x4.relaxed_madd` (opcode 0xfd 0x105): one function returning
 * relaxed_madd(splat 1, splat 1, splat 1). `WebAssembly.validate` accepts it only where relaxed SIMD is on.
 */
export const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x13, 0x01, 0x11, 0x00, // code section: one body of 17 bytes, no locals
  0x41, 0x01, 0xfd, 0x11, // i32.const 1, i32x4.splat
  0x41, 0x01, 0xfd, 0x11,
  0x41, 0x01, 0xfd, 0x11,
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

/** A module using plain SIMD128 (`i32x4.splat`), for telling "no SIMD at all" apart in messages and tests. */
export const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00,
  0x41, 0x01, 0xfd, 0x11,
  0x0b,
]);

/** True when this engine validates relaxed SIMD instructions. */
export function relaxedSimdSupported(wasm = globalThis.WebAssembly) {
  try {
    return !!wasm && wasm.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * The builds to try, best first; the last is always the single-threaded SIMD128 `pkg`, which any host serves.
 * @param {{isolated: boolean, cores: number, relaxed: boolean, threads?: number}} host `threads`: how many the page
 *   asked for (1 keeps to the single-threaded builds; absent: the best the host allows)
 * @returns {{dir: string, threads: number, relaxed: boolean}[]}
 */
export function buildCandidates({ isolated, cores, relaxed, threads: wanted }) {
  const out = [];
  const threads = whyNoThreads({ isolated, cores, threads: wanted }) === null;
  if (threads && relaxed) out.push({ dir: 'pkg-threads-relaxed', threads: 2, relaxed: true });
  if (threads) out.push({ dir: 'pkg-threads', threads: 2, relaxed: false });
  if (relaxed) out.push({ dir: 'pkg-relaxed', threads: 1, relaxed: true });
  out.push({ dir: 'pkg', threads: 1, relaxed: false });
  return out;
}

/**
 * Why a host gets no threads, in words for the engine's mode line (null when it can have them).
 * @param {{isolated: boolean, cores: number, threads?: number}} host
 */
export function whyNoThreads({ isolated, cores, threads }) {
  if (threads === 1) return 'one thread was asked for';
  if (!isolated) return 'the page is not cross-origin isolated, so no shared memory';
  if (cores < 2) return 'one CPU core';
  return null;
}
