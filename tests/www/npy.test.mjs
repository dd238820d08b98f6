// Unit tests of www/npy.js: the exact header bytes NumPy expects, padding to 64, and the float32 payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeNpy, npyDict } from '../../www/shared/npy.js';

test('a [2,3] tensor has exactly NumPy\'s 128-byte header', () => {
  const bytes = encodeNpy(new Float32Array([0, 1, 2, 3, 4, 5]), [2, 3]);
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  // Byte for byte what numpy.save wrote for np.zeros((2, 3), '<f4') (numpy 2.x): header length 0x76 = 118,
  // the dict, spaces up to byte 126, then '\n'.
  const header = `${dict}${' '.repeat(128 - 10 - dict.length - 1)}\n`;
  const expected = [0x93, ...Buffer.from('NUMPY'), 1, 0, 0x76, 0x00, ...Buffer.from(header, 'latin1')];
  assert.equal(expected.length, 128);
  assert.deepEqual([...bytes.subarray(0, 128)], expected);
  assert.equal(bytes[127], 0x0a);
  assert.equal(bytes.length, 128 + 6 * 4);
  const values = new Float32Array(bytes.buffer.slice(128));
  assert.deepEqual([...values], [0, 1, 2, 3, 4, 5]);
});

test('one-dimensional shapes are written as Python 1-tuples', () => {
  assert.equal(npyDict([4096]), "{'descr': '<f4', 'fortran_order': False, 'shape': (4096,), }");
  assert.equal(npyDict([96, 55, 55]), "{'descr': '<f4', 'fortran_order': False, 'shape': (96, 55, 55), }");
  const bytes = encodeNpy(new Float32Array(4096), [4096]);
  assert.equal((bytes[8] | (bytes[9] << 8)) + 10, 128);
});

test('the data always starts on a 64-byte boundary, little-endian', () => {
  for (const shape of [[1], [3, 227, 227], [256, 13, 13], [1000], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(n).fill(-1.5), shape);
    const hlen = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + hlen) % 64, 0, `shape ${shape}`);
    assert.equal(bytes[10 + hlen - 1], 0x0a);
    assert.deepEqual([...bytes.subarray(10 + hlen, 10 + hlen + 4)], [0x00, 0x00, 0xc0, 0xbf]);
  }
});

test('mismatched data and shape are refused', () => {
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), /do not fill/);
  assert.throws(() => encodeNpy(new Float32Array(0), []), /bad shape/);
});

test('decodeNpy reads back what encodeNpy writes, and refuses what it cannot read', async () => {
  const { decodeNpy } = await import('../../www/shared/npy.js');
  for (const shape of [[4096], [2, 3], [96, 3, 11, 11]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);
    const got = decodeNpy(encodeNpy(data, shape));
    assert.deepEqual(got.shape, shape);
    assert.deepEqual([...got.data], [...data]);
  }
  assert.throws(() => decodeNpy(new Uint8Array(20)), /not a version-1 \.npy/);
  const f64 = encodeNpy(new Float32Array(2), [2]);
  f64.set(Buffer.from("'<f8'"), 10 + "{'descr': ".length);
  assert.throws(() => decodeNpy(f64), /not a C-order float32/);
});
