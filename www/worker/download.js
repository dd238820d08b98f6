// The one download loop: streams a file of known size into a sink, resumes with Range after a drop, reports progress.

/**
 * Why a download failed, for people and for code: `code` is one of
 * `offline` (the browser says it has no network), `network` (the request failed before any answer: no connection,
 * a host that cannot be reached, or an answer the browser may not read: CORS), `csp` (this page's
 * Content-Security-Policy forbade the connection), `http` (the server answered with an error status; `status`),
 * `size` (the server's file is not the expected size), `stalled` (the connection kept dropping without progress),
 * `cancelled`.
 */
export class DownloadError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'DownloadError';
    this.code = code;
    Object.assign(this, extra);
    if (code === 'cancelled') this.cancelled = true;
  }
}

/** Failed attempts in a row (no new byte in between) before the download gives up. */
export const MAX_STALLS = 5;

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    clearTimeout(timer);
    reject(new DownloadError('cancelled', 'The download was cancelled.'));
  }, { once: true });
});

const hostOf = (url) => {
  try {
    return new URL(url).host;
  } catch {
    return String(url);
  }
};

/**
 * The transfer rate over the last few seconds and the time left, from (time, bytes) samples.
 * @param {() => number} now milliseconds
 */
export function rateMeter(now, windowMs = 4000) {
  const samples = [];
  return {
    /** Record that `loaded` bytes have arrived; returns {rate (bytes/s), eta (s, or null)} for `total`. */
    sample(loaded, total) {
      const t = now();
      samples.push([t, loaded]);
      while (samples.length > 2 && t - samples[0][0] > windowMs) samples.shift();
      const [t0, b0] = samples[0];
      const rate = t > t0 ? ((loaded - b0) * 1000) / (t - t0) : 0;
      return { rate, eta: rate > 0 && total ? (total - loaded) / rate : null };
    },
    /** Forget the history (the download started again from byte 0). */
    reset() {
      samples.length = 0;
    },
  };
}

