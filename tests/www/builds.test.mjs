// The engine build choice (www/builds.js): candidates per host, and the feature probes' bytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildCandidates, whyNoThreads, relaxedSimdSupported, RELAXED_SIMD_PROBE, SIMD_PROBE } from '../../www/worker/builds.js';

const dirs = (host) => buildCandidates(host).map((b) => b.dir);

test('the best build the host allows comes first, and pkg/ is always last', () => {
  assert.deepEqual(dirs({ isolated: true, cores: 2, relaxed: true }), ['pkg-threads-relaxed', 'pkg-threads', 'pkg-relaxed', 'pkg']);
  assert.deepEqual(dirs({ isolated: true, cores: 8, relaxed: false }), ['pkg-threads', 'pkg']);
  assert.deepEqual(dirs({ isolated: false, cores: 8, relaxed: true }), ['pkg-relaxed', 'pkg']);
  assert.deepEqual(dirs({ isolated: true, cores: 1, relaxed: true }), ['pkg-relaxed', 'pkg']);
  assert.deepEqual(dirs({ isolated: false, cores: 1, relaxed: false }), ['pkg']);
  for (const b of buildCandidates({ isolated: true, cores: 2, relaxed: true })) {
    assert.equal(b.threads > 1, b.dir.includes('threads'));
    assert.equal(b.relaxed, b.dir.includes('relaxed'));
  }
});

test('the mode line says why there are no threads', () => {
  assert.match(whyNoThreads({ isolated: false, cores: 4 }), /not cross-origin isolated/);
  assert.match(whyNoThreads({ isolated: true, cores: 1 }), /one CPU core/);
  assert.equal(whyNoThreads({ isolated: true, cores: 2 }), null);
  assert.match(whyNoThreads({ isolated: true, cores: 8, threads: 1 }), /one thread was asked for/);
  assert.equal(whyNoThreads({ isolated: true, cores: 8, threads: 2 }), null);
});

test('a page that asks for one thread gets only single-threaded builds', () => {
  assert.deepEqual(dirs({ isolated: true, cores: 8, relaxed: true, threads: 1 }), ['pkg-relaxed', 'pkg']);
  assert.deepEqual(dirs({ isolated: true, cores: 8, relaxed: true, threads: 2 }), ['pkg-threads-relaxed', 'pkg-threads', 'pkg-relaxed', 'pkg']);
});

test('the SIMD128 probe is a valid module here', () => {
  assert.equal(WebAssembly.validate(SIMD_PROBE), true);
});

test('the relaxed-SIMD probe validates exactly where relaxed SIMD is on', () => {
  // Node 20 has relaxed SIMD behind a flag: without it the probe must fail, with it pass. (A Node that no longer
  // knows the flag has relaxed SIMD on by default; then only the second half is checked.)
  const withFlag = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', `
    import { relaxedSimdSupported } from ${JSON.stringify(new URL('../../www/worker/builds.js', import.meta.url).href)};
    process.stdout.write(String(relaxedSimdSupported()));`], { encoding: 'utf8' });
  // Only an unknown flag may stop the child; a failed import (a moved module) must fail this test.
  if (withFlag.status !== 0) assert.match(withFlag.stderr, /bad option|unknown .*flag/i, withFlag.stderr);
  if (withFlag.status === 0) assert.equal(withFlag.stdout, 'true', withFlag.stderr);
  const flagKnown = withFlag.status === 0;
  if (flagKnown && !process.execArgv.includes('--experimental-wasm-relaxed-simd') && process.versions.node.startsWith('20.')) {
    assert.equal(relaxedSimdSupported(), false);
  }
  // The probe differs from the plain one only in its last instruction: a malformed probe would fail both ways.
  assert.equal(RELAXED_SIMD_PROBE.length, SIMD_PROBE.length + 11);
  assert.equal(relaxedSimdSupported({ validate: () => { throw new Error('no'); } }), false);
  assert.equal(relaxedSimdSupported(null), false);
});
