// Module workers that also start on a page of another origin (the <alexnet-explainer> element on course notes): the page's
// engine and decode workers, and the engine worker's pool helpers.

/**
 * A module Worker for `url`. `new Worker(crossOriginUrl)` is refused, so on another origin a same-origin blob:
 * worker imports the real module instead (that page's CSP must allow blob: workers, and our host must send CORS
 * headers for the module).
 * @param {URL} url
 * @returns {Worker}
 */
export function spawnModuleWorker(url) {
  if (!globalThis.location || url.origin === globalThis.location.origin) return new Worker(url, { type: 'module' });
  const source = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  return new Worker(URL.createObjectURL(source), { type: 'module' });
}
