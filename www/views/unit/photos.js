// The "Your photos" panel: many photos at once (chooser, folder, drag and drop), run one at a time in the worker for
// the top patches of a layer, with progress, cancel, the files that failed and why, and "clear".

import { el } from '../kit/dom.js';
import { savePatches, clearPatches } from '../../client/patch-store.js';

/** Every file under a dropped folder (or the dropped files themselves), in name order per folder. */
async function droppedFiles(transfer) {
  const entries = [...(transfer.items ?? [])].map((i) => i.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...(transfer.files ?? [])];
  const out = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      out.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
      return;
    }
    const reader = entry.createReader();
    // readEntries answers in batches (100 in Chromium) until it returns none.
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      for (const e of batch.sort((a, b) => a.name.localeCompare(b.name))) await walk(e);
    }
  };
  for (const e of entries) await walk(e);
  return out;
}

/**
 * Mount the panel. `layer()` is the layer the photos are ranked for; `onResult(record)` receives the stored record
 * when a batch ends (also a cancelled one, with what it ranked), `onCleared()` after "clear".
 */
export function createPhotosPanel(ctx, { layer, onResult, onCleared }) {
  const { t } = ctx;
  const input = el('input', { type: 'file', id: 'photos-input', multiple: true, accept: 'image/*' });
  const folderInput = el('input', { type: 'file', id: 'photos-folder', webkitdirectory: true, multiple: true });
  const kSel = el('select', { id: 'photos-k' });
  for (const k of [3, 5, 8, 10]) kSel.append(new Option(String(k), String(k), k === 5, k === 5));
  const progress = el('progress', { id: 'photos-progress', max: '1', value: '0', hidden: true, 'aria-label': t('ph.progress') });
  const status = el('p', { id: 'photos-status', class: 'readout', 'aria-live': 'polite' });
  const cancel = el('button', { type: 'button', id: 'photos-cancel', class: 'button', hidden: true, text: t('ph.cancel') });
  const clear = el('button', { type: 'button', id: 'photos-clear', class: 'button', text: t('ph.clear') });
  const errors = el('ul', { id: 'photos-errors', class: 'photos-errors', 'aria-label': t('ph.errorsLabel') });
  const drop = el('div', { id: 'photos-drop', class: 'photos-drop' }, [
    el('label', { class: 'button file-button' }, [t('ph.choose'), input]),
    el('label', { class: 'button file-button' }, [t('ph.folder'), folderInput]),
    el('span', { class: 'hint', text: t('ph.drop') }),
  ]);
  const element = el('section', { id: 'photos', class: 'photos', 'aria-labelledby': 'photos-title' }, [
    el('h3', { id: 'photos-title', text: t('ph.title') }),
    el('p', { class: 'hint', text: t('ph.private') }),
    drop,
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('ph.k'), ' ', kSel]), clear]),
    el('div', { class: 'photos-run' }, [progress, cancel]), status, errors,
  ]);

  /** The batch in flight: {controller}; a newer batch cancels it (the latest choice wins). */
  let batch = null;

  async function start(files) {
    if (!files.length) return;
    batch?.controller.abort();
    const mine = { controller: new AbortController() };
    batch = mine;
    const id = layer();
    const k = Number(kSel.value);
    errors.replaceChildren();
    Object.assign(progress, { hidden: false, max: files.length, value: 0 });
    cancel.hidden = false;
    status.textContent = t('ph.running', { done: 0, total: files.length, layer: id });
    const names = files.map((f, i) => f.name || `${i + 1}`);
    let result;
    let cancelled = false;
    try {
      result = await ctx.client.topPatches(files, {
        layer: id, k, patches: true, signal: mine.controller.signal,
        onProgress: ({ done, total, failed }) => {
          if (batch !== mine) return;
          progress.value = done;
          status.textContent = t('ph.running', { done, total, layer: id }) + (failed ? ` ${t('ph.failedSoFar', { n: failed })}` : '');
        },
      });
    } catch (err) {
      if (!err.cancelled) {
        if (batch === mine) status.textContent = err.message;
        finish(mine);
        return;
      }
      result = err.partial;
      cancelled = true;
    }
    // A newer batch superseded this one: its results and errors are not the ones asked for now.
    if (batch !== mine) return;
    for (const e of result.errors) errors.append(el('li', { text: t('ph.error', { name: e.name, message: e.message }) }));
    const record = {
      layer: id, k, names, channels: [...result], means: result.means, errors: result.errors, images: result.images,
      seconds: result.seconds, imagesPerSecond: result.imagesPerSecond, patchSize: result.patchSize, cancelled,
    };
    if (batch === mine) {
      status.textContent = t(cancelled ? 'ph.cancelled' : 'ph.done', { n: result.images, total: files.length, layer: id, rate: result.imagesPerSecond.toFixed(1) }) +
        (result.errors.length ? ` ${t('ph.skipped', { n: result.errors.length })}` : '');
    }
    finish(mine);
    if (result.images === 0) return;
    try {
      await savePatches(record);
    } catch (err) {
      status.textContent += ` ${t('ph.notStored', { message: err.message })}`;
    }
    onResult(record);
  }

  function finish(mine) {
    if (batch !== mine) return;
    batch = null;
    progress.hidden = true;
    cancel.hidden = true;
  }

  input.addEventListener('change', () => { start([...input.files]); input.value = ''; });
  folderInput.addEventListener('change', () => { start([...folderInput.files]); folderInput.value = ''; });
  cancel.addEventListener('click', () => batch?.controller.abort());
  clear.addEventListener('click', async () => {
    batch?.controller.abort();
    await clearPatches().catch(() => {});
    errors.replaceChildren();
    status.textContent = t('ph.cleared');
    onCleared();
  });
  // The page's own drop target takes single images for the input panel; photos dropped here stay here.
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (e) => { e.preventDefault(); e.stopPropagation(); drop.classList.add('dragging'); });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    e.stopPropagation();
    drop.classList.remove('dragging');
    start(await droppedFiles(e.dataTransfer));
  });

  return {
    element,
    /** Start a batch on these files (the panel's own inputs call this too). */
    start,
    destroy: () => batch?.controller.abort(),
  };
}
