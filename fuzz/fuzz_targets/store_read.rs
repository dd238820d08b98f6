//! Fuzz target: `weights::store::read` (the safetensors f32/f16/int8 reader) on arbitrary bytes.
#![no_main]

use alexnet_explainer::weights::store;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = store::read(data);
});
