// The tour's box: its markup, one step's texts drawn into it, the chapter list, the parameter chart and the ring.
import { KIND_COLORS } from '../shared/config.js';
import { ledgerRows } from '../shared/geometry.js';
import { fitCanvas } from '../views/kit/canvas.js';
import { fmtPct } from '../views/kit/format.js';
import { el } from '../views/kit/dom.js';
import { CHAPTERS, STEPS } from './steps.js';

const STYLESHEET = new URL('./tour.css', import.meta.url).href;

/**
 * Creates the box (the element with id `tour`) in `root`: in the app a panel docked beside the page, in an embed a
 * block above the view. Its stylesheet is added once to the document or shadow root it lives in.
 * @param {{root: ParentNode, doc: Document, isApp: boolean, onGo: (id: string) => void, onNext: Function,
 *   onBack: Function, onClose: Function, onShow: Function}} o
 */
export function createBox({ root, doc, isApp, onGo, onNext, onBack, onClose, onShow }) {
  const styleHost = isApp ? doc.head : root;
  if (!styleHost.querySelector(`link[href="${STYLESHEET}"]`)) {
    styleHost.prepend(el('link', { rel: 'stylesheet', href: STYLESHEET }));
  }
  const box = el(isApp ? 'aside' : 'section', { id: 'tour', class: isApp ? 'tour tour-app' : 'tour tour-embed' });
  box.hidden = true;
  box.dataset.steps = String(STEPS.length);
  const progressText = el('span', { class: 'tour-progress-text' });
  const progress = el('progress', { class: 'tour-progress', max: String(STEPS.length), value: '0' });
  const closeBtn = el('button', { type: 'button', class: 'tour-close', text: '×' });
  const head = el('div', { class: 'tour-head' }, [progressText, progress, ...(isApp ? [closeBtn] : [])]);
  const title = el('h2', { class: 'tour-title', tabindex: '-1' });
  const body = el('div', { class: 'tour-body' });
  const live = el('p', { class: 'tour-live' });
  const figure = el('figure', { class: 'tour-figure' });
  const tryBox = el('p', { class: 'tour-try' });
  const showBtn = el('button', { type: 'button', class: 'button tour-show' });
  const weights = el('p', { class: 'tour-weights' });
  const chapters = el('details', { class: 'tour-chapters' });
  const backBtn = el('button', { type: 'button', class: 'button tour-back' });
  const nextBtn = el('button', { type: 'button', class: 'button tour-next' });
  const keys = el('p', { class: 'tour-keys' });
  box.append(head, title, body, live, figure, tryBox, weights);
  if (isApp) box.append(chapters, el('div', { class: 'tour-nav' }, [backBtn, nextBtn]), keys);
  // In an embed the box goes above the view: before the part of the embed's column that holds the view (the part
  // that is sized or scaled to fit the frame), so the text keeps its own size.
  const column = root.querySelector('.ae-embed');
  let holder = root.querySelector('#view');
  while (holder && holder.parentElement !== column) holder = holder.parentElement;
  if (isApp) doc.body.append(box);
  else if (holder) holder.before(box);
  else root.append(box);

  const ring = el('div', { class: 'tour-ring', 'aria-hidden': 'true' });
  ring.hidden = true;
  if (isApp) doc.body.append(ring);

  closeBtn.addEventListener('click', () => onClose());
  backBtn.addEventListener('click', () => onBack());
  nextBtn.addEventListener('click', () => onNext());
  showBtn.addEventListener('click', () => onShow());
  chapters.addEventListener('click', (ev) => {
    const id = ev.target.closest?.('button[data-step]')?.dataset.step;
    if (id) onGo(id);
  });

  function renderChapters(t, current, titleOf) {
    const open = chapters.open;
    const list = el('ol', { class: 'tour-chapter-list' });
    for (const chapter of CHAPTERS) {
      const steps = el('ol', {});
      for (const step of STEPS.filter((s) => s.chapter === chapter)) {
        const b = el('button', { type: 'button', 'data-step': step.id, text: titleOf(step) });
        if (step.id === current) b.setAttribute('aria-current', 'step');
        steps.append(el('li', {}, [b]));
      }
      list.append(el('li', {}, [el('span', { class: 'tour-chapter', text: t(`tour.chapter.${chapter}`) }), steps]));
    }
    chapters.replaceChildren(el('summary', { text: t('tour.chapters') }), list);
    chapters.open = open;
  }

  /**
   * Draws one step: `text` from stepText(), `i` its index, `t` the translator, `spec` for the chart, `titleOf(step)`
   * any step's title for the chapter list. The chapter
   * list is rebuilt only when the step or the language changed, so an open list stays open while the pass runs.
   */
  let drawnKey = '';
  function render({ step, i, text, t, spec, titleOf }) {
    box.hidden = false;
    box.dataset.step = step.id;
    box.setAttribute('aria-label', t('tour.label'));
    progressText.textContent = t('tour.progress', { i: i + 1, n: STEPS.length });
    progress.value = i + 1;
    closeBtn.title = t('tour.closeLabel');
    closeBtn.setAttribute('aria-label', t('tour.closeLabel'));
    title.textContent = text.title;
    body.replaceChildren(...text.body.map((p) => el('p', { text: p })));
    live.hidden = !text.live;
    live.replaceChildren(el('strong', { text: `${t('tour.liveLabel')}: ` }), text.live);
    tryBox.replaceChildren(el('strong', { text: `${t('tour.tryLabel')}: ` }), text.try);
    if (step.press) {
      showBtn.textContent = t('tour.showMe');
      tryBox.append(' ', showBtn);
    }
    weights.dataset.trained = String(text.trained);
    weights.replaceChildren(el('strong', { text: `${text.weightsLabel}: ` }), text.weights);
    figure.hidden = step.figure !== 'params';
    if (step.figure === 'params') drawParams(figure, spec, t);
    backBtn.textContent = t('tour.back');
    backBtn.disabled = i === 0;
    nextBtn.textContent = i === STEPS.length - 1 ? t('tour.finish') : t('tour.next');
    keys.textContent = t('tour.keys');
    head.title = isApp ? t('tour.drag') : '';
    const key = `${step.id}:${t.lang}`;
    if (isApp && key !== drawnKey) renderChapters(t, step.id, titleOf);
    drawnKey = key;
  }

  /** The parameter share of every layer that has any, as bars: the ledger's shares, drawn small. */
  function drawParams(fig, spec, t) {
    const rows = ledgerRows(spec).rows.filter((r) => r.params > 0);
    let canvas = fig.querySelector('canvas');
    if (!canvas) {
      canvas = el('canvas', { class: 'tour-params', role: 'img' });
      fig.append(canvas, el('figcaption', {}));
    }
    canvas.setAttribute('aria-label', t('tour.figureLabel'));
    fig.querySelector('figcaption').textContent = t('tour.figureLabel');
    const w = 300, rowH = 16, h = rows.length * rowH + 4;
    const g = fitCanvas(canvas, w, h);
    const max = Math.max(...rows.map((r) => r.paramShare));
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    rows.forEach((r, j) => {
      const y = 2 + j * rowH;
      g.fillStyle = '#333';
      g.fillText(r.id, 0, y + rowH / 2);
      g.fillStyle = KIND_COLORS[r.kind] ?? '#888';
      const bw = Math.max(1, (r.paramShare / max) * (w - 100));
      g.fillRect(44, y + 2, bw, rowH - 4);
      g.fillStyle = '#333';
      g.fillText(fmtPct(r.paramShare), 48 + bw, y + rowH / 2);
    });
  }

  function hide() {
    box.hidden = true;
    ring.hidden = true;
    delete box.dataset.step;
  }

  /** Outlines `rect` (viewport coordinates), or hides the ring when there is nothing to point at. */
  function pointAt(rect) {
    if (!isApp || !rect || rect.width === 0 || rect.height === 0) {
      ring.hidden = true;
      return;
    }
    ring.hidden = false;
    Object.assign(ring.style, { left: `${rect.left - 4}px`, top: `${rect.top - 4}px`, width: `${rect.width + 8}px`, height: `${rect.height + 8}px` });
  }

  function destroy() {
    box.remove();
    ring.remove();
  }

  return { element: box, head, title, ring, render, hide, pointAt, destroy };
}
