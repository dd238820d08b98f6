// The browser's copy of verified weights: one file in the Cache API under its stable URL, and a record of its digest.
//
// The record is what lets a later visit call the stored file the BVLC weights: it is written only by this app,
// after the file was verified (the Zoo file's own SHA-256, or a compact copy the worker made from it), and it holds
// the stored file's digest, which is checked again whenever the file is loaded. A file's own metadata is never
// trusted; this record is the app's word, kept in its own origin's storage.

/** The Cache API cache holding the stored weights and their record. */
export const CACHE_NAME = 'alexnet-weights-v2';

/** The cache key of the record (a URL that is never fetched: Cache API keys must be http(s) URLs). */
export function recordKey(origin = globalThis.location?.origin ?? 'http://localhost') {
  return `${origin}/__alexnet-explainer__/stored-weights.json`;
}

/**
 * @typedef {object} StoredRecord
 * @property {number} version 1
 * @property {string} url the stable URL the file is stored under (the Hugging Face URL of the Zoo file)
 * @property {string} name the stored file's name (`bvlcalexnet-12.onnx`, `bvlc-alexnet-int8.safetensors`)
 * @property {string} dtype `f32`, `f16` or `int8`
 * @property {number} bytes size of the stored file
 * @property {string} sha256 digest of the stored file, checked again on every load
 * @property {'zoo'|'browser-copy'|'site-manifest'} by who verified it: the Zoo file itself, a compact copy this
 *   browser made from it, or the site's own copy
 * @property {string|null} from the verified Zoo file it is, or was made from (null: a site copy tied to none)
 */

/** A readable sentence for a failure to store (the weights in hand are used anyway). */
export function storeFailure(err) {
  const name = err?.name ?? '';
  if (name === 'QuotaExceededError' || /quota/i.test(err?.message ?? '')) {
    return 'this browser has no room left to store them (storage quota)';
  }
  return `this browser would not store them (${err?.message ?? err})`;
}

/**
 * The store, or one that stores nothing where the Cache API is missing (an insecure context, some private windows).
 * @param {{caches?: CacheStorage, name?: string, origin?: string}} [o]
 */
export function weightsStore({ caches = globalThis.caches, name = CACHE_NAME, origin } = {}) {
  const key = recordKey(origin);
  const open = () => caches.open(name);
  const available = !!caches;

  /** Store `record` as JSON (after its file is in). */
  async function putRecord(cache, record) {
    await cache.put(key, new Response(JSON.stringify(record), { headers: { 'Content-Type': 'application/json' } }));
  }

  return {
    available,

    /** @returns {Promise<StoredRecord|null>} */
    async record() {
      if (!available) return null;
      try {
        const r = await (await open()).match(key);
        const rec = r ? await r.json() : null;
        return rec?.version === 1 && typeof rec.url === 'string' && /^[0-9a-f]{64}$/.test(rec.sha256) ? rec : null;
      } catch {
        return null;
      }
    },

    /** The stored file's body (a stream) for `record`, or null when it is gone. */
    async body(record) {
      if (!available) return null;
      try {
        const r = await (await open()).match(record.url);
        return r?.body ?? null;
      } catch {
        return null;
      }
    },

    /**
     * A writer that streams a download into the cache as it arrives: `push` each chunk, `reset` when the download
     * restarts from byte 0, then `commit(record)` once the file is verified, or `abort()`. Nothing is stored until
     * `commit`: an aborted body makes the cache refuse the entry.
     */
    writer(url) {
      if (!available) {
        return { push() {}, reset() {}, abort() {}, commit: async () => ({ stored: false, reason: 'this browser offers no storage here (no Cache API)' }) };
      }
      let controller = null;
      let put = null;
      // The cache write starts with the first byte, so a writer that is never used leaves nothing open.
      const begin = () => {
        const stream = new ReadableStream({ start(c) { controller = c; } });
        put = open().then((cache) => cache.put(url, new Response(stream, { headers: { 'Content-Type': 'application/octet-stream' } })))
          .then(() => null, (err) => err);
      };
      const stop = () => {
        try {
          controller?.error(new Error('not verified'));
        } catch {
          // Already closed or errored.
        }
        controller = null;
      };
      return {
        push(chunk) {
          if (!controller) begin();
          // The chunk itself: the download never reuses a chunk it has handed on, and the engine keeps its own copy.
          controller.enqueue(chunk);
        },
        reset() {
          stop();
        },
        abort() {
          stop();
        },
        async commit(record) {
          if (!controller) begin();
          controller.close();
          const err = await put;
          try {
            const cache = await open();
            if (err) {
              // A failed write may leave the old file's record pointing at nothing: forget both.
              await cache.delete(url);
              await cache.delete(key);
              return { stored: false, reason: storeFailure(err) };
            }
            await putRecord(cache, record);
            return { stored: true };
          } catch (e) {
            return { stored: false, reason: storeFailure(e) };
          }
        },
      };
    },

    /** Store a whole file (a compact copy) and its record, replacing what was stored. */
    async putBytes(record, bytes) {
      if (!available) return { stored: false, reason: 'this browser offers no storage here (no Cache API)' };
      try {
        const cache = await open();
        await cache.put(record.url, new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } }));
        await putRecord(cache, record);
        return { stored: true };
      } catch (err) {
        return { stored: false, reason: storeFailure(err) };
      }
    },

    /** Forget the stored weights. */
    async forget() {
      if (!available) return;
      try {
        await caches.delete(name);
      } catch {
        // Nothing to forget.
      }
    },
  };
}
