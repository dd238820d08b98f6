// The page's image decoder, a module worker: turns image files into pixels so a huge PNG never blocks the page.

import { decodeHere } from './decode.js';

self.onmessage = async (event) => {
  const { id, blob, maxSide } = event.data ?? {};
  try {
    const pixels = await decodeHere(blob, maxSide);
    self.postMessage({ id, pixels }, [pixels.data.buffer]);
  } catch (err) {
    self.postMessage({ id, error: err?.message ?? String(err) });
  }
};
