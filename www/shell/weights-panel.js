// The app's weights panel: what is loaded and how far it is verified, the trained-weights download (progress, cancel,
// every failure with its own message and the manual path), a chosen weights file, and the copy stored in the browser.

import { createLatest } from './latest.js';

/** The labels of weights, from the engine's WeightsInfo (`origin`, `trained_tensors`, …), in the reader's language. */
export function weightsLabel(w, t) {
  if (!w) return t('app.weightsLoading');
  const params = { zoo: w.zoo ?? '', file: w.file ?? t('weights.aFile'), dtype: w.dtype, format: w.format };
  switch (w.origin) {
    case 'zoo': return t('weights.zoo', params);
    case 'vouched': return t(`weights.vouched.${w.vouched_by}`, params);
    case 'file': return t('weights.file', params);
    case 'starter': return t('weights.starter', params);
    default: return t('weights.seeded', params);
  }
}

/**
 * Advice for a small device (a phone, or one that reports ≤ 4 GB of memory through navigator.deviceMemory): keep the
 * int8 copy, and why. The i18n key and its parameters, or null on a device that can hold f32 comfortably.
 * @param {{deviceMemory?: number, narrow?: boolean}} device
 */
export function compactAdvice({ deviceMemory, narrow = false }) {
  if (Number.isFinite(deviceMemory) && deviceMemory <= 4) return { key: 'stored.smallMemory', params: { gb: deviceMemory } };
  return narrow ? { key: 'stored.smallScreen', params: {} } : null;
}

/** The sentence that says what the predictions are worth with these weights (banner, softmax, embeds). */
export function weightsNote(w, t) {
  if (!w || w.trained) return '';
  if (w.origin === 'starter') return t('banner.starter');
  if (w.origin === 'file') return t('banner.file', { file: w.file ?? t('weights.aFile') });
  return t('app.untrained');
}

const MB = 1e6;
/** A sentence from an engine message, which may lack its final full stop. */
const sentence = (text) => (/[.!?。！？]$/.test(text) ? text : `${text}.`);
const mb = (n) => (n / MB).toFixed(1);

/** "1 min 5 s" / "12 s", for the time left. */
function duration(seconds, t) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.max(1, Math.round(seconds));
  return s >= 60 ? t('dl.minutes', { m: Math.floor(s / 60), s: s % 60 }) : t('dl.seconds', { s });
}

/**
 * @param {object} o
 * @param {(id: string) => HTMLElement|null} o.q the shell's element lookup
 * @param {ParentNode} o.root the shell (a document or shadow root)
 * @param {ReturnType<import('../client/engine.js').createEngine>} o.engine
 * @param {() => Function} o.t the current translate function
 * @param {(name: string, key: string, params?: object) => void} o.setStatus
 * @param {(text: string, kind?: string) => void} o.showMessage
 * @param {() => void} o.onLoaded new weights replaced the old ones (re-run the image, clear old failures)
 * @param {(el: EventTarget, type: string, fn: Function) => void} o.listen adds a listener removed with the app
 */
