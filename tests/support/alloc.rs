//! A per-thread counting allocator for the robustness tests: the peak bytes a loader held while refusing a file.
#![allow(dead_code)]

use alexnet_explainer::weights::{Blob, Weights, WeightsError};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

// ---------- a per-thread counting allocator ----------

/// Counts live bytes and their peak for the current thread only, so tests running in parallel do not mix.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        p
    }
}

fn grew(n: usize) {
    // `try_with`: the thread-locals may already be gone while a thread shuts down.
    let _ = LIVE.try_with(|l| {
        let v = l.get() + n;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn shrank(n: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(n)));
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak number of bytes it had allocated at once (on this thread).
pub fn peak_alloc<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    (r, PEAK.with(Cell::get) - base)
}

pub const MB: usize = 1 << 20;

/// Loads `bytes` as weights, expecting a refusal; checks that the peak allocation stays within what the file's
/// size justifies plus 4 MB of bookkeeping: an int8 file becomes f32 (4×) and its fc rows also stay int8 (1×).
pub fn refused(bytes: &[u8]) -> WeightsError {
    let (r, peak) = peak_alloc(|| Weights::from_bytes(bytes));
    let limit = 5 * bytes.len() + 4 * MB;
    assert!(peak <= limit, "a {} byte file made the loader hold {peak} bytes at once (limit {limit})", bytes.len());
    // The browser's in-place loader refuses it the same way.
    let (rb, peak) = peak_alloc(|| Weights::from_blob(Blob::from_bytes(bytes)));
    assert!(
        peak <= limit,
        "a {} byte file made the blob loader hold {peak} bytes at once (limit {limit})",
        bytes.len()
    );
    match (r, rb) {
        (Err(e), Err(eb)) => {
            assert_eq!(e, eb, "both loaders give the same reason");
            e
        }
        _ => panic!("a hostile file of {} bytes was accepted", bytes.len()),
    }
}
