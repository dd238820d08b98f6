// The input image panel: preview, file picker, drag and drop, paste, and a gallery of sample photos and synthetic probes.

import { toPixels, probePixels } from '../client/decoder.js';
import { PROBES } from './probes.js';
import { sampleIndex } from './samples.js';

function h(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The first image file among a DataTransfer's files or items, or null. */
function imageFileOf(transfer) {
  if (!transfer) return null;
  const files = [...(transfer.files ?? [])];
  if (files.length) return files.find((f) => f.type.startsWith('image/')) ?? files[0];
  for (const item of transfer.items ?? []) {
    if (item.kind === 'file') return item.getAsFile();
  }
  return null;
}

/**
 * Build the panel inside `panel`.
 * @param {{panel: HTMLElement, dropTarget: HTMLElement, onImage: (source: Blob|object, meta: {label: string, sample?: string}) => void,
 *          onPick: (sampleId: string) => void}} opts
 *   `onImage` receives files (picked, dropped, pasted); `onPick` receives gallery choices, which the app turns
 *   into URL state before loading them with {@link loadSample}.
 */
export function createImageInput({ panel, dropTarget, onImage, onPick }) {
  let current = { pixels: null, sample: undefined, label: '' };
  /** The sample being loaded, so a re-render does not start loading it twice. */
  let wanted;
  let samples = [];

  const preview = h('canvas', { id: 'input-preview', role: 'img', 'aria-label': 'No image yet' });
  preview.width = 1;
  preview.height = 1;
  const caption = h('p', { id: 'input-caption', class: 'caption' }, 'No image yet');
  // data-i18n keys let the app relabel the panel in the chosen language (www/i18n.js applyStatic).
  const fileLabel = h('label', { class: 'button file-button', for: 'file-input', 'data-i18n': 'image.choose' }, 'Choose an image…');
  const fileInput = h('input', { type: 'file', id: 'file-input', accept: 'image/*' });
  const hint = h('p', { class: 'hint', 'data-i18n': 'image.hint' }, 'or drop one on the page, or paste it (Ctrl+V).');
  const gallery = h('div', { id: 'gallery', class: 'gallery', role: 'group', 'aria-label': 'Sample images', 'data-i18n-attr': 'aria-label:image.photosLabel' });
  const probesBox = h('div', { id: 'probes', class: 'gallery probes', role: 'group', 'aria-label': 'Synthetic probes', 'data-i18n-attr': 'aria-label:image.probesLabel' });
  panel.append(
    h('h2', { 'data-i18n': 'image.title' }, 'Input image'), preview, caption, fileLabel, fileInput, hint,
    h('h3', { 'data-i18n': 'image.photos' }, 'Photos'), gallery, h('h3', { 'data-i18n': 'image.probes' }, 'Probes'), probesBox,
  );

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) onImage(file, { label: file.name });
    // Clearing the value lets the same file be chosen again after an error.
    fileInput.value = '';
  });

  dropTarget.addEventListener('dragover', (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
    e.preventDefault();
    dropTarget.classList.add('dragging');
  });
  dropTarget.addEventListener('dragleave', (e) => {
    if (e.target === dropTarget || !dropTarget.contains(e.relatedTarget)) dropTarget.classList.remove('dragging');
  });
  dropTarget.addEventListener('drop', (e) => {
    dropTarget.classList.remove('dragging');
    const file = imageFileOf(e.dataTransfer);
    if (!file) return;
    e.preventDefault();
    onImage(file, { label: file.name || 'dropped image' });
  });
  document.addEventListener('paste', (e) => {
    const file = imageFileOf(e.clipboardData);
    if (!file) return;
    e.preventDefault();
    onImage(file, { label: 'pasted image' });
  });

  function markSelected() {
    for (const b of panel.querySelectorAll('[data-sample]')) b.setAttribute('aria-pressed', String(b.dataset.sample === current.sample));
  }

  function galleryButton(id, title, thumb, tooltip = title) {
    const b = h('button', { type: 'button', class: 'thumb', id: `sample-${id}`, 'data-sample': id, title: tooltip, 'aria-pressed': 'false' });
    b.append(thumb, h('span', {}, title));
    b.addEventListener('click', () => onPick(id));
    return b;
  }

  // The probe thumbnails are computed pixel by pixel; on the main thread, at the probes' own 256², each one took
  // 35–210 ms of page load (long-animation-frame attribution). They are drawn in the decode worker, at 128² (the
  // 64 CSS px thumbnail at 2× density), one after another; a thumbnail lost with a superseded decoder is asked again.
  const THUMB_PX = 128;
  const thumbs = [];
  for (const probe of PROBES) {
    const c = h('canvas', { role: 'img', 'aria-label': probe.title, width: String(THUMB_PX), height: String(THUMB_PX) });
    thumbs.push([probe, c, 0]);
    probesBox.append(galleryButton(probe.id, probe.title, c));
  }
  const drawNextThumb = async () => {
    const next = thumbs.shift();
    if (!next) return;
    const [probe, c, tries] = next;
    try {
      const img = await probePixels(probe.id, THUMB_PX);
      c.width = img.width;
      c.height = img.height;
      c.getContext('2d').putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
    } catch (err) {
      if (tries < 2) thumbs.push([probe, c, tries + 1]);
      else console.warn(`thumbnail ${probe.id}: ${err.message}`);
    }
    drawNextThumb();
  };
  setTimeout(drawNextThumb, 0);

  return {
    /**
     * Decode any supported source into pixels (≤ 1024 px); rejects with a readable message. The panel shows one
     * image and the latest choice wins, so a decode still in flight for an older choice is abandoned.
     */
    decode: (source) => toPixels(source, undefined, { supersede: true }),

    /** Load the gallery index and add the photo buttons. A missing index leaves the probes. */
    async loadGallery() {
      try {
        samples = await sampleIndex();
      } catch (err) {
        console.warn('no sample photos:', err.message);
        samples = [];
      }
      gallery.replaceChildren();
      for (const s of samples) {
        const img = h('img', { src: s.url, alt: s.title, loading: 'lazy' });
        gallery.append(galleryButton(s.id, s.title, img, s.credit ? `${s.title}: ${s.credit}${s.licence ? `, ${s.licence}` : ''}` : s.title));
      }
      markSelected();
      return samples;
    },

    /** The id of the first photo, else the first probe. */
    firstSample: () => samples[0]?.id ?? PROBES[0].id,

    /**
     * Fetch a gallery item: photos as Blobs (decoded by the caller), probes as pixels.
     * @returns {Promise<{source: Blob|object, meta: {label: string, sample: string}}>}
     */
    async loadSample(id) {
      wanted = id;
      try {
        const probe = PROBES.find((p) => p.id === id);
        if (probe) return { source: await probePixels(id), meta: { label: probe.title, sample: id } };
        const photo = samples.find((s) => s.id === id);
        if (!photo) throw new Error(`There is no sample image called "${id}".`);
        const response = await fetch(photo.url);
        if (!response.ok) throw new Error(`Could not load the sample ${photo.title}: HTTP ${response.status}.`);
        return { source: await response.blob(), meta: { label: photo.title, sample: id } };
      } catch (err) {
        wanted = undefined;
        throw err;
      }
    },

    /** Show `pixels` as the current image. */
    setCurrent(pixels, meta) {
      current = { pixels, sample: meta.sample, label: meta.label ?? 'image' };
      wanted = undefined;
      preview.width = pixels.width;
      preview.height = pixels.height;
      preview.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
      preview.setAttribute('aria-label', `Input image: ${current.label}, ${pixels.width}×${pixels.height} pixels`);
      caption.textContent = `${current.label} · ${pixels.width}×${pixels.height}`;
      caption.title = caption.textContent;
      markSelected();
    },

    /** Forget a sample whose loading failed, so the one shown counts as current again. */
    forget() {
      wanted = undefined;
    },

    /** The sample shown or being loaded (undefined for an uploaded file). */
    currentSample: () => wanted ?? current.sample,
    currentLabel: () => current.label,
    currentPixels: () => current.pixels,
  };
}
