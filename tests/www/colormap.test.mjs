// Unit tests of www/colormap.js: lookup tables, ranges, the signed/unsigned scale choice and painting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLut, LUTS, rangeOf, unionRange, scaleFor, lutIndex, colorOf, paint, cssGradient, formatValue } from '../../www/shared/colormap.js';

test('buildLut hits the first and last stops exactly and interpolates between', () => {
  const lut = buildLut([[0, 0, 0], [255, 100, 50]]);
  assert.equal(lut.length, 768);
  assert.deepEqual([...lut.slice(0, 3)], [0, 0, 0]);
  assert.deepEqual([...lut.slice(765)], [255, 100, 50]);
  assert.deepEqual([...lut.slice(3 * 51, 3 * 51 + 3)], [51, 20, 10]);
});

test('the diverging map is white-ish in the middle and blue/red at the ends', () => {
  const mid = colorOf(0, { lo: -1, hi: 1, lut: 'diverging' });
  assert.ok(mid.every((c) => c > 235), `mid ${mid}`);
  const [r0, , b0] = colorOf(-1, { lo: -1, hi: 1, lut: 'diverging' });
  const [r1, , b1] = colorOf(1, { lo: -1, hi: 1, lut: 'diverging' });
  assert.ok(b0 > r0 && r1 > b1);
});

test('viridis gets brighter from low to high', () => {
  const lum = (i) => 0.299 * LUTS.viridis[i * 3] + 0.587 * LUTS.viridis[i * 3 + 1] + 0.114 * LUTS.viridis[i * 3 + 2];
  for (let i = 8; i < 256; i += 8) assert.ok(lum(i) > lum(i - 8), `step ${i}`);
});

test('rangeOf reads a sub-range and handles empty input', () => {
  const d = new Float32Array([5, -2, 3, 9, -7]);
  assert.deepEqual(rangeOf(d), { min: -7, max: 9 });
  assert.deepEqual(rangeOf(d, 1, 3), { min: -2, max: 3 });
  assert.deepEqual(rangeOf(new Float32Array(0)), { min: 0, max: 0 });
  assert.deepEqual(unionRange([{ min: -1, max: 2 }, { min: 0, max: 5 }]), { min: -1, max: 5 });
});

test('scaleFor: signed data is symmetric around zero, non-negative data starts at zero', () => {
  assert.deepEqual(scaleFor({ min: -2, max: 5 }), { lo: -5, hi: 5, lut: 'diverging' });
  assert.deepEqual(scaleFor({ min: -8, max: 1 }), { lo: -8, hi: 8, lut: 'diverging' });
  assert.deepEqual(scaleFor({ min: 1, max: 4 }), { lo: 0, hi: 4, lut: 'viridis' });
  // An all-zero map (a dead ReLU channel) must not divide by zero.
  assert.deepEqual(scaleFor({ min: 0, max: 0 }), { lo: 0, hi: 1, lut: 'viridis' });
});

test('lutIndex clamps and maps NaN to the low end', () => {
  const s = { lo: 0, hi: 10 };
  assert.equal(lutIndex(-3, s), 0);
  assert.equal(lutIndex(0, s), 0);
  assert.equal(lutIndex(10, s), 255);
  assert.equal(lutIndex(50, s), 255);
  assert.equal(lutIndex(5, s), 128);
  assert.equal(lutIndex(NaN, s), 0);
});

test('paint writes opaque RGBA from an offset and agrees with colorOf', () => {
  const src = new Float32Array([100, 0, 5, 10, 100]);
  const out = new Uint8ClampedArray(3 * 4);
  const scale = { lo: 0, hi: 10, lut: 'viridis' };
  paint(out, src, 1, 3, scale);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual([...out.slice(i * 4, i * 4 + 3)], colorOf(src[1 + i], scale));
    assert.equal(out[i * 4 + 3], 255);
  }
});

test('cssGradient and formatValue produce readable text', () => {
  assert.match(cssGradient('grey'), /^linear-gradient\(to right, rgb\(0, 0, 0\) 0%, .* rgb\(255, 255, 255\) 100%\)$/);
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(1234.5678), '1230');
  assert.equal(formatValue(0.000012), '1.20e-5');
  assert.equal(formatValue(-0.5), '-0.5');
});
