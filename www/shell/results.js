// The side panels that report on the pass and the engine: the top-5 list and the About panel.

import { weightsLabel } from './weights-panel.js';

/**
 * The top-5 of the last finished pass, with the class names in the current language where there are any.
 * @param {{q: Function, doc: Document, engine: object, t: () => Function, predict?: object}} shell
 */
export function renderTop5({ q, doc, engine, t, predict }) {
  // `predict=first` (www/shell/predict.js): the guess comes first, and CSS hides the list until then.
  predict?.render();
  const list = q('top5');
  if (!list) return;
  const tt = t();
  list.replaceChildren();
  const top = engine.pass.result?.top ?? [];
  for (const p of top) {
    const li = doc.createElement('li');
    const name = doc.createElement('span');
    name.className = 'name';
    name.textContent = tt.has(`class.${p.index}`) ? tt(`class.${p.index}`) : p.name;
    const pct = doc.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(p.prob * 100).toFixed(1)}%`;
    const bar = doc.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.max(0.5, p.prob * 100)}%`;
    li.append(name, pct, bar);
    li.title = tt('app.classTitle', { index: p.index, logit: p.logit.toFixed(3) });
    list.append(li);
  }
  const notes = [];
  if (['starter', 'seeded'].includes(engine.weightsInfo?.origin) && top.length) notes.push(tt('app.randomNames'));
  // No Chinese ImageNet-1k names were found in a package we can ship, so other languages say the names are English.
  if (top.length && tt.lang !== 'en') notes.push(tt('app.classNamesNote'));
  const note = q('top5-note');
  if (note) note.textContent = notes.join(' ');
}

/**
 * Why the engine runs with the threads it does, as an i18n key: how the page got cross-origin isolation (the
 * server's headers or the service worker, www/coi/register.js), or why it has none.
 */
function threadsReason(win, isolated, threads) {
  const how = win.alexnetCoi?.how;
  if (isolated) {
    if ((win.navigator?.hardwareConcurrency ?? 2) < 2) return 'about.whyOneCore';
    if (threads === 1) return 'about.whyNoThreadsBuild';
    return how === 'service-worker' ? 'about.whySw' : 'about.whyHeaders';
  }
  const reasons = { embedded: 'about.whyEmbedded', unavailable: 'about.whyUnavailable', failed: 'about.whyFailed', pending: 'about.whyPending' };
  return reasons[how] ?? 'about.whyNoHeaders';
}

/**
 * The About panel: what runs where (threads, SIMD), the weights, the offline store.
 * @param {{q: Function, doc: Document, win: Window, engine: object, t: () => Function}} shell
 */
export function renderAbout({ q, doc, win, engine, t }) {
  const about = q('about-list');
  if (!about) return;
  const tt = t();
  const isolated = !!win.crossOriginIsolated;
  // The worker reports the build it runs; before it has, an isolated page can only say threads are possible.
  const threads = engine.engineInfo?.threads;
  let mode;
  if (!isolated || threads === 1) mode = tt('about.singleThreaded');
  else if (threads > 1) mode = tt('about.multiThreaded', { n: threads });
  else mode = tt('about.threadsPossible');
  const why = tt(threadsReason(win, isolated, threads));
  const relaxed = engine.engineInfo?.relaxed;
  const w = engine.weightsInfo;
  const rows = [
    ['about.isolatedLabel', tt('about.isolated', { yesno: tt(isolated ? 'about.yes' : 'about.no'), threads: mode }), 'about-isolated'],
    ['about.whyLabel', why, 'about-why'],
    ['about.simdLabel', relaxed === undefined ? '…' : tt(relaxed ? 'about.simdRelaxed' : 'about.simd128'), 'about-simd'],
    ['about.weightsLabel', w ? `${weightsLabel(w, tt)} · ${w.format} · ${w.dtype}` : '…'],
    ['about.cacheLabel', tt(typeof win.caches === 'undefined' ? 'about.cacheNo' : 'about.cacheYes')],
    ['about.classesLabel', tt('about.classes')],
  ];
  about.replaceChildren();
  for (const [key, value, id] of rows) {
    const dt = doc.createElement('dt');
    dt.textContent = tt(key);
    const dd = doc.createElement('dd');
    dd.textContent = value;
    if (id) dd.id = id;
    about.append(dt, dd);
  }
}
