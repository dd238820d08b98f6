// The seeded-untrained network beside the loaded one: a second explainer with a worker of its own, made on demand
// (its weights take as much memory as the loaded ones) and dropped when it is no longer shown.

import { createExplainer } from './explainer.js';
import { spawnModuleWorker } from '../shared/spawn-worker.js';

/** One twin per client (embeds on one page may load different weights). */
const twins = new WeakMap();

/** The untrained twin of `client`, made on the first call: `Session.untrained` with the app's fixed seed. */
export function untrainedTwin(client) {
  let twin = twins.get(client);
  if (!twin) {
    const workerUrl = new URL('../worker/worker.js', import.meta.url);
    twin = createExplainer({ weights: { source: 'seeded' }, createWorker: () => spawnModuleWorker(workerUrl) });
    twins.set(client, twin);
  }
  return twin;
}

/** Stop `client`'s twin and free its worker (a later untrainedTwin makes a fresh one). */
export function dropTwin(client) {
  twins.get(client)?.destroy();
  twins.delete(client);
}
