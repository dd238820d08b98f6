// Writes the small starting corpora in fuzz/seeds/<target>/ from the robustness tests' fixture generators.
// Run from the repository root: node fuzz/make_seeds.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toyOnnx, alexnetOnnx, safetensors, int8Safetensors, hugeHeaderSafetensors, rgbaPng } from '../tests/e2e/hostile-fixtures.mjs';

const SEEDS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seeds');

function write(target, name, bytes) {
  const dir = path.join(SEEDS, target);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), bytes);
}

// ONNX: a toy network, and AlexNet-shaped graphs that stop at a transposed conv1 (shapes only, no data).
write('onnx_import', 'toy.onnx', toyOnnx());
write('onnx_import', 'alexnet-conv1-transposed.onnx', alexnetOnnx({ transpose: 'conv1' }));

// safetensors: a header with every AlexNet name and tiny wrong shapes, the 100 GB claim, int8 with a missing scale.
const f32 = (n) => ({ dtype: 'F32', shape: [n], data: Buffer.alloc(n * 4) });
write('store_read', 'tiny.safetensors', safetensors({ 'conv1.weight': { dtype: 'I8', shape: [2, 2], data: Buffer.alloc(4) }, 'conv1.weight_scale': f32(2), 'conv1.bias': f32(2) }, { dtype: 'int8' }));
write('store_read', 'huge-header.safetensors', hugeHeaderSafetensors());
write('store_read', 'int8-no-scale.safetensors', int8Safetensors({ missingScale: 'conv1' }));

// preprocess: [w u16][h u16][mode u8] then pixel bytes (see fuzz_targets/preprocess.rs).
const hdr = (w, h, mode) => { const b = Buffer.alloc(5); b.writeUInt16LE(w, 0); b.writeUInt16LE(h, 2); b[4] = mode; return b; };
write('preprocess', 'one-pixel', Buffer.concat([hdr(1, 1, 0), Buffer.from([10, 20, 30, 128])]));
write('preprocess', 'wide', Buffer.concat([hdr(1000, 3, 0), Buffer.from([255, 0, 0, 255, 0, 0, 255, 0])]));
write('preprocess', 'too-big', Buffer.concat([hdr(20000, 20000, 0), Buffer.alloc(16)]));
write('preprocess', 'raw-mismatch', Buffer.concat([hdr(4, 4, 2), rgbaPng(2, 2, () => [1, 2, 3, 4]).subarray(0, 60)]));
