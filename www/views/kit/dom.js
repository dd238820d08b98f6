// Building the views' DOM: elements from a tag, attributes and children; accessible canvases; the "no pass yet" note.

/**
 * Creates an element: el('div', {class: 'x', onclick: f}, [children or text]). Attributes that are undefined, null
 * or false are left out, so optional ones can be written inline; `text` sets the text, `style` takes an object.
 */
export function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children)) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** An accessible canvas: role="img" with an aria-label. */
export function canvasEl(label, cls) {
  return el('canvas', { role: 'img', 'aria-label': label, class: cls });
}

/** The note shown while a view waits for activations that do not exist yet; `text` is the view's ctx.t('common.waiting'). */
export function waitingNote(text) {
  return el('p', { class: 'xv-note xv-waiting', text });
}
