// Synthetic probe images (edges, stripes, a colour blob, a checkerboard) as ImageData-like RGBA objects.

/**
 * Probes are 256×256: the engine resizes the shorter side to 256, so a probe passes through the resize
 * unchanged and only the centre 227×227 crop is cut from it.
 */
export const PROBE_SIZE = 256;

/** A blank RGBA image-like object, opaque black. */
function blank(width, height) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}

/** Fill every pixel from `f(x, y) → [r, g, b]`. */
function fill(width, height, f) {
  const img = blank(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = f(x, y);
      const o = (y * width + x) * 4;
      img.data[o] = r;
      img.data[o + 1] = g;
      img.data[o + 2] = b;
    }
  }
  return img;
}

/** A vertical edge: black on the left half, white on the right. Vertical-edge kernels fire along x = size/2. */
export function verticalEdge(size = PROBE_SIZE) {
  const half = size >> 1;
  return fill(size, size, (x) => (x < half ? [0, 0, 0] : [255, 255, 255]));
}

/** A horizontal edge: black on the top half, white on the bottom. */
export function horizontalEdge(size = PROBE_SIZE) {
  const half = size >> 1;
  return fill(size, size, (_x, y) => (y < half ? [0, 0, 0] : [255, 255, 255]));
}

/**
 * Sinusoidal grey stripes. `angleDeg` = 0 gives vertical stripes (intensity varies along x); 90 gives
 * horizontal ones.
 * @param {{period?: number, angleDeg?: number, size?: number}} opts period in pixels per cycle
 */
export function stripes({ period = 16, angleDeg = 0, size = PROBE_SIZE } = {}) {
  const a = (angleDeg * Math.PI) / 180;
  const cx = Math.cos(a);
  const sy = Math.sin(a);
  return fill(size, size, (x, y) => {
    // Reducing the phase modulo the period first keeps equal phases bit-identical, so pixels one period
    // apart get exactly the same value instead of rounding either side of 127.5.
    const phase = (((x * cx + y * sy) % period) + period) % period;
    const v = Math.round(127.5 + 127.5 * Math.cos((2 * Math.PI * phase) / period));
    return [v, v, v];
  });
}

/**
 * A soft coloured disc on mid grey (a Gaussian falloff, so it has no hard edge: colour-selective kernels
 * respond, edge kernels mostly do not).
 * @param {{color?: number[], radius?: number, size?: number}} opts
 */
export function colorBlob({ color = [230, 40, 40], radius = 48, size = PROBE_SIZE } = {}) {
  const c = (size - 1) / 2;
  const grey = 128;
  return fill(size, size, (x, y) => {
    const d2 = (x - c) ** 2 + (y - c) ** 2;
    const w = Math.exp(-d2 / (2 * radius * radius));
    return color.map((v) => Math.round(grey * (1 - w) + v * w));
  });
}

/** A black-and-white checkerboard whose top-left cell is black. */
export function checkerboard({ cell = 16, size = PROBE_SIZE } = {}) {
  return fill(size, size, (x, y) => ((Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? [255, 255, 255] : [0, 0, 0]));
}

/**
 * The pixels of the probe called `id` at `size` (the decode worker draws them; see client/decoder.js probePixels).
 * @param {string} id
 * @param {number} [size]
 */
export function probeImage(id, size = PROBE_SIZE) {
  const probe = PROBES.find((p) => p.id === id);
  if (!probe) throw new Error(`There is no probe called "${id}".`);
  return probe.make(size);
}

/** A probe's length `v` (at PROBE_SIZE) at another `size`. */
const k = (v, size) => (v * size) / PROBE_SIZE;

/**
 * The probe gallery: id (used in the URL as `sample=`), a title, and the function that draws it. `make(size)` draws
 * the same picture at another size (periods, radius and cells scaled with it) for the gallery's thumbnails: at
 * 128 px a thumbnail costs a quarter of the probe itself, and drawing the full probes made page load's longest tasks.
 * @type {{id: string, title: string, make: (size?: number) => {width: number, height: number, data: Uint8ClampedArray}}[]}
 */
export const PROBES = Object.freeze([
  { id: 'probe-vedge', title: 'Vertical edge', make: (size = PROBE_SIZE) => verticalEdge(size) },
  { id: 'probe-hedge', title: 'Horizontal edge', make: (size = PROBE_SIZE) => horizontalEdge(size) },
  { id: 'probe-stripes-8-0', title: 'Stripes, 8 px, vertical', make: (size = PROBE_SIZE) => stripes({ period: k(8, size), angleDeg: 0, size }) },
  { id: 'probe-stripes-16-45', title: 'Stripes, 16 px, 45°', make: (size = PROBE_SIZE) => stripes({ period: k(16, size), angleDeg: 45, size }) },
  { id: 'probe-stripes-32-90', title: 'Stripes, 32 px, horizontal', make: (size = PROBE_SIZE) => stripes({ period: k(32, size), angleDeg: 90, size }) },
  { id: 'probe-stripes-4-135', title: 'Stripes, 4 px, 135°', make: (size = PROBE_SIZE) => stripes({ period: k(4, size), angleDeg: 135, size }) },
  { id: 'probe-blob', title: 'Red blob', make: (size = PROBE_SIZE) => colorBlob({ radius: k(48, size), size }) },
  { id: 'probe-checker', title: 'Checkerboard, 16 px', make: (size = PROBE_SIZE) => checkerboard({ cell: k(16, size), size }) },
]);
