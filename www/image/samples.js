// The sample images: the one gallery index (www/samples/index.json) and sample pixels by id, photos and probes.

import { toPixels, probePixels } from '../client/decoder.js';
import { PROBES } from './probes.js';

const SAMPLES_URL = new URL('../samples/', import.meta.url);

let indexPromise = null;

/**
 * The gallery index as `{id, title, url, credit, licence}[]`, fetched once per page. The file may list objects
 * `{id?, file, title?, credit?, licence?}` (or `src`/`url` for `file`, `license` for `licence`), an object with a
 * `samples` list, or bare file names, so the index can grow without breaking the panel; an id defaults to the file
 * name without its extension.
 */
export function sampleIndex() {
  indexPromise ??= fetch(new URL('index.json', SAMPLES_URL))
    .then((r) => {
      if (!r.ok) throw new Error(`samples/index.json: HTTP ${r.status}`);
      return r.json();
    })
    .then((json) => (Array.isArray(json) ? json : json.samples ?? [])
      .map((item) => (typeof item === 'string' ? { file: item } : item))
      .filter((item) => item && (item.file || item.src || item.url))
      .map((item) => {
        const file = item.file ?? item.src ?? item.url;
        const id = item.id ?? file.replace(/\.[^.]+$/, '');
        return { id, title: item.title ?? id, url: new URL(file, SAMPLES_URL).href, credit: item.credit, licence: item.licence ?? item.license };
      }))
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
  if (probe) return { pixels: await probePixels(id), label: probe.title };
  const list = await sampleIndex();
  const item = list.find((s) => s.id === id);
  if (!item) throw new Error(`There is no sample image called "${id}".`);
  const response = await fetch(item.url);
  if (!response.ok) throw new Error(`Could not load the sample ${item.title}: HTTP ${response.status}.`);
  return { pixels: await toPixels(await response.blob()), label: item.title };
}
