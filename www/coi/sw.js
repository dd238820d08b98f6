// The cross-origin-isolation service worker: build-static.sh copies it to the site root as coi-sw.js.
//
// A static host (GitHub Pages) cannot send COOP/COEP, so the page is not cross-origin isolated and wasm threads
// (SharedArrayBuffer) are off. Responses that pass through a service worker can carry any headers, so this one
// re-issues the site's own responses with the headers serve.mjs sends; www/coi/register.js installs it and reloads
// once. The approach is the coi-serviceworker package's (github.com/gzuidhof/coi-serviceworker), written anew.
// Other origins' requests are left alone: they are CORS requests (the weights download) and need no change.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** The headers that make a document (and its workers) cross-origin isolated; CORP lets them load each other. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

async function withIsolation(request) {
  const response = await fetch(request);
  // An opaque or error response cannot be re-made (its status is 0); pass it through as it is.
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  // Chromium refuses only-if-cached requests that are not same-origin mode (a DevTools quirk the package notes).
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(withIsolation(request));
});
