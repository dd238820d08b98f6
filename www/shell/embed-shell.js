// The markup of an embed (embed.html, <alexnet-explainer>): one view, a one-line bar above it, nothing else.

export const EMBED_SHELL = `
  <div class="ae-embed" part="embed">
    <div class="ae-bar">
      <strong id="view-title" class="ae-title">AlexNet</strong>
      <span id="shape-text" class="shape"></span>
      <span id="status" class="ae-status" role="status" aria-live="polite" data-state="loading"><span id="status-text"></span>
        <progress id="weights-progress" hidden></progress></span>
      <span class="ae-actions">
        <button type="button" id="png-button" class="ae-btn" data-i18n="export.png">PNG</button>
        <a id="open-full" class="ae-btn" target="_blank" rel="noopener" data-i18n="embed.open">Open the explainer ↗</a>
      </span>
    </div>
    <div id="untrained-banner" class="ae-note" hidden data-i18n="embed.untrained"></div>
    <div id="message" role="alert" hidden></div>
    <div class="ae-body"><div id="view" class="view-area"></div></div>
  </div>`;