export function createWeightsPanel({ q, root, win, engine, t, setStatus, showMessage, onLoaded, listen }) {
  const client = engine.client;
  const els = {
    text: q('weights-text'),
    input: q('weights-input'),
    banner: q('untrained-banner'),
    bannerText: q('banner-text'),
    download: q('download-zoo'),
    dlPanel: q('download-panel'),
    dlProgress: q('download-progress'),
    dlText: q('download-text'),
    dlCancel: q('download-cancel'),
    manual: q('download-manual'),
    manualLink: q('zoo-link'),
    stored: q('stored-panel'),
    storedText: q('stored-text'),
    compactF16: q('compact-f16'),
    compactInt8: q('compact-int8'),
    forget: q('forget-stored'),
    compactAfterBox: q('compact-after-box'),
    compactAfter: q('compact-after'),
    compactAfterWhy: q('compact-after-why'),
    statusProgress: q('weights-progress'),
  };
  /** Weights choices (a file, the download, a compact copy): only the latest one's outcome reaches the screen. */
  const choices = createLatest();
  let downloading = false;
  /** The site's own copy ({name, bytes, dtype}) when it has one, else null; asked once. */
  let siteCopy = null;
  let lastProgress = null;

  const sources = () => engine.engineInfo?.sources ?? null;

  function render() {
    const w = engine.weightsInfo;
    if (els.text) els.text.textContent = w ? t()('app.weights', { what: weightsLabel(w, t()), params: fmtInt(w.params) }) : t()('app.weightsLoading');
    if (els.banner) els.banner.hidden = !w || !!w.trained;
    if (els.bannerText) els.bannerText.textContent = weightsNote(w, t());
    const src = sources();
    if (els.download) {
      els.download.textContent = siteCopy
        ? t()('app.downloadSite', { mb: mb(siteCopy.bytes), dtype: siteCopy.dtype ?? '' })
        : t()('app.downloadZoo', { mb: src ? mb(src.primary.bytes) : '244' });
      els.download.title = siteCopy ? t()('app.downloadSiteTitle') : t()('app.downloadZooTitle', { name: src?.primary.name ?? '' });
      els.download.disabled = downloading;
    }
    if (els.manualLink && src) {
      els.manualLink.href = src.primaryUrl;
      els.manualLink.textContent = src.primary.name;
    }
    renderStored();
    renderCompactAfter();
    if (lastProgress && downloading) renderProgress(lastProgress);
  }

  function renderStored() {
    if (!els.stored) return;
    const w = engine.weightsInfo;
    const s = engine.stored;
    els.stored.hidden = !s;
    if (!s) return;
    const key = s.by === 'site-manifest' && !s.from ? 'stored.site-unverified' : `stored.${s.by}`;
    els.storedText.textContent = t()(key, { name: s.name, dtype: s.dtype, mb: mb(s.bytes), from: s.from });
    // A compact copy is offered only of the exact f32 Zoo file that is loaded now (what it would be made from).
    const offer = s.dtype === 'f32' && w?.origin === 'zoo' && w.dtype === 'f32';
    for (const b of [els.compactF16, els.compactInt8]) if (b) b.hidden = !offer;
    q('compact-tradeoff')?.toggleAttribute('hidden', !offer);
    const advice = offer ? deviceAdvice() : null;
    const adviceEl = q('compact-advice');
    if (adviceEl) {
      adviceEl.hidden = !advice;
      adviceEl.textContent = advice ? t()(advice.key, advice.params) : '';
    }
  }

  /** The device's advice, or null where f32 fits comfortably. */
  const deviceAdvice = () => (win ? compactAdvice({
    deviceMemory: win.navigator?.deviceMemory, narrow: !!win.matchMedia?.('(max-width: 600px)').matches,
  }) : null);

  // While the download runs (before any f32 copy is stored), a small device is told why a compact copy suits it
  // and may keep one instead: the int8 copy is made from the verified f32 file as soon as it is in, and replaces it.
  function renderCompactAfter() {
    if (!els.compactAfterBox) return;
    const advice = siteCopy?.dtype && siteCopy.dtype !== 'f32' ? null : deviceAdvice();
    els.compactAfterBox.hidden = !advice;
    if (els.compactAfterWhy) els.compactAfterWhy.textContent = advice ? t()(advice.key, advice.params) : '';
  }

  function renderProgress(p) {
    lastProgress = p;
    const tt = t();
    const pct = p.total ? Math.floor((p.loaded / p.total) * 100) : 0;
    const parts = [tt('dl.bytes', { loaded: mb(p.loaded), total: mb(p.total), pct })];
    if (p.rate > 0) parts.push(tt('dl.rate', { rate: mb(p.rate) }));
    const left = duration(p.eta, tt);
    if (left) parts.push(tt('dl.left', { left }));
    if (p.resumed) parts.push(tt('dl.resumed', { n: p.resumed }));
    const text = parts.join(' · ');
    if (els.dlText) els.dlText.textContent = text;
    for (const bar of [els.dlProgress, els.statusProgress]) {
      if (!bar) continue;
      bar.hidden = false;
      bar.max = p.total || 1;
      bar.value = p.loaded;
    }
    setStatus('loading', 'status.downloadingTrained', { progress: text });
  }

  function showDownload(on) {
    downloading = on;
    if (els.dlPanel) els.dlPanel.hidden = !on;
    if (on && els.dlText) els.dlText.textContent = t()('dl.starting');
    if (els.download) els.download.disabled = on;
    if (!on) {
      lastProgress = null;
      if (els.statusProgress) els.statusProgress.hidden = true;
    }
  }

  /** The sentence for a failed download, by the worker's code; the manual path is shown beside it. */
  function downloadFailure(err) {
    const tt = t();
    const host = err.host ?? new URL(sources()?.primaryUrl ?? 'https://huggingface.co/').host;
    const detail = err.message;
    const key = {
      offline: 'dl.fail.offline', network: 'dl.fail.network', csp: 'dl.fail.csp', http: 'dl.fail.http', size: 'dl.fail.size',
      checksum: 'dl.fail.checksum', stalled: 'dl.fail.stalled',
    }[err.code] ?? 'dl.fail.other';
    const status = /HTTP (\d+)/.exec(detail)?.[1] ?? '';
    return `${tt(key, { host, status, detail, name: sources()?.primary.name ?? '' })} ${tt('dl.manual', { url: sources()?.primaryUrl ?? '', sha: sources()?.primary.sha256 ?? '' })}`;
  }

  /** Which stored-copy outcome to tell the user after a load that tried to store. */
  function storedNote(ready) {
    const s = ready.storedNow;
    if (s && !s.stored) showMessage(t()('stored.failed', { reason: s.reason }), 'info');
  }

  async function downloadTrained() {
    if (downloading || !sources()) return;
    const choice = choices.begin();
    showDownload(true);
    if (els.manual) els.manual.hidden = true;
    const previous = q('status')?.dataset.state;
    setStatus('loading', siteCopy ? 'status.siteLoading' : 'status.zooLoading');
    try {
      const ready = await client.loadWeights({ source: 'zoo' });
      if (!choice.current()) return;
      showMessage('');
      storedNote(ready);
      setStatus('ready', 'status.weightsLoaded', { name: ready.weightsInfo.file ?? ready.weightsInfo.zoo ?? '' });
      onLoaded();
      const wantCompact = els.compactAfterBox && !els.compactAfterBox.hidden && els.compactAfter?.checked;
      if (wantCompact && ready.weightsInfo?.trained && ready.weightsInfo.zoo && ready.weightsInfo.dtype === 'f32') {
        showDownload(false);
        await compact('int8');
      }
    } catch (err) {
      if (!choice.current()) return;
      setStatus(!previous || previous === 'loading' ? 'ready' : previous, 'status.previousKept');
      if (err.cancelled) {
        showMessage(t()('dl.cancelled'), 'info');
      } else {
        showMessage(downloadFailure(err));
        if (els.manual) els.manual.hidden = false;
      }
    } finally {
      if (choice.current()) showDownload(false);
      render();
    }
  }

  /** A weights file the user chose: judged in the worker before it is read; the latest choice wins. */
  async function loadFile(file) {
    const choice = choices.begin();
    showDownload(false);
    const previous = q('status')?.dataset.state;
    setStatus('loading', 'status.weightsLoading', { name: file.name, mb: mb(file.size) });
    try {
      await client.loadWeights(file);
      if (!choice.current()) return;
      showMessage('');
      setStatus('ready', 'status.weightsLoaded', { name: file.name });
      onLoaded();
    } catch (err) {
      // A newer choice superseded this one: its own outcome is what the page reports.
      if (!choice.current() || err.cancelled) return;
      setStatus(previous === 'loading' ? 'ready' : previous, 'status.previousKept');
      showMessage(t()('msg.weightsFailed', { name: file.name, error: sentence(err.message) }));
    }
    render();
  }

  async function compact(dtype) {
    const choice = choices.begin();
    setStatus('loading', 'status.compacting', { dtype });
    try {
      const ready = await client.compact(dtype);
      if (!choice.current()) return;
      storedNote(ready);
      setStatus('ready', 'status.compacted', { dtype, mb: mb(ready.stored?.bytes ?? 0) });
      onLoaded();
    } catch (err) {
      if (!choice.current()) return;
      setStatus('ready', 'status.previousKept');
      showMessage(err.message);
    }
    render();
  }

  async function forget() {
    await client.forgetStored();
    showMessage(t()('stored.forgotten'), 'info');
    render();
  }

  if (els.input) {
    const pick = () => {
      els.input.value = '';
      els.input.click();
    };
    for (const b of root.querySelectorAll('[data-action="load-weights"]')) listen(b, 'click', pick);
    listen(els.input, 'change', () => {
      const file = els.input.files?.[0];
      if (file) loadFile(file);
    });
  }
  if (els.download) listen(els.download, 'click', () => downloadTrained());
  if (els.dlCancel) listen(els.dlCancel, 'click', () => client.cancelLoad());
  if (els.compactF16) listen(els.compactF16, 'click', () => compact('f16'));
  if (els.compactInt8) listen(els.compactInt8, 'click', () => compact('int8'));
  if (els.forget) listen(els.forget, 'click', () => forget());

  const offs = [
    engine.on('progress', (p) => {
      if (p.retry) {
        setStatus('loading', 'status.downloadResuming', { loaded: mb(p.loaded ?? 0), reason: p.message ?? '' });
        return;
      }
      if (downloading || p.total) renderProgress(p);
    }),
    engine.on('ready', () => render()),
  ];

  /** Ask the worker once whether the site hosts its own copy (the button then names it). */
  async function probeSite() {
    try {
      siteCopy = await client.get('site-copy');
    } catch {
      siteCopy = null;
    }
    render();
  }

  return {
    render,
    probeSite,
    downloadTrained,
    loadFile,
    destroy() {
      for (const off of offs) off();
    },
  };
}

const fmtInt = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
