// `predict=first`: the top-5 (and the softmax view) stay covered until the student has guessed the network's first choice.
//
// The guess is offered among the pass's own top five, in alphabetical order so the order gives nothing away. A new
// pass (another image, other weights) asks again. www/shell/results.js draws the top-5 through `covered()`.

/**
 * @param {{q: Function, doc: Document, engine: object, t: () => Function, root: ParentNode}} shell
 * @param {{host: HTMLElement, place: (box: HTMLElement) => void, onReveal: () => void}} o `host` carries
 *   `data-predict` (www/style.css hides what it covers); `place` puts the guess box into the page
 */
export function createPredict({ doc, engine, t }, { host, place, onReveal }) {
  /** The pass id the guess belongs to, and the guessed class index. */
  let guess = { runId: -1, index: null };
  const box = doc.createElement('div');
  box.id = 'predict-guess';
  box.className = 'predict-guess';
  box.setAttribute('role', 'group');
  box.hidden = true;
  place(box);

  const top = () => engine.pass.result?.top ?? [];
  const name = (p, tt) => (tt.has(`class.${p.index}`) ? tt(`class.${p.index}`) : p.name);
  const guessed = () => guess.runId === engine.pass.runId && guess.index !== null;

  /** True while the results must stay hidden: until the student has guessed for this pass (also while it runs). */
  function covered() {
    return !guessed();
  }

  function render() {
    const tt = t();
    const list = top();
    const hide = covered();
    host.dataset.predict = hide ? 'covered' : 'open';
    box.replaceChildren();
    box.hidden = list.length === 0;
    if (!list.length) return;
    const prompt = doc.createElement('p');
    prompt.id = 'predict-prompt';
    box.setAttribute('aria-labelledby', prompt.id);
    if (hide) {
      prompt.textContent = tt('predict.prompt');
      const choices = doc.createElement('div');
      choices.className = 'predict-choices';
      const sorted = [...list].sort((a, b) => name(a, tt).localeCompare(name(b, tt)));
      for (const p of sorted) {
        const b = doc.createElement('button');
        b.type = 'button';
        b.className = 'button';
        b.dataset.index = String(p.index);
        b.textContent = name(p, tt);
        b.addEventListener('click', () => {
          guess = { runId: engine.pass.runId, index: p.index };
          render();
          onReveal();
        });
        choices.append(b);
      }
      box.append(prompt, choices);
    } else {
      const first = list[0];
      const picked = list.find((p) => p.index === guess.index);
      const key = guess.index === first.index ? 'predict.right' : 'predict.wrong';
      prompt.textContent = tt(key, { guess: picked ? name(picked, tt) : '', first: name(first, tt) });
      box.append(prompt);
    }
  }

  return { covered, render };
}
