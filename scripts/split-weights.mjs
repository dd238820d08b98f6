#!/usr/bin/env node
// Split a weights file into parts under a size limit (static hosts often refuse files over 50 MB) plus a
// `<name>.parts.json` manifest with each part's size and SHA-256, which the worker (www/worker/weights-sources.js)
// joins and verifies.
//
// Usage: node scripts/split-weights.mjs FILE [--part-size BYTES|45MiB|50MB] [--out DIR]
//          [--site-manifest --dtype f32|f16|int8 [--from-name NAME --from-sha256 HEX] [--no-autoload]]
// Writes DIR/<name>.part0, <name>.part1, … and DIR/<name>.parts.json (DIR defaults to FILE's folder); open the app
// with ?weights=<url of name.parts.json>. With --site-manifest it also writes DIR/manifest.json, the site's own copy
// of the trained weights (scripts/build-static.sh): the page loads it before it goes to Hugging Face, and calls it
// the BVLC weights when it names the verified Zoo file it was made from (--from-name/--from-sha256).

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** 45 MiB: under the common 50 MB (10^6) per-file limits with room to spare. */
export const DEFAULT_PART_SIZE = 45 * 1024 * 1024;

/** Parse "47185920", "45MiB", "50MB", "512KiB" into bytes. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(String(text).trim());
  if (!m) throw new Error(`not a size: ${text}`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 }[unit];
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1) throw new Error(`part size must be at least 1 byte: ${text}`);
  return n;
}

/** The byte ranges of the parts: [start, end) pairs covering `size` bytes, each at most `partSize` long. */
export function planParts(size, partSize) {
  const ranges = [];
  for (let start = 0; start < size; start += partSize) ranges.push([start, Math.min(size, start + partSize)]);
  if (size === 0) ranges.push([0, 0]);
  return ranges;
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/**
 * Split `file` into parts in `outDir`; returns the manifest (also written as <name>.parts.json).
 * Reads the file part by part, so a 244 MB ONNX file never has to fit in memory twice.
 */
export function splitFile(file, { partSize = DEFAULT_PART_SIZE, outDir = path.dirname(file) } = {}) {
  const name = path.basename(file);
  const size = fs.statSync(file).size;
  fs.mkdirSync(outDir, { recursive: true });
  const whole = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const parts = [];
  try {
    for (const [i, [start, end]] of planParts(size, partSize).entries()) {
      const buf = Buffer.alloc(end - start);
      let read = 0;
      while (read < buf.length) read += fs.readSync(fd, buf, read, buf.length - read, start + read);
      whole.update(buf);
      const partName = `${name}.part${i}`;
      fs.writeFileSync(path.join(outDir, partName), buf);
      parts.push({ file: partName, size: buf.length, sha256: sha256(buf) });
    }
  } finally {
    fs.closeSync(fd);
  }
  const manifest = { version: 1, name, size, sha256: whole.digest('hex'), partSize, parts };
  fs.writeFileSync(path.join(outDir, `${name}.parts.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The site manifest (version 2) for a split file: what `weights/manifest.json` beside index.html holds.
 * @param {ReturnType<typeof splitFile>} m the parts manifest
 * @param {{dtype: string, from?: {name: string, sha256: string}|null, autoload?: boolean}} o
 */
export function siteManifest(m, { dtype, from = null, autoload = true }) {
  return {
    version: 2,
    name: m.name,
    dtype,
    bytes: m.size,
    sha256: m.sha256,
    ...(from ? { from } : {}),
    autoload,
    parts: m.parts.map((p) => ({ file: p.file, bytes: p.size, sha256: p.sha256 })),
  };
}

/** Join the parts of a manifest in `dir` back into bytes, checking every size and hash (the worker's logic, in Node). */
export function joinParts(manifestPath) {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const dir = path.dirname(manifestPath);
  const bufs = manifest.parts.map((p, i) => {
    const buf = fs.readFileSync(path.join(dir, p.file));
    if (buf.length !== p.size || sha256(buf) !== p.sha256) throw new Error(`part ${i} (${p.file}) does not match the manifest`);
    return buf;
  });
  const out = Buffer.concat(bufs);
  if (out.length !== manifest.size || sha256(out) !== manifest.sha256) throw new Error('the joined file does not match the manifest');
  return out;
}

const USAGE = 'usage: node scripts/split-weights.mjs FILE [--part-size 45MiB] [--out DIR] ' +
  '[--site-manifest --dtype f32|f16|int8 [--from-name NAME --from-sha256 HEX] [--no-autoload]]';

function main(argv) {
  const args = [...argv];
  let partSize = DEFAULT_PART_SIZE;
  let outDir = null;
  const site = { on: false, dtype: null, fromName: null, fromSha: null, autoload: true };
  const files = [];
  const value = (flag) => {
    const v = args.shift();
    if (v === undefined) throw new Error(`${flag} needs a value`);
    return v;
  };
  try {
    while (args.length) {
      const a = args.shift();
      if (a === '--part-size') partSize = parseSize(value(a));
      else if (a === '--out') outDir = value(a);
      else if (a === '--site-manifest') site.on = true;
      else if (a === '--dtype') site.dtype = value(a);
      else if (a === '--from-name') site.fromName = value(a);
      else if (a === '--from-sha256') site.fromSha = value(a);
      else if (a === '--no-autoload') site.autoload = false;
      else if (a === '-h' || a === '--help') {
        console.log(USAGE);
        return 0;
      } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
      else files.push(a);
    }
    if (files.length !== 1) throw new Error('give exactly one FILE');
    if (site.on && !['f32', 'f16', 'int8'].includes(site.dtype)) throw new Error('--site-manifest needs --dtype f32, f16 or int8');
    if (!!site.fromName !== !!site.fromSha || (site.fromSha && !/^[0-9a-f]{64}$/.test(site.fromSha))) {
      throw new Error('--from-name and --from-sha256 (64 hex digits) go together');
    }
  } catch (err) {
    console.error(`split-weights: ${err.message}\n${USAGE}`);
    return 2;
  }
  const m = splitFile(files[0], { partSize, outDir: outDir ?? path.dirname(files[0]) });
  const dir = outDir ?? path.dirname(files[0]);
  for (const p of m.parts) console.log(`${path.join(dir, p.file)}  ${p.size} bytes  ${p.sha256}`);
  console.log(`${path.join(dir, `${m.name}.parts.json`)}: ${m.parts.length} parts, ${m.size} bytes, sha256 ${m.sha256}`);
  if (site.on) {
    const from = site.fromName ? { name: site.fromName, sha256: site.fromSha } : null;
    const sm = siteManifest(m, { dtype: site.dtype, from, autoload: site.autoload });
    fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(sm, null, 2)}\n`);
    console.log(`${path.join(dir, 'manifest.json')}: the site's copy${from ? ` of ${from.name}` : ' (not verified as the BVLC weights)'}${sm.autoload ? ', loaded at start' : ''}`);
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