/** The first byte of a `Content-Range: bytes a-b/n` header, or null. */
function rangeStart(header) {
  const m = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(header ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * Download `url`, which must be exactly `size` bytes, into `sink` (`push(chunk)` for the next bytes in order,
 * `reset()` when the download has to start again from byte 0), or a function `(size) => sink` called when the first
 * answer arrives (so a download that never starts takes no memory). With `size` null the first answer's
 * Content-Length sets it, and `sink` must then be such a function (a file's bytes go straight into memory reserved
 * for exactly its size, so the size must be known first). The stable `url` is asked again after every
 * dropped connection, with `Range: bytes=N-` once N bytes arrived, so an expired signed CDN URL it redirected to
 * does not matter: the new request is redirected to a fresh one. A server that ignores the range (200) restarts
 * the sink. Progress is reported as `onProgress({loaded, total, rate, eta, resumed})` at most every ~100 ms.
 *
 * @param {string} url
 * @param {number} size expected bytes
 * @param {{push: (chunk: Uint8Array) => void, reset: () => void}} sink
 * @param {{fetchFn?: typeof fetch, signal?: AbortSignal, onProgress?: Function, onRetry?: Function,
 *   now?: () => number, backoffMs?: (n: number) => number, online?: () => boolean, cspBlocked?: () => string|null}} [o]
 *   `online` reads navigator.onLine; `cspBlocked` names a URL the page's CSP refused during the download, if any.
 */
export async function download(url, size, sink, o = {}) {
  const lazy = typeof sink === 'function' ? sink : null;
  if (lazy) sink = null;
  const fetchFn = o.fetchFn ?? globalThis.fetch.bind(globalThis);
  const now = o.now ?? (() => performance.now());
  const backoff = o.backoffMs ?? ((n) => Math.min(8000, 500 * 2 ** (n - 1)));
  const online = o.online ?? (() => globalThis.navigator?.onLine !== false);
  const onProgress = o.onProgress ?? (() => {});
  const { signal } = o;
  const meter = rateMeter(now);
  let loaded = 0;
  /** The most bytes ever received: only getting further than that counts as progress (a server that ignores
   * Range and drops at the same place every time must not be asked forever). */
  let best = 0;
  let stalls = 0;
  let resumed = 0;
  let lastReport = -Infinity;
  let lastError = null;
  const report = (force = false) => {
    const t = now();
    if (!force && t - lastReport < 100) return;
    lastReport = t;
    onProgress({ loaded, total: size, resumed, ...meter.sample(loaded, size) });
  };
  const cancelled = () => new DownloadError('cancelled', 'The download was cancelled.');

  while (size === null || loaded < size) {
    if (signal?.aborted) throw cancelled();
    if (stalls > 0) {
      if (stalls >= MAX_STALLS) {
        throw lastError?.code && lastError.code !== 'stalled' && loaded === 0 ? lastError
          : new DownloadError('stalled', `the connection to ${hostOf(url)} kept dropping (${loaded} of ${size} bytes arrived; last: ${lastError?.message ?? 'no answer'})`);
      }
      o.onRetry?.({ attempt: stalls + 1, loaded, reason: lastError?.message ?? '' });
      await sleep(backoff(stalls), signal);
    }
    let response;
    try {
      // No credentials: after Hugging Face's cross-site redirect the request's origin is `null`, and only a
      // wildcard Access-Control-Allow-Origin (which its CDN sends) lets the page read an uncredentialed answer.
      response = await fetchFn(url, { signal, credentials: 'omit', cache: 'no-store', headers: loaded > 0 ? { Range: `bytes=${loaded}-` } : {} });
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      const blocked = o.cspBlocked?.();
      if (blocked) throw new DownloadError('csp', `this page's Content-Security-Policy does not allow connecting to ${hostOf(blocked)}`, { host: hostOf(blocked) });
      lastError = online()
        ? new DownloadError('network', `${hostOf(url)} could not be reached, or its answer was not readable by this page (${err?.message ?? err})`, { host: hostOf(url) })
        : new DownloadError('offline', 'this browser is offline', { host: hostOf(url) });
      stalls++;
      continue;
    }
    if (response.status === 206 && loaded > 0) {
      // A CDN that sends only `Access-Control-Allow-Origin: *` exposes no Content-Range to the page, only
      // Content-Length (a CORS-safelisted header). A single-range answer starts where it was asked to, so what
      // can be read must agree with that; the file's SHA-256 checks the whole at the end anyway.
      const start = rangeStart(response.headers.get('Content-Range'));
      const length = Number(response.headers.get('Content-Length'));
      if ((start !== null && start !== loaded) || (start === null && length && length !== size - loaded)) {
        // A range we did not ask for cannot be spliced in; start over.
        response.body?.cancel?.();
        lastError = new DownloadError('http', `the server answered a range that does not start at byte ${loaded}`);
        sink.reset();
        meter.reset();
        loaded = 0;
        stalls++;
        continue;
      }
      resumed++;
    } else if (response.status === 200) {
      const length = Number(response.headers.get('Content-Length'));
      if (size === null) {
        if (!Number.isSafeInteger(length) || length <= 0) {
          response.body?.cancel?.();
          throw new DownloadError('size', `${hostOf(response.url || url)} did not say how big the file is (no Content-Length), so it cannot be received into memory of its size`);
        }
        size = length;
        sink = lazy(size);
      } else if (length && length !== size) {
        response.body?.cancel?.();
        throw new DownloadError('size', `${hostOf(response.url || url)} serves a file of ${length} bytes, but the expected file has ${size}: it is not the same file`);
      }
      // Memory for the file is taken only once a server has answered with it: a download that never starts
      // (offline, a 404) costs none.
      sink ??= lazy(size);
      if (loaded > 0) {
        // The server ignored the range: what arrives is the whole file again.
        sink.reset();
        meter.reset();
        loaded = 0;
      }
    } else {
      response.body?.cancel?.();
      const err = new DownloadError('http', `${hostOf(response.url || url)} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, { status: response.status });
      // 408, 429 and 5xx may pass, and a 403 may be an expired signed CDN URL: asking the stable URL again
      // gets a fresh one. Anything else (404, 410, 401) will not change by asking again.
      if (![403, 408, 429].includes(response.status) && response.status < 500) throw err;
      lastError = err;
      stalls++;
      continue;
    }
    try {
      if (!response.body) throw new Error('the answer has no body');
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (loaded + value.length > size) {
          reader.cancel().catch(() => {});
          throw new DownloadError('size', `${hostOf(response.url || url)} sent more than the expected ${size} bytes: it is not the same file`);
        }
        sink.push(value);
        loaded += value.length;
        report();
        if (signal?.aborted) {
          reader.cancel().catch(() => {});
          throw cancelled();
        }
      }
      if (loaded < size) throw new Error(`the connection closed after ${loaded} of ${size} bytes`);
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      if (err instanceof DownloadError) throw err;
      lastError = new DownloadError('stalled', err?.message ?? String(err));
      // A drop after progress is what resuming is for; only drops without progress count towards giving up.
      if (loaded > best) {
        best = loaded;
        stalls = 1;
      } else {
        stalls++;
      }
    }
  }
  report(true);
}
