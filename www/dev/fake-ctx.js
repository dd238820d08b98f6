// Dev-only fake view context (not part of the app): the spec and self-consistent made-up activations, no engine.
import { KIND_COLORS } from '../shared/config.js';
import { findLayer } from '../shared/data-row.js';
import { translator } from '../shared/i18n.js';

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// The spec comes from the Rust-generated dump, the same one the unit tests read.
async function loadSpec() {
  const r = await fetch('../../tests/fixtures/spec.json');
  if (!r.ok) throw new Error(`tests/fixtures/spec.json: HTTP ${r.status}`);
  return r.json();
}

/** Builds the fake ctx; `navigate` is forwarded to the page. */
export async function createFakeCtx(navigate) {
  const spec = await loadSpec();
  const byId = new Map(spec.layers.map((l) => [l.id, l]));
  const tensors = new Map();
  const argmax = new Map();
  const r = rng(7);
  const [ci, hi, wi] = spec.input.shape;
  const data = new Float32Array(ci * hi * wi);
  for (let c = 0; c < ci; c++) for (let y = 0; y < hi; y++) for (let x = 0; x < wi; x++) {
    const d = Math.hypot(y - hi * 0.45, x - wi * 0.55);
    data[(c * hi + y) * wi + x] = 80 * Math.cos(d / (9 + 4 * c)) + 30 * Math.sin((x + 2 * y) / 23) + (c - 1) * 20 + (r() - 0.5) * 10;
  }
  tensors.set('data', { shape: spec.input.shape, data });
  const get = (id) => tensors.get(id);
  for (const l of spec.layers) {
    const src = get(l.input);
    const n = l.out_shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    if (l.kind === 'conv') {
      const [c, h, w] = l.out_shape;
      for (let k = 0; k < c; k++) {
        const fy = 0.05 + r() * 0.4, fx = 0.05 + r() * 0.4, ph = r() * 6, b = r() - 0.55;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
          out[(k * h + y) * w + x] = Math.sin(y * fy + ph) * Math.cos(x * fx - ph) + b + (r() - 0.5) * 0.3;
        }
      }
    } else if (l.kind === 'relu') {
      for (let i = 0; i < n; i++) out[i] = Math.max(0, src.data[i]);
    } else if (l.kind === 'lrn') {
      const [c, h, w] = l.out_shape;
      const { size, alpha, beta, k } = l.lrn;
      const hw = h * w;
      for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) {
        let s = 0;
        for (let j = Math.max(0, ch - 2); j <= Math.min(c - 1, ch + 2); j++) s += src.data[j * hw + i] ** 2;
        out[ch * hw + i] = src.data[ch * hw + i] / (k + (alpha / size) * s) ** beta;
      }
    } else if (l.kind === 'pool') {
      const [c, h, w] = l.out_shape;
      const [, ih, iw] = l.in_shape;
      const am = new Uint32Array(n);
      for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        let best = -Infinity, bi = 0;
        for (let yy = y * l.stride; yy < Math.min(ih, y * l.stride + l.k); yy++) {
          for (let xx = x * l.stride; xx < Math.min(iw, x * l.stride + l.k); xx++) {
            const idx = (ch * ih + yy) * iw + xx;
            if (src.data[idx] > best) { best = src.data[idx]; bi = idx; }
          }
        }
        out[(ch * h + y) * w + x] = best;
        am[(ch * h + y) * w + x] = bi;
      }
      argmax.set(l.id, am);
    } else if (l.kind === 'fc') {
      for (let i = 0; i < n; i++) out[i] = (r() - 0.6) * 4 * (1 + Math.sin(i / 50));
    } else if (l.kind === 'softmax') {
      let m = -Infinity, s = 0;
      for (const v of src.data) m = Math.max(m, v);
      for (let i = 0; i < n; i++) s += (out[i] = Math.exp(src.data[i] - m));
      for (let i = 0; i < n; i++) out[i] /= s;
    }
    tensors.set(l.id, { shape: l.out_shape, data: out });
  }

  function kernelOf(l, oc) {
    const kr = rng(1000 + oc * 7 + l.id.length);
    const len = l.kernel_shape.slice(1).reduce((a, b) => a * b, 1);
    const k = new Float32Array(len);
    for (let i = 0; i < len; i++) k[i] = (kr() - 0.5) * 0.2;
    return k;
  }

  const client = {
    async get(what, args) {
      await new Promise((res) => setTimeout(res, 5));
      const l = byId.get(args.layer);
      if (what === 'tensor') return get(args.layer);
      if (what === 'pool-argmax') return argmax.get(args.layer);
      if (what === 'kernel') return kernelOf(l, args.oc);
      if (what === 'bias') {
        // Chosen so the fake fc outputs equal Σ w·x + b, like the engine's.
        const src = get(l.input), out = get(l.id);
        return Float32Array.from({ length: l.c_out }, (_, o) => {
          const k = kernelOf(l, o);
          let s = 0;
          for (let i = 0; i < k.length; i++) s += k[i] * src.data[i];
          return out.data[o] - s;
        });
      }
      if (what === 'conv-dot') {
        const { oc, y, x } = args;
        const src = get(l.input);
        const [, h, w] = src.shape;
        const g = l.groups ?? 1;
        const cIn = l.c_in / g;
        const group = Math.floor(oc / (l.c_out / g));
        const icStart = group * cIn;
        const k = l.k;
        const patch = new Float32Array(cIn * k * k);
        const kernel = kernelOf(l, oc);
        const products = new Float32Array(cIn * k * k);
        const y0 = y * l.stride - l.pad, x0 = x * l.stride - l.pad;
        let sum = 0;
        for (let c = 0; c < cIn; c++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
          const iy = y0 + ky, ix = x0 + kx;
          const i = (c * k + ky) * k + kx;
          patch[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? src.data[((icStart + c) * h + iy) * w + ix] : 0;
          products[i] = patch[i] * kernel[i];
          sum += products[i];
        }
        const [, oh, ow] = l.out_shape;
        const stored = get(l.id).data[(oc * oh + y) * ow + x];
        return { layer: l.id, oc, y, x, group, icStart, cIn, k, stride: l.stride, pad: l.pad, y0, x0, patch, kernel, products,
          sum, bias: stored - sum, value: stored, stored };
      }
      throw new Error(`fake client: ${what}`);
    },
  };

  return {
    spec,
    weightsInfo: { source: 'fake', format: 'none', dtype: 'f32', trained: false, params: spec.totals.params },
    client,
    layer: (id) => findLayer(spec, id),
    tensor: async (id) => get(id) ?? null,
    navigate,
    colors: KIND_COLORS,
    t: translator('en'),
    lang: 'en',
    timings: Object.fromEntries(spec.layers.map((l) => [l.id, (l.macs / 1e8) * 3 + 0.2])),
  };
}
