// NumPy .npy (format 1.0, little-endian float32, C order): writing a layer for np.load, reading the references back.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/**
 * The header dictionary NumPy writes, e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (96, 55, 55), }".
 * A one-dimensional shape needs the trailing comma of a Python 1-tuple: (4096,).
 */
export function npyDict(shape) {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
}

/**
 * Encode a float32 tensor as .npy bytes. The header is padded with spaces and ends in '\n' so that the data
 * starts at a multiple of 64 bytes, as NumPy itself does (it lets readers memory-map the array aligned).
 * @param {Float32Array|number[]} data row-major (C order) values
 * @param {number[]} shape e.g. [96, 55, 55] or [4096]
 * @returns {Uint8Array}
 */
export function encodeNpy(data, shape) {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.length || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`bad shape [${shape}]`);
  if (data.length !== count) throw new Error(`${data.length} values do not fill the shape [${shape.join(', ')}] (${count})`);
  const dict = npyDict(shape);
  // magic (6) + version (2) + header length (2) + dict + padding + '\n'
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const header = `${dict}${' '.repeat(total - unpadded)}\n`;
  const out = new Uint8Array(total + count * 4);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < count; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Decode a little-endian float32 `.npy` (version 1, as NumPy and our encoder write it): `{shape, data}`. Throws on
 * anything else, so a wrong reference file fails loudly instead of comparing garbage.
 * @param {ArrayBuffer|Uint8Array} bytes
 * @returns {{shape: number[], data: Float32Array}}
 */
export function decodeNpy(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 10 || MAGIC.some((m, i) => b[i] !== m) || b[6] !== 1) throw new Error('not a version-1 .npy file');
  const hlen = b[8] | (b[9] << 8);
  const header = String.fromCharCode(...b.subarray(10, 10 + hlen));
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) throw new Error(`not a C-order float32 .npy: ${header.trim()}`);
  const dims = /'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = dims.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
  const start = 10 + hlen;
  // A copy, so the values are 4-byte aligned whatever the header length.
  const data = new Float32Array(b.slice(start).buffer);
  if (data.length !== shape.reduce((x, y) => x * y, 1)) throw new Error(`the .npy holds ${data.length} values for shape (${shape})`);
  return { shape, data };
}
