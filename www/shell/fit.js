// Embeds: the view shrunk with a CSS transform until it fits the embed's box (an iframe at 640×400 shows all of it).

/**
 * Pointer maths in the views uses getBoundingClientRect, which already includes the transform. Does nothing in the
 * app, whose shell has no `.ae-fit` box.
 * @param {{root: ParentNode, win: Window, fitHeight?: boolean, cleanup: (fn: Function) => void}} o
 * @returns {{fit: () => void, reset: () => void}}
 */
export function createFit({ root, win, fitHeight = false, cleanup }) {
  const fitBox = root.querySelector('.ae-fit');
  const scaleBox = root.querySelector('.ae-scale');
  let widenSteps = 0;

  function fit() {
    if (!fitBox || !scaleBox) return;
    const availW = fitBox.clientWidth;
    const availH = fitBox.clientHeight;
    const needW = Math.max(scaleBox.scrollWidth, scaleBox.offsetWidth);
    const needH = scaleBox.scrollHeight;
    if (!availW || !needW || !needH) return;
    const sw = Math.min(1, availW / needW);
    let s = sw;
    if (fitHeight && availH > 0) {
      const sh = availH / needH;
      s = Math.min(s, sh);
      // A tall view shrunk to the height leaves the sides empty; laying it out wider makes it shorter, so it can be
      // shrunk less. The width only grows (a few steps per mounted view), so this cannot oscillate.
      if (sh < sw * 0.9 && widenSteps < 4 && needW < 1600) {
        widenSteps++;
        scaleBox.style.width = `${Math.min(1600, Math.round(needW * Math.sqrt(sw / sh)))}px`;
      }
    }
    scaleBox.style.transform = s < 0.999 ? `scale(${s})` : '';
    scaleBox.dataset.scale = s.toFixed(3);
    if (!fitHeight) fitBox.style.height = `${Math.ceil(needH * s)}px`;
  }

  /** A new view starts from the frame's own width again. */
  function reset() {
    widenSteps = 0;
    if (scaleBox) scaleBox.style.width = '';
  }

  if (fitBox && scaleBox && 'ResizeObserver' in win) {
    const ro = new win.ResizeObserver(() => win.requestAnimationFrame(fit));
    ro.observe(fitBox);
    ro.observe(scaleBox);
    cleanup(() => ro.disconnect());
  }
  return { fit, reset };
}
