// The status line and the message line of a mounted app, in its language, re-translated when the language changes.

/**
 * @param {{q: (id: string) => Element|null, t: () => Function}} shell
 */
export function createStatus({ q, t }) {
  const els = { status: q('status'), text: q('status-text'), progress: q('weights-progress'), message: q('message') };
  let last = { name: 'loading', key: 'status.loadingEngine', params: {} };

  /** Show `text` in the message line (`kind` error or info); an empty text hides it. */
  function showMessage(text, kind = 'error') {
    if (!els.message) return;
    els.message.textContent = text;
    els.message.dataset.kind = kind;
    els.message.hidden = !text;
  }

  /** Set the status (`name` is its state: loading, running, done, ready, error) to message `key` with `params`. */
  function setStatus(name, key, params = {}) {
    last = { name, key, params };
    if (els.status) els.status.dataset.state = name;
    if (els.text) {
      els.text.textContent = t()(key, params);
      // The line is cut with an ellipsis when a file name makes it long; the whole of it is in the tooltip.
      els.text.title = els.text.textContent;
    }
    if (name !== 'loading' && els.progress) els.progress.hidden = true;
  }

  /** A sample's title in the current language; uploads keep their file name. */
  function labelOf(meta) {
    if (!meta) return '';
    if (meta.sample && t().has(`sample.${meta.sample}`)) return t()(`sample.${meta.sample}`);
    return meta.label ?? meta.sample ?? '';
  }

  /** Say the last status again in the current language (the image's name is part of some lines). */
  function retranslate(meta) {
    const params = 'label' in last.params ? { ...last.params, label: labelOf(meta) } : last.params;
    setStatus(last.name, last.key, params);
  }

  return { showMessage, setStatus, labelOf, retranslate };
}
