// The page's image decoder, a module worker: turns image files (and the synthetic probes) into pixels off the page.

import { decodeHere } from './decode.js';
// Probes are drawn here too: computing them pixel by pixel took up to 80 ms on a cold page's main thread.
import { probeImage } from './probes.js';

self.onmessage = async (event) => {
  const { id, blob, maxSide, probe, size } = event.data ?? {};
  try {
    const pixels = probe ? probeImage(probe, size) : await decodeHere(blob, maxSide);
    self.postMessage({ id, pixels }, [pixels.data.buffer]);
  } catch (err) {
    self.postMessage({ id, error: err?.message ?? String(err) });
  }
};
