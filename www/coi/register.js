// Gives the page cross-origin isolation on hosts that send no COOP/COEP: installs ../coi-sw.js and reloads once.
//
// A classic script in index.html and embed.html, run before the modules. Where the server already sends the headers
// (scripts/serve.mjs) it does nothing. It records how the page is isolated, or why it is not, as
// `window.alexnetCoi.how` for the About panel (www/shell/results.js):
//   'headers'        the server sent COOP/COEP
//   'service-worker' this script's service worker added them (the host sends none)
//   'embedded'       an iframe: only a cross-origin isolated top page can give it isolation, so none is tried
//   'unavailable'    no service worker here (not https or localhost, private mode, or no coi-sw.js on the site)
//   'failed'         the service worker runs but the page is still not isolated (the browser ignores its headers)
//   'pending'        the service worker is being installed; the page reloads when it is active
// A change after the first answer is announced with an 'alexnet-coi' event on window.
(() => {
  const KEY = 'alexnet-coi-reloaded';
  const coi = { how: 'pending' };
  window.alexnetCoi = coi;
  const settle = (how) => {
    coi.how = how;
    window.dispatchEvent(new Event('alexnet-coi'));
  };
  const sw = navigator.serviceWorker;
  const ours = () => /\/coi-sw\.js$/.test(sw?.controller?.scriptURL ?? '');
  let storage = null;
  try {
    storage = window.sessionStorage;
  } catch {
    // Storage can be blocked (sandboxed frames); then the page reloads at most once for lack of a flag it can see.
  }
  if (window.crossOriginIsolated) {
    coi.how = ours() ? 'service-worker' : 'headers';
    storage?.removeItem(KEY);
    return;
  }
  if (window.top !== window) {
    coi.how = 'embedded';
    return;
  }
  if (!window.isSecureContext || !sw) {
    coi.how = 'unavailable';
    return;
  }
  if (ours()) {
    // Controlled by our worker, yet not isolated: a reload would not change that.
    coi.how = 'failed';
    return;
  }
  const script = document.currentScript?.src ?? document.baseURI;
  sw.register(new URL('../../coi-sw.js', script)).then(
    (registration) => {
      // No registration (a browser or test harness that blocks service workers): nothing will ever activate.
      if (!registration) return settle('unavailable');
      return sw.ready.then(() => {
        if (storage?.getItem(KEY)) return settle('failed');
        storage?.setItem(KEY, '1');
        window.location.reload();
      });
    },
    () => settle('unavailable'),
  );
})();
