// The app's keyboard: ← and → step through the layers, Home and End jump to the first and the last.

/**
 * @param {{doc: Document, win: Window, engine: object, listen: Function, state: () => object, navigate: Function}} shell
 * @param {() => boolean} busy true while a dialog has the keyboard
 */
export function bindLayerKeys({ doc, win, engine, listen, state, navigate }, busy) {
  listen(doc, 'keydown', (e) => {
    if (!engine.spec || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const target = e.target;
    if (target instanceof win.HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (busy()) return;
    const order = engine.order;
    const i = order.indexOf(state().layer);
    let next = null;
    if (e.key === 'ArrowRight') next = order[Math.min(order.length - 1, i + 1)];
    else if (e.key === 'ArrowLeft') next = order[Math.max(0, i - 1)];
    else if (e.key === 'Home') next = order[0];
    else if (e.key === 'End') next = order[order.length - 1];
    if (next === null) return;
    e.preventDefault();
    navigate({ layer: next });
  });
}
