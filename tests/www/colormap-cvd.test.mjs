// The colour maps stay readable for colour-blind readers: each LUT of www/shared/colormap.js is passed through
// simulated protanopia, deuteranopia and tritanopia (Machado, Oliveira & Fernandes 2009, severity 1) and must keep
// its order (sequential: lightness rises) and its sign (diverging: the two sides stay apart), checked in CIELAB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LUTS, buildLut } from '../../www/shared/colormap.js';

/** Machado et al. 2009, severity 1.0, on linear RGB. */
const CVD = {
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

const toLinear = (c) => { const v = c / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };

/** An sRGB triple as seen with deficiency `m`, in CIELAB (D65). */
function labAs(m, [r, g, b]) {
  const lin = [r, g, b].map(toLinear);
  const s = m.map((row) => Math.min(1, Math.max(0, row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2])));
  const X = 0.4124 * s[0] + 0.3576 * s[1] + 0.1805 * s[2];
  const Y = 0.2126 * s[0] + 0.7152 * s[1] + 0.0722 * s[2];
  const Z = 0.0193 * s[0] + 0.1192 * s[1] + 0.9505 * s[2];
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = [X / 0.95047, Y, Z / 1.08883].map(f);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
const dE = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const entry = (lut, i) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];

/** Problems of a sequential LUT under deficiency `m`: lightness must rise across it, ends well apart. */
function sequentialProblems(lut, m) {
  const labs = Array.from({ length: 256 }, (_, i) => labAs(m, entry(lut, i)));
  const out = [];
  for (let i = 16; i < 256; i += 16) if (labs[i][0] <= labs[i - 16][0]) out.push(`L* falls from ${i - 16} to ${i}`);
  if (dE(labs[0], labs[255]) < 50) out.push(`ends only ${dE(labs[0], labs[255]).toFixed(1)} apart`);
  return out;
}

/**
 * Problems of a diverging LUT: the values −v and +v (entries 127 − d and 128 + d) must look different once |v| is a
 * quarter of the range, each side must get lighter toward the middle, and the two ends must stay far apart.
 */
function divergingProblems(lut, m) {
  const labs = Array.from({ length: 256 }, (_, i) => labAs(m, entry(lut, i)));
  const out = [];
  // A quarter of the way out from zero the two sides must differ clearly (ΔE ≥ 12), half-way out strongly (≥ 30).
  for (let d = 32; d <= 127; d += 16) {
    const gap = dE(labs[127 - d], labs[128 + d]);
    if (gap < (d >= 64 ? 30 : 12)) out.push(`−/+ at ${d}/128 only ${gap.toFixed(1)} apart`);
  }
  for (let i = 16; i <= 112; i += 16) if (labs[i][0] <= labs[i - 16][0]) out.push(`negative side darkens toward 0 at ${i}`);
  for (let i = 255 - 16; i >= 143; i -= 16) if (labs[i][0] <= labs[i + 16][0]) out.push(`positive side darkens toward 0 at ${i}`);
  if (dE(labs[0], labs[255]) < 40) out.push(`ends only ${dE(labs[0], labs[255]).toFixed(1)} apart`);
  return out;
}

test('viridis keeps its order for every colour vision', () => {
  for (const [name, m] of Object.entries(CVD)) assert.deepEqual(sequentialProblems(LUTS.viridis, m), [], name);
});

test('the grey map keeps its order for every colour vision', () => {
  for (const [name, m] of Object.entries(CVD)) assert.deepEqual(sequentialProblems(LUTS.grey, m), [], name);
});

test('the diverging map keeps negative and positive apart for every colour vision', () => {
  for (const [name, m] of Object.entries(CVD)) assert.deepEqual(divergingProblems(LUTS.diverging, m), [], name);
});

test('the check can fail: a red–green diverging map and a rainbow are caught', () => {
  const redGreen = buildLut([[0, 160, 0], [120, 200, 120], [247, 247, 247], [220, 120, 120], [200, 0, 0]]);
  assert.deepEqual(divergingProblems(redGreen, CVD.normal), [], 'fine for normal vision');
  assert.ok(divergingProblems(redGreen, CVD.deuteranopia).length > 0, 'caught under deuteranopia');
  const jet = buildLut([[0, 0, 143], [0, 0, 255], [0, 255, 255], [255, 255, 0], [255, 0, 0], [128, 0, 0]]);
  assert.ok(sequentialProblems(jet, CVD.normal).length > 0, 'a rainbow does not rise in lightness');
});
