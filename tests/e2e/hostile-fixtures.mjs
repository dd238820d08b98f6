// Hostile and unusual inputs for the robustness tests, generated in code: PNGs of any size, SVG, text, truncations,
// and weights files (ONNX protobuf encoded by hand, safetensors) that are wrong in one precise way each.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The spec table as the worker sends it (written by tests/tidy.rs), so no AlexNet shape is typed in here. */
export const SPEC = JSON.parse(fs.readFileSync(path.join(HERE, '../fixtures/spec.json'), 'utf8'));
/** Tiny JPEG/GIF fixtures written by tests/fixtures/images/make_images.py (Pillow). */
export const IMAGES_DIR = path.join(HERE, '../fixtures/images');

// ---------- images ----------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * Encodes a PNG. `row(y)` returns the unfiltered bytes of row y (filter type 0 is prepended here).
 * colorType: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA; bitDepth 1, 2, 4 or 8 (1–4 for grey only).
 */
export function png({ width, height, colorType = 6, bitDepth = 8, row }) {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const rowBytes = Math.ceil((width * channels * bitDepth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const r = row(y);
    if (r.length !== rowBytes) throw new Error(`row ${y}: ${r.length} bytes, ${rowBytes} expected`);
    raw.set(r, y * (rowBytes + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An RGBA PNG whose every pixel is `pixel(x, y)` → [r, g, b, a]. */
export function rgbaPng(width, height, pixel) {
  return png({
    width, height, colorType: 6,
    row: (y) => Buffer.from(Array.from({ length: width }, (_, x) => pixel(x, y)).flat()),
  });
}

/**
 * A huge, mostly white 1-bit greyscale PNG with a black square in its top-left quarter: 20000² pixels decode to
 * 1.6 GB of RGBA, yet the file is ~50 KB.
 */
export function hugePng(side = 20000) {
  const rowBytes = Math.ceil(side / 8);
  const white = Buffer.alloc(rowBytes, 0xff);
  const marked = Buffer.from(white);
  // Black (0 bits) from x = side/8 to side/4.
  for (let x = side / 8; x < side / 4; x++) marked[x >> 3] &= ~(0x80 >> (x & 7));
  return png({ width: side, height: side, colorType: 0, bitDepth: 1, row: (y) => (y >= side / 8 && y < side / 4 ? marked : white) });
}

/** An SVG that would run script when rendered as a document, and sets a global if it ever does. */
export const HOSTILE_SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="window.__svgRan = (window.__svgRan || 0) + 1">' +
  '<script>window.__svgRan = (window.__svgRan || 0) + 1; parent.__svgRan = 1;</script>' +
  '<rect width="64" height="64" fill="#2a7"/></svg>',
);

export function imageFixture(name) {
  return fs.readFileSync(path.join(IMAGES_DIR, name));
}

// ---------- protobuf (ONNX) ----------

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const key = (field, wire) => varint((field << 3) | wire);
const vField = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
const bField = (field, bytes) => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};

/** TensorProto: dims (1), data_type (2, 1 = float), name (8), raw_data (9). */
export function tensorProto(name, dims, raw = Buffer.alloc(0), dataType = 1) {
  return Buffer.concat([...dims.map((d) => vField(1, d)), vField(2, dataType), bField(8, name), bField(9, raw)]);
}

/** AttributeProto with INTS (type 7, field 8) or INT (type 2, field 3). */
function attr(name, value) {
  if (Array.isArray(value)) return Buffer.concat([bField(1, name), vField(20, 7), ...value.map((v) => vField(8, v))]);
  return Buffer.concat([bField(1, name), vField(20, 2), vField(3, value)]);
}

/** NodeProto: input (1), output (2), name (3), op_type (4), attribute (5). */
export function nodeProto(op, name, inputs, outputs, attrs = {}) {
  return Buffer.concat([
    ...inputs.map((i) => bField(1, i)), ...outputs.map((o) => bField(2, o)), bField(3, name), bField(4, op),
    ...Object.entries(attrs).map(([k, v]) => bField(5, attr(k, v))),
  ]);
}

/** ModelProto: ir_version (1) first, as every exporter writes it, then graph (7) with nodes (1) and initializers (5). */
export function onnxModel(nodes, initializers) {
  const graph = Buffer.concat([...nodes.map((n) => bField(1, n)), bField(2, 'g'), ...initializers.map((t) => bField(5, t))]);
  return Buffer.concat([vField(1, 8), bField(7, graph)]);
}

/** A 2-layer toy MLP (Gemm → Relu → Gemm, 4 → 8 → 2): a valid ONNX model of some other network. */
export function toyOnnx() {
  const f = (n) => Buffer.alloc(n * 4);
  return onnxModel(
    [
      nodeProto('Gemm', 'fc1', ['x', 'w1', 'b1'], ['h'], { transB: 1 }),
      nodeProto('Relu', 'relu', ['h'], ['r']),
      nodeProto('Gemm', 'fc2', ['r', 'w2', 'b2'], ['y'], { transB: 1 }),
    ],
    [tensorProto('w1', [8, 4], f(32)), tensorProto('b1', [8], f(8)), tensorProto('w2', [2, 8], f(16)), tensorProto('b2', [2], f(2))],
  );
}

/**
 * An AlexNet-structured ONNX model (5 Conv with the spec's attributes, 3 Gemm with transB = 1) with zero weights.
 * `transpose` names one weight stored with its axes swapped: a conv's first two axes ([3, 96, 11, 11] for conv1)
 * or an fc matrix ([9216, 4096] for fc6 under transB = 1). Layers after the broken one get shapes but no data,
 * since the importer checks shapes before data and stops at the first problem (that keeps an fc6 case at ~9 MB);
 * `full` gives every layer its data (a loadable 244 MB model when nothing is transposed); `f16` stores them as
 * float16 (122 MB).
 */
export function alexnetOnnx({ transpose = null, full = false, f16 = false } = {}) {
  const nodes = [];
  const inits = [];
  let prev = 'data';
  let broken = false;
  for (const l of SPEC.layers.filter((x) => x.kind === 'conv' || x.kind === 'fc')) {
    const dims = l.kernel_shape.slice();
    if (l.id === transpose) {
      [dims[0], dims[1]] = [dims[1], dims[0]];
    }
    const n = dims.reduce((a, b) => a * b, 1);
    if (l.id === transpose) broken = true;
    const withData = full || !broken;
    // float16 (ONNX data type 10) stores 2 bytes a value.
    const [bytes, type] = f16 ? [2, 10] : [4, 1];
    inits.push(tensorProto(`${l.id}_w`, dims, withData ? Buffer.alloc(n * bytes) : Buffer.alloc(0), type));
    inits.push(tensorProto(`${l.id}_b`, [l.c_out], Buffer.alloc(withData ? l.c_out * bytes : 0), type));
    const attrs = l.kind === 'conv'
      ? { group: l.groups, strides: [l.stride, l.stride], pads: [l.pad, l.pad, l.pad, l.pad], kernel_shape: [l.k, l.k] }
      : { transB: 1 };
    nodes.push(nodeProto(l.kind === 'conv' ? 'Conv' : 'Gemm', l.id, [prev, `${l.id}_w`, `${l.id}_b`], [`${l.id}_out`], attrs));
    prev = `${l.id}_out`;
  }
  return onnxModel(nodes, inits);
}

// ---------- safetensors ----------

/** A safetensors file from {name: {dtype, shape, data: Buffer}} and optional metadata. */
export function safetensors(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // The format pads the header with spaces to a multiple of 8.
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...Object.values(tensors).map((t) => t.data)]);
}

/**
 * AlexNet's tensors in int8 (zeros) with their scales, except `missingScale`'s scale. Layers after that one are
 * left out (the reader stops at the first problem), which keeps the file small.
 */
export function int8Safetensors({ missingScale = null } = {}) {
  const tensors = {};
  const layers = SPEC.layers.filter((x) => x.kind === 'conv' || x.kind === 'fc');
  const stop = missingScale ? layers.findIndex((l) => l.id === missingScale) + 1 : layers.length;
  for (const l of layers.slice(0, stop)) {
    const n = l.kernel_shape.reduce((a, b) => a * b, 1);
    tensors[`${l.id}.weight`] = { dtype: 'I8', shape: l.kernel_shape, data: Buffer.alloc(n) };
    if (l.id !== missingScale) tensors[`${l.id}.weight_scale`] = { dtype: 'F32', shape: [l.c_out], data: Buffer.alloc(l.c_out * 4) };
    tensors[`${l.id}.bias`] = { dtype: 'F32', shape: [l.c_out], data: Buffer.alloc(l.c_out * 4) };
  }
  return safetensors(tensors, { format: 'alexnet-explainer/1', dtype: 'int8', source: 'robustness test' });
}

/** A safetensors file whose header length field claims 100 GB. */
export function hugeHeaderSafetensors() {
  const b = Buffer.alloc(64, 0x20);
  b.writeBigUInt64LE(100n << 30n, 0);
  b[8] = 0x7b; // '{', so it is sniffed as safetensors
  return b;
}

/** A safetensors file with a true 8-byte length and a valid header whose one tensor claims 100 GB of data. */
export function bigTensorSafetensors() {
  const header = Buffer.from(JSON.stringify({ 'conv1.weight': { dtype: 'F32', shape: [96, 3, 11, 11], data_offsets: [0, 100 * 2 ** 30] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(1064)]);
}

/**
 * The path of a sparse file of `size` bytes (no disk space used) starting with `head`, in a new temp folder:
 * huge files for the "judged before read" checks. Playwright hands files to the page by path.
 */
export function sparseFile(name, size, head = Buffer.alloc(0)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-sparse-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, head);
  fs.truncateSync(file, size);
  return file;
}

/**
 * The head of an ONNX file of `size` bytes that frames correctly (ir_version, then one graph field that fills the
 * file), so only reading it all shows it is not a model.
 */
export function onnxHead(size) {
  const varint = (n) => {
    const out = [];
    while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80); }
    out.push(n);
    return Buffer.from(out);
  };
  const rest = size - 3;
  let len = varint(rest);
  len = varint(rest - len.length);
  return Buffer.concat([Buffer.from([0x08, 7, 0x3a]), len]);
}

/** Deterministic pseudo-random bytes (xorshift32), never starting like ONNX (0x08) or safetensors ('{' at 8). */
export function randomBytes(n, seed = 12345) {
  const out = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s & 0xff;
  }
  if (out[0] === 0x08) out[0] = 0x09;
  if (out[8] === 0x7b) out[8] = 0x7c;
  return out;
}
