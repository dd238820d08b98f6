// Sample images by id for the embeds (no image panel there): gallery photos from www/samples/ and the synthetic probes.

import { toPixels } from '../client/decoder.js';
import { PROBES } from './probes.js';

const SAMPLES_URL = new URL('../samples/', import.meta.url);

let indexPromise = null;

/** The gallery index ({id, file, title, …}[]), fetched once per page. */
export function sampleIndex() {
  indexPromise ??= fetch(new URL('index.json', SAMPLES_URL))
    .then((r) => {
      if (!r.ok) throw new Error(`samples/index.json: HTTP ${r.status}`);
      return r.json();
    })
    .then((json) => (Array.isArray(json) ? json : json.samples ?? []))
    .catch((err) => {
      indexPromise = null;
      throw err;
    });
  return indexPromise;
}

/** The id of the first gallery photo, else the first probe. */
export async function firstSampleId() {
  try {
    const list = await sampleIndex();
    return list[0]?.id ?? PROBES[0].id;
  } catch {
    return PROBES[0].id;
  }
}

/**
 * Pixels for a sample id.
 * @returns {Promise<{pixels: {width: number, height: number, data: Uint8ClampedArray}, label: string}>}
 */
export async function loadSamplePixels(id) {
  const probe = PROBES.find((p) => p.id === id);
  if (probe) return { pixels: probe.make(), label: probe.title };
  const list = await sampleIndex();
  const item = list.find((s) => (s.id ?? String(s.file).replace(/\.[^.]+$/, '')) === id);
  if (!item) throw new Error(`There is no sample image called "${id}".`);
  const response = await fetch(new URL(item.file, SAMPLES_URL));
  if (!response.ok) throw new Error(`Could not load the sample ${item.title ?? id}: HTTP ${response.status}.`);
  return { pixels: await toPixels(await response.blob()), label: item.title ?? id };
}
