// The tour's controller: which step shows, the keys, the URL and the remembered step, the ring, and dragging the box.
import { STEPS, stepById, stepPlace, stepText } from './steps.js';
import { createBox } from './box.js';

/** Where the last step a student saw is kept, so the Tour button reopens it. */
export const STORE_KEY = 'alexnet-explainer.tour-step';

/**
 * Mounts the tour on an app's shell (www/shell/app.js). The step lives in the app's state (`tour`, the
 * `#tour=<step-id>` of the URL), so the tour moves only by navigating: Back and Forward, links, embeds and the keys
 * all go through the same path. `show(state)` is called on every render.
 * @param {{root: ParentNode, doc: Document, win: Window, engine: object, isApp: boolean, q: Function,
 *   listen: Function, navigate: Function, state: () => object, t: () => Function}} shell
 */
export function createTour(shell) {
  const { root, doc, win, engine, isApp, q, listen, navigate, state, t } = shell;
  const offs = [];
  let current = null;
  let pointedAt = null;
  let scrolledFor = null;
  let settleUntil = 0;

  const box = createBox({ root, doc, isApp, onGo: go, onNext: next, onBack: back, onClose: close, onShow: press });
  const motion = win.matchMedia?.('(prefers-reduced-motion: reduce)');
  const reduced = () => !!motion?.matches;
  // With reduced motion every change is a cut: tour.css animates only [data-motion="smooth"].
  const setMotion = () => { box.element.dataset.motion = reduced() ? 'cut' : 'smooth'; };
  setMotion();
  if (motion?.addEventListener) {
    motion.addEventListener('change', setMotion);
    offs.push(() => motion.removeEventListener('change', setMotion));
  }

  const index = (id) => STEPS.findIndex((s) => s.id === id);

  function go(id) {
    if (!engine.spec || !stepById(id)) return;
    navigate(stepPlace(engine.spec, id));
  }
  function next() {
    const i = index(state().tour);
    if (i < 0) return;
    if (i === STEPS.length - 1) close();
    else go(STEPS[i + 1].id);
  }
  function back() {
    const i = index(state().tour);
    if (i > 0) go(STEPS[i - 1].id);
  }
  function close() {
    navigate({ tour: null });
    button?.focus();
  }
  /** "Show me": presses the view's own button the step names (the sweep's toy example), found by its label. */
  function press() {
    const step = current && stepById(current);
    if (!step?.press) return;
    const label = t()(step.press);
    [...(q('view')?.querySelectorAll('button') ?? [])].find((b) => b.textContent === label)?.click();
    schedulePoint();
  }
  function open() {
    go(remembered() ?? STEPS[0].id);
    box.title.focus({ preventScroll: true });
  }

  // localStorage may be missing or refuse (private modes, storage disabled); the tour then simply starts at step one.
  function remembered() {
    try {
      const id = win.localStorage?.getItem(STORE_KEY);
      return stepById(id) ? id : null;
    } catch {
      return null;
    }
  }
  function remember(id) {
    try {
      win.localStorage?.setItem(STORE_KEY, id);
    } catch {
      // Not remembering the step is harmless.
    }
  }

  /** The current pass as the steps read it: a finished layer's tensor, and the top classes once the pass is done. */
  const live = () => ({ tensor: (id) => engine.pass.tensors.get(id) ?? null, top: engine.pass.result?.top ?? null });

  function draw(s) {
    const tt = t();
    const spec = engine.spec;
    const step = stepById(current);
    const text = stepText(step, { spec, t: tt, live: live(), weightsInfo: engine.weightsInfo, state: s });
    box.render({ step, i: index(step.id), text, t: tt, spec, titleOf: (st) => tt(`tour.${st.id}.title`, st.facts(spec, tt)) });
  }

  /** Show the step the state names, or nothing. Called by the app on every render. */
  function show(s) {
    relabel();
    if (!s.tour || !engine.spec || !stepById(s.tour)) {
      if (current !== null) {
        box.hide();
        doc.body.classList.remove('touring');
      }
      current = null;
      return;
    }
    const changed = s.tour !== current;
    current = s.tour;
    draw(s);
    if (isApp) {
      doc.body.classList.add('touring');
      remember(current);
    }
    if (changed) {
      scrolledFor = null;
      settleUntil = performance.now() + 2000;
      // A new step starts at the top of the box, whatever the last one was scrolled to.
      box.element.scrollTop = 0;
      // Restarting the entrance animation needs a style flush between removing and adding the class.
      box.element.classList.remove('tour-enter');
      void box.element.offsetWidth;
      box.element.classList.add('tour-enter');
    }
    schedulePoint();
  }

  // ---------- pointing: the ring around the step's target, kept in place as the view mounts and redraws ----------

  let frame = 0;
  function schedulePoint() {
    if (!isApp || frame) return;
    frame = win.requestAnimationFrame(() => {
      frame = 0;
      point();
    });
  }
  const resizes = new win.ResizeObserver(() => schedulePoint());
  function point() {
    const s = state();
    const step = current && stepById(current);
    const place = step?.state(engine.spec);
    // Off the step's own view (the student wandered) there is nothing of the step's to point at.
    const target = step && s.view === place.view ? q('view')?.querySelector(step.target) : null;
    if (target !== pointedAt) {
      resizes.disconnect();
      if (target) resizes.observe(target);
      pointedAt = target;
    }
    // Views fill their elements in after mounting, and content above a target can still push it down for a moment;
    // so the target is scrolled to once it has a size, and again while the step settles if it moved out of sight.
    const r = target?.getBoundingClientRect();
    if (target && r.height > 0) {
      const first = scrolledFor !== current;
      const cut = r.top < 0 || r.bottom > win.innerHeight;
      if (first || (cut && performance.now() < settleUntil)) {
        scrolledFor = current;
        // A small target (a table row) is brought to the middle of the window, a tall one (a grid of maps) to its top.
        const block = r.height < win.innerHeight / 2 ? 'center' : 'start';
        target.scrollIntoView({ block, inline: 'nearest', behavior: first && !reduced() ? 'smooth' : 'auto' });
      }
    }
    box.pointAt(target ? visibleRect(target) : null);
  }
  /**
   * The part of `el` that can be seen: its box cut by every ancestor that clips (a wide ledger table scrolls inside
   * its wrapper) and by the window, so the ring outlines what is on screen, not what is scrolled away.
   */
  function visibleRect(el) {
    const r = el.getBoundingClientRect();
    let { left, top, right, bottom } = r;
    for (let p = el.parentElement; p && p !== doc.body; p = p.parentElement) {
      const cs = win.getComputedStyle(p);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      left = Math.max(left, c.left); top = Math.max(top, c.top); right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
    }
    left = Math.max(left, 0); top = Math.max(top, 0);
    right = Math.min(right, win.innerWidth); bottom = Math.min(bottom, win.innerHeight);
    // The docked box owns its strip of the window (beside the page, or below it on narrow screens): a target that
    // reaches into that strip is outlined only where it can be seen. A box the student dragged is theirs to place.
    // offsetLeft/offsetTop, unlike the client rect, leave out the entrance animation's shift of the fixed box.
    const dock = box.element;
    if (dock.dataset.dock !== 'free' && !dock.hidden) {
      if (dock.offsetLeft > win.innerWidth / 2) right = Math.min(right, dock.offsetLeft - 6);
      else bottom = Math.min(bottom, dock.offsetTop - 6);
    }
    return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
  }
  // The box's own size changes with its text (a live sentence arrives with the pass), and its docked strip with it.
  const boxResizes = new win.ResizeObserver(() => schedulePoint());
  boxResizes.observe(box.element);
  const area = q('view');
  const mutations = new win.MutationObserver(() => { if (current) schedulePoint(); });
  if (isApp && area) mutations.observe(area, { childList: true, subtree: true });
  if (isApp) {
    listen(win, 'resize', schedulePoint);
    listen(win, 'scroll', schedulePoint, { capture: true, passive: true });
  }

  // ---------- the keys: → and Space next, ← back, Esc closes ----------

  if (isApp) {
    listen(doc, 'keydown', (e) => {
      if (!current || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const target = e.target;
      if (target instanceof win.HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      if (doc.querySelector('dialog[open]')) return;
      // Inside the view the keys belong to its own controls (the overview's and the pool's canvases use arrows).
      const inView = !!area?.contains(target);
      const inBox = box.element.contains(target);
      let act = null;
      if (e.key === 'Escape') act = close;
      else if (inView) return;
      else if (e.key === 'ArrowRight') act = next;
      else if (e.key === 'ArrowLeft') act = back;
      // Space on a button or link outside the box keeps its usual meaning (pressing it).
      else if (e.key === ' ' && (inBox || !target?.closest?.('button, a, summary'))) act = next;
      if (!act) return;
      e.preventDefault();
      act();
    }, { capture: true });
  }

  // ---------- dragging the box by its head ----------

  if (isApp) {
    let drag = null;
    const head = box.head;
    listen(head, 'pointerdown', (e) => {
      if (e.button !== 0 || e.target.closest('button')) return;
      const r = box.element.getBoundingClientRect();
      drag = { dx: e.clientX - r.left, dy: e.clientY - r.top, id: e.pointerId };
      head.setPointerCapture?.(e.pointerId);
      e.preventDefault();
    });
    listen(head, 'pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const el = box.element;
      const w = el.offsetWidth, h = el.offsetHeight;
      const x = Math.max(0, Math.min(win.innerWidth - w, e.clientX - drag.dx));
      const y = Math.max(0, Math.min(win.innerHeight - Math.min(h, 48), e.clientY - drag.dy));
      el.dataset.dock = 'free';
      Object.assign(el.style, { left: `${x}px`, top: `${y}px` });
    });
    const end = (e) => {
      if (drag && e.pointerId === drag.id) drag = null;
    };
    listen(head, 'pointerup', end);
    listen(head, 'pointercancel', end);
    // A double click puts a dragged box back in its dock.
    listen(head, 'dblclick', (e) => {
      if (e.target.closest('button')) return;
      delete box.element.dataset.dock;
      Object.assign(box.element.style, { left: '', top: '' });
      schedulePoint();
    });
  }

  // ---------- the Tour button (app only) ----------

  let button = null;
  if (isApp) {
    const tools = root.querySelector('.header-tools');
    if (tools) {
      button = doc.createElement('button');
      button.type = 'button';
      button.id = 'tour-button';
      button.className = 'button';
      tools.prepend(button);
      listen(button, 'click', () => (current ? close() : open()));
    }
  }
  function relabel() {
    if (!button) return;
    const tt = t();
    button.textContent = tt('tour.button');
    button.title = tt('tour.buttonTitle');
    button.setAttribute('aria-pressed', String(!!state().tour));
  }

  // A finished pass brings the live sentence; new weights may change the trained-or-not note.
  const refresh = () => { if (current) draw(state()); };
  offs.push(engine.on('done', refresh), engine.on('ready', refresh));

  return {
    show,
    open,
    next,
    back,
    close,
    destroy() {
      for (const off of offs.splice(0)) off?.();
      if (frame) win.cancelAnimationFrame(frame);
      resizes.disconnect();
      boxResizes.disconnect();
      mutations.disconnect();
      button?.remove();
      box.destroy();
      doc.body.classList.remove('touring');
    },
  };
}
