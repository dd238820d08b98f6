// Benchmark page for "Your photos": explainer.topPatches over a folder of P photos (the sample JPEGs as distinct
// files), per layer, with and without the patches cut out; photos per second, and how much the page's heap grew
// (decode, run, drop: it must not hold P decoded images).
import { createExplainer } from '../www/client.js';
import { publish } from './util.js';

const q = new URLSearchParams(location.search);
const threads = Number(q.get('threads') || 1);
const photos = Number(q.get('photos') || 60);
const modelUrl = new URL(q.get('model') || '../tests/reference/out/model.onnx', location.href).href;
const out = document.getElementById('out');
const heap = () => globalThis.performance?.memory?.usedJSHeapSize ?? null;

async function main() {
  const ex = createExplainer({ weights: modelUrl, threads });
  const ready = await ex.ready;
  await ex.warmed;
  const names = ['chelsea.jpg', 'coffee.jpg', 'astronaut.jpg'];
  const blobs = await Promise.all(names.map(async (n) => (await fetch(`../www/samples/${n}`)).blob()));
  // Distinct File objects, as a chosen folder gives: nothing is shared between them but their bytes.
  const files = Array.from({ length: photos }, (_, i) => new File([blobs[i % 3]], `photo-${i}.jpg`, { type: 'image/jpeg' }));
  const rows = [];
  for (const [layer, patches] of [['conv1', false], ['conv5', false], ['conv5', true], ['pool5', true]]) {
    const before = heap();
    const wasmBefore = (await ex.debug.memory()).wasmBytes;
    let peak = before;
    const r = await ex.topPatches(files, { layer, k: 5, patches, onProgress: () => { peak = Math.max(peak ?? 0, heap() ?? 0); } });
    rows.push({
      layer, patches, photos: r.images, failed: r.errors.length, seconds: r.seconds, imagesPerSecond: r.imagesPerSecond,
      heapGrowthMB: before === null ? null : (peak - before) / 1e6,
      wasmGrowthMB: ((await ex.debug.memory()).wasmBytes - wasmBefore) / 1e6,
    });
  }
  ex.destroy();
  // One decoded 1024-px photo is ~4 MB of RGBA; keeping P of them would grow the heap by P × that.
  return { engine: 'photos', threads, build: ready.engine.build, photos, rows, decodedPhotoMB: (1024 * 683 * 4) / 1e6 };
}

await publish(main, out);
