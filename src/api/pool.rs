//! The threads builds' pool: the engine worker's own thread is rayon's thread 0, helper workers are the others.
//!
//! In rayon's usual pool the worker handed each layer to the pool's threads and slept until they were done: a
//! wake-up of the worker per `step()`, a pool thread to wake after every idle moment, and, while the worker
//! copied a layer out between steps, a third runnable thread beside the two pool threads on a two-core machine.
//! Here the worker computes one half of every split itself (`use_current_thread`), and `n − 1` helpers the rest.
//!
//! Start-up, driven by `www/worker/pool.js`: [`pool_prepare`] makes the channel the helpers take their thread from;
//! each helper worker loads this module on the same shared memory and calls [`pool_thread`], which waits at the
//! channel; then [`pool_build`] builds rayon's global pool, sending each helper its thread.

use rayon::{ThreadBuilder, ThreadPoolBuilder};
use std::sync::{mpsc, Mutex, OnceLock};
use wasm_bindgen::prelude::*;

/// The channel between `pool_build` (which sends each helper's rayon thread) and the helpers waiting for one.
static CHANNEL: OnceLock<(Mutex<mpsc::Sender<ThreadBuilder>>, Mutex<mpsc::Receiver<ThreadBuilder>>)> = OnceLock::new();

fn channel() -> &'static (Mutex<mpsc::Sender<ThreadBuilder>>, Mutex<mpsc::Receiver<ThreadBuilder>>) {
    CHANNEL.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        (Mutex::new(tx), Mutex::new(rx))
    })
}

/// Makes the channel helpers wait at (call before starting them).
#[wasm_bindgen(js_name = poolPrepare)]
pub fn pool_prepare() {
    channel();
}

/// This module and its shared memory, for the helpers to instantiate on.
#[wasm_bindgen(js_name = poolInit)]
pub fn pool_init() -> js_sys::Array {
    js_sys::Array::of2(&wasm_bindgen::module(), &wasm_bindgen::memory())
}

/// A helper's whole life: wait for its rayon thread, then run rayon's loop on it for good (it does not return).
#[wasm_bindgen(js_name = poolThread)]
pub fn pool_thread() -> Result<(), JsError> {
    let thread = {
        let rx = channel().1.lock().map_err(|_| JsError::new("the pool's channel is poisoned"))?;
        rx.recv().map_err(|_| JsError::new("the pool was never built"))?
    };
    thread.run();
    Ok(())
}

/// Builds rayon's global pool of `threads`, this thread being thread 0, once `threads − 1` helpers wait in
/// [`pool_thread`]. Fails when a pool exists already.
#[wasm_bindgen(js_name = poolBuild)]
pub fn pool_build(threads: usize) -> Result<(), JsError> {
    let tx = channel().0.lock().map_err(|_| JsError::new("the pool's channel is poisoned"))?.clone();
    ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .use_current_thread()
        .spawn_handler(move |thread| tx.send(thread).map_err(|_| std::io::Error::other("no helper is waiting")))
        .build_global()
        .map_err(|e| JsError::new(&format!("the thread pool: {e}")))
}
