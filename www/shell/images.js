// Which image is explained: files, drops, pastes and samples, where the latest choice wins and the URL follows it.

import { applyStatic } from '../shared/i18n.js';
import { createLatest } from './latest.js';

/**
 * @param {object} shell {q, win, engine, t, state, navigate, setStatus, showMessage, labelOf}
 * @param {object} o `createImageInput` (app: builds the image panel), `loadSample` (embeds: sample pixels by id),
 *   `fixed` (the instructor's `image=`: no other image may replace the sample)
 */
export function createImages(shell, { createImageInput, loadSample: loadEmbedSample, fixed = false }) {
  const { q, win, engine, t, navigate, setStatus, showMessage, labelOf } = shell;
  /** Every image choice (a file, a drop, a paste, a sample): the latest one wins, however long the others take. */
  const choices = createLatest();
  let input = null;

  async function run(pixels, meta) {
    try {
      await engine.run(pixels, meta);
    } catch (err) {
      setStatus('error', 'status.passFailed');
      showMessage(err.message);
    }
  }

  /** A cheap, permanent mark: tests/e2e/feel.test.mjs measures from it to the first conv1 maps on screen. */
  const markChosen = () => win.performance?.mark?.('image-chosen');

  /**
   * Make `source` the image being explained, unless a newer choice was made meanwhile (`choice` is no longer
   * current): then it is dropped without a trace. Decoding failures leave the previous image, its pass and the
   * state untouched: only the message changes.
   */
  async function useImage(source, meta = {}, choice = choices.begin()) {
    let pixels;
    try {
      pixels = await input.decode(source);
    } catch (err) {
      if (choice.current()) showMessage(err.message);
      return false;
    }
    if (!choice.current()) return false;
    showMessage('');
    input.setCurrent(pixels, { ...meta, label: labelOf(meta) });
    // The URL follows the winner: a file is no sample; a sample was put in the URL when it was picked.
    const sample = shell.state().sample;
    if (meta.sample === undefined && sample !== undefined) navigate({ sample: undefined }, { replace: true });
    else if (meta.sample !== undefined && sample !== meta.sample) navigate({ sample: meta.sample }, { replace: true });
    run(pixels, meta);
    return true;
  }

  async function loadSample(id) {
    markChosen();
    const choice = choices.begin();
    let ok = false;
    try {
      const { source, meta } = await input.loadSample(id);
      if (!choice.current()) return;
      ok = await useImage(source, meta, choice);
    } catch (err) {
      if (choice.current()) showMessage(err.message);
    }
    if (!ok && choice.current()) {
      // The image did not change, so the URL should not claim it did.
      input.forget();
      if (shell.state().sample === id) navigate({ sample: input.currentSample() ?? null }, { replace: true });
    }
  }

  if (createImageInput) {
    input = createImageInput({
      onImage: (source, meta) => {
        // `image=` fixed the image: a dropped or pasted file does not replace it.
        if (fixed) return false;
        markChosen();
        return useImage(source, meta);
      },
      onPick: (sampleId) => navigate({ sample: sampleId }),
    });
  }

  return {
    /** Show the sample the state names: the app loads it through its panel, an embed through the shared engine. */
    useSample(id) {
      if (!input) {
        engine.useSample(id, loadEmbedSample).catch((err) => {
          setStatus('error', 'status.error');
          showMessage(err.message);
        });
        return;
      }
      if (id && id !== input.currentSample()) loadSample(id);
    },
    /** Run the current image again (new weights). */
    rerun() {
      if (engine.pass.source) run(engine.pass.source, engine.pass.meta);
    },
    /** The app's gallery; resolves to the first sample's id. */
    async gallery() {
      await input?.loadGallery();
      return input?.firstSample();
    },
    /** The image panel in the current language: its static texts, the sample titles, the caption. */
    relabel() {
      const panel = q('image-panel');
      if (!input || !panel) return;
      const tt = t();
      applyStatic(panel, tt);
      for (const b of panel.querySelectorAll('[data-sample]')) {
        const span = b.querySelector('span');
        if (!span) continue;
        span.dataset.title ??= span.textContent;
        const key = `sample.${b.dataset.sample}`;
        span.textContent = tt.has(key) ? tt(key) : span.dataset.title;
      }
      const pixels = input.currentPixels?.();
      const sample = input.currentSample?.();
      if (pixels && engine.pass.meta) input.setCurrent(pixels, { ...engine.pass.meta, sample, label: labelOf(engine.pass.meta) });
    },
  };
}
