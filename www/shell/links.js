// Links that restore exactly the current view (the full app, embed.html) and copy-paste snippets to embed it.

import { formatHash } from './state.js';
import { normaliseLang } from '../shared/i18n.js';

function escapeAttr(v) {
  return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * @param {{siteUrl: URL, weightsUrl?: string|null, win: Window, t: () => Function, state: () => object}} o
 */
export function createLinks({ siteUrl, weightsUrl, win, t, state }) {
  /** The state as a link restores it: the language is written out even when it was only the default. */
  const linkState = (s) => ({ ...s, lang: normaliseLang(s.lang) ?? t().lang });

  function withWeights(url) {
    if (weightsUrl) url.searchParams.set('weights', weightsUrl);
    return url;
  }

  /** A link to the full app that opens exactly this view. */
  function appLink(s = state()) {
    const url = withWeights(new URL('index.html', siteUrl));
    url.hash = formatHash(linkState(s));
    return url.href;
  }

  /** embed.html's URL for this view: the state as query parameters. */
  function embedLink(s = state()) {
    const url = new URL('embed.html', siteUrl);
    url.search = formatHash(linkState(s)).replace(/^#/, '');
    withWeights(url);
    return url.href;
  }

  /** Copy-paste snippets for the current view: an iframe of embed.html and the custom element. */
  function embedSnippets(s = state()) {
    const ls = linkState(s);
    const title = `AlexNet · ${ls.layer} · ${t()(`view.${ls.view}`)}`;
    const iframe = `<iframe src="${escapeAttr(embedLink(s))}" width="640" height="400" style="border:0;max-width:100%" ` +
      `loading="lazy" title="${escapeAttr(title)}"></iframe>`;
    const attrs = Object.entries(ls).filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
    const weights = weightsUrl ? ` weights="${escapeAttr(new URL(weightsUrl, win.location.href).href)}"` : '';
    const element = `<script type="module" src="${escapeAttr(new URL('www/element.js', siteUrl).href)}"></script>\n` +
      `<alexnet-explainer${attrs}${weights}></alexnet-explainer>`;
    return { iframe, element };
  }

  return { appLink, embedLink, embedSnippets };
}

/** Put `text` on the clipboard; false when the browser refuses (no user gesture, an iframe without permission). */
export async function copyText(win, text) {
  try {
    await win.navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The share buttons: "Copy link" and the "Embed this view" dialog with its two snippets.
 * @param {{q: Function, win: Window, t: () => Function, listen: Function, showMessage: Function}} shell
 * @param {ReturnType<typeof createLinks>} links
 */
export function bindShareButtons({ q, win, t, listen, showMessage }, links) {
  const on = (id, fn) => {
    const el = q(id);
    if (el) listen(el, 'click', fn);
  };
  const dialog = q('embed-dialog');
  on('copy-link', async () => {
    const link = links.appLink();
    const ok = await copyText(win, link);
    q('copy-link').dataset.link = link;
    showMessage(ok ? t()('share.copied') : t()('share.copyThis', { link }), 'info');
  });
  on('embed-button', () => {
    if (!dialog) return;
    const { iframe, element } = links.embedSnippets();
    q('embed-iframe-snippet').value = iframe;
    q('embed-element-snippet').value = element;
    const preview = q('embed-preview-link');
    if (preview) preview.href = links.embedLink();
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
  });
  for (const [button, field] of [['embed-copy-iframe', 'embed-iframe-snippet'], ['embed-copy-element', 'embed-element-snippet']]) {
    on(button, async () => {
      const ok = await copyText(win, q(field).value);
      if (!ok) q(field).select();
      q(button).textContent = t()(ok ? 'share.copiedShort' : 'share.selected');
    });
  }
  on('embed-close', () => dialog?.close?.());
  return { dialogOpen: () => !!dialog?.open };
}
