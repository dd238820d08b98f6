//! Checks of the architecture's invariants that can be read off the source tree (see ARCHITECTURE.md).

mod common;

use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_module_opens_with_a_doc_comment() {
    let mut rs = vec![];
    files(&common::root().join("src"), "rs", &mut rs);
    assert!(rs.len() > 10);
    for p in rs {
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("//!"), "{} must open with a //! line", p.display());
    }
}

#[test]
fn only_the_api_module_touches_javascript() {
    // The one #[wasm_bindgen] module is `api` (src/api/, a shim in three files); the rest builds natively.
    let mut rs = vec![];
    files(&common::root().join("src"), "rs", &mut rs);
    assert!(rs.iter().any(|p| p.ends_with("api/mod.rs")));
    for p in rs {
        let text = std::fs::read_to_string(&p).unwrap();
        if p.starts_with(common::root().join("src/api")) {
            continue;
        }
        for needle in ["wasm_bindgen", "js_sys", "web_sys"] {
            assert!(!text.contains(needle), "{} mentions {needle}; only src/api/ may", p.display());
        }
    }
}

#[test]
fn the_front_end_does_not_redeclare_the_network() {
    // Numbers only the spec table may produce; a view that types them in has re-declared the network.
    let mut js = vec![];
    files(&common::root().join("www"), "js", &mut js);
    for p in js {
        let text = std::fs::read_to_string(&p).unwrap();
        for n in ["9216", "60965224", "60,965,224", "34848", "37748736", "650080", "724406816"] {
            assert!(!text.contains(n), "{} contains {n}: take it from the spec table instead", p.display());
        }
    }
}

#[test]
fn main_thread_code_does_not_load_the_engine() {
    // Only the worker may import the wasm package: everything in www/worker/ runs there, nothing else does.
    let mut js = vec![];
    files(&common::root().join("www"), "js", &mut js);
    for p in js {
        let text = std::fs::read_to_string(&p).unwrap();
        // The package is named by its glue file (`${dir}/alexnet_explainer.js`), whichever build directory it is in.
        if text.contains("alexnet_explainer.js") || text.contains("pkg/alexnet_explainer") {
            assert!(
                p.starts_with(common::root().join("www/worker")),
                "{} imports the wasm engine; only the worker's modules (www/worker/) may",
                p.display()
            );
        }
    }
}

/// `tests/fixtures/spec.json` is the spec table as the worker sends it, for the JS unit tests. It is generated
/// here; `UPDATE_FIXTURES=1 cargo test --test tidy` rewrites it after a spec change.
#[test]
fn spec_fixture_is_current() {
    let want = serde_json::to_string_pretty(&alexnet_explainer::spec::table()).unwrap() + "\n";
    let path = common::root().join("tests/fixtures/spec.json");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got == want, "tests/fixtures/spec.json is stale: run UPDATE_FIXTURES=1 cargo test --test tidy");
}
