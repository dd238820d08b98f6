//! Fuzz target: `preprocess::from_rgba` with fuzzed width, height and pixels, including lengths that do not match.
#![no_main]

use alexnet_explainer::preprocess::{self, MAX_PIXELS, MAX_SIDE};
use libfuzzer_sys::fuzz_target;

/// Images bigger than this many pixels are still tried, but with a short buffer (they must be refused before any
/// work), so one execution stays fast enough for the fuzzer to explore.
const WORK_PIXELS: usize = 1 << 18;

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let w = u16::from_le_bytes([data[0], data[1]]) as usize;
    let h = u16::from_le_bytes([data[2], data[3]]) as usize;
    let mode = data[4];
    let body = &data[5..];
    // Odd modes scale the sides up past the engine's limits, so the size checks themselves get fuzzed.
    let (w, h) = if mode & 1 == 1 { (w * 17, h * 17) } else { (w, h) };
    let n = w.saturating_mul(h);
    if mode & 2 == 2 || n == 0 || n > WORK_PIXELS || body.is_empty() || w > MAX_SIDE || h > MAX_SIDE {
        // The raw bytes as they are: usually the wrong length, which must be an error, not a panic.
        let r = preprocess::from_rgba(body, w, h);
        if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || n > MAX_PIXELS || body.len() != n * 4 {
            assert!(r.is_err());
        }
        return;
    }
    // A well-formed image: the fuzz bytes repeated to w·h·4.
    let pixels: Vec<u8> = body.iter().copied().cycle().take(n * 4).collect();
    let (t, info) = preprocess::from_rgba(&pixels, w, h).expect("a well-formed image within the limits preprocesses");
    assert_eq!(t.len(), 3 * 227 * 227);
    assert!(t.values().iter().all(|v| v.is_finite()));
    assert!(info.crop_x + info.crop <= info.resized_w && info.crop_y + info.crop <= info.resized_h);
});
