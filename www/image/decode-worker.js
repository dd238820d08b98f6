// The page's image decoder, a module worker: turns image files (and the synthetic probes) into pixels off the page.

import { decodeHere } from './decode.js';
import { PROBES } from './probes.js';

/** A probe's pixels at `size`; computing them pixel by pixel took up to 80 ms on a cold page, so it happens here. */
function probePixels(probeId, size) {
  const probe = PROBES.find((p) => p.id === probeId);
  if (!probe) throw new Error(`There is no probe called "${probeId}".`);
  return probe.make(size);
}

self.onmessage = async (event) => {
  const { id, blob, maxSide, probe, size } = event.data ?? {};
  try {
    const pixels = probe ? probePixels(probe, size) : await decodeHere(blob, maxSide);
    self.postMessage({ id, pixels }, [pixels.data.buffer]);
  } catch (err) {
    self.postMessage({ id, error: err?.message ?? String(err) });
  }
};
