// A helper thread of the threads builds' pool (www/worker/pool.js): loads the engine's module on the engine worker's
// shared memory, says it is ready, then runs rayon's loop for good (src/api/pool.rs, poolThread never returns).

self.onmessage = async ({ data: { glue, module, memory } }) => {
  try {
    const mod = await import(glue);
    await mod.default({ module_or_path: module, memory });
    self.postMessage({ ready: true });
    mod.poolThread();
  } catch (err) {
    self.postMessage({ error: err?.message ?? String(err) });
  }
};
