//! Fuzz target: `Weights::from_bytes` on arbitrary bytes must return Ok or Err, never panic or over-allocate.
#![no_main]

use alexnet_explainer::weights::Weights;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Weights::from_bytes(data);
    // The sniffing entry point the wasm Session uses goes through the same readers.
    let _ = Weights::from_bytes(data);
});
