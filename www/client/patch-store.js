// The folder's top patches kept in IndexedDB for this browser session (one record per layer), so a reload or a deep
// link to a unit card finds them; a new session starts empty, and "clear" empties it at once.

const DB_NAME = 'alexnet-top-patches';
const STORE = 'results';
/** The sessionStorage key that marks this tab's session as begun (absent: a new session, older records go). */
const SESSION_KEY = 'alexnet-top-patches-session';

let opening = null;

function open() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('This browser cannot store the results (no IndexedDB).'));
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened.'));
  }).then(async (db) => {
    // Kept "for the session": the first open in a new tab session forgets what an older session stored.
    let fresh = true;
    try {
      fresh = !globalThis.sessionStorage?.getItem(SESSION_KEY);
      globalThis.sessionStorage?.setItem(SESSION_KEY, '1');
    } catch { /* no sessionStorage (sandboxed frame): every load is a new session */ }
    if (fresh) await run(db, 'readwrite', (s) => s.clear());
    return db;
  });
  opening.catch(() => { opening = null; });
  return opening;
}

function run(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB failed.'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB gave up (is the disk full?).'));
  });
}

/** The stored result for `layer` ({layer, k, names, channels, means, errors, images, seconds}), or null. */
export async function loadPatches(layer) {
  return (await run(await open(), 'readonly', (s) => s.get(layer))) ?? null;
}

/** Store `record` (its `layer` is the key), replacing an older one for the same layer. */
export async function savePatches(record) {
  await run(await open(), 'readwrite', (s) => s.put(record, record.layer));
}

/** The layers that have results. */
export async function storedLayers() {
  return (await run(await open(), 'readonly', (s) => s.getAllKeys())) ?? [];
}

/** Forget every stored result. */
export async function clearPatches() {
  await run(await open(), 'readwrite', (s) => s.clear());
}
