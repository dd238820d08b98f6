//! Native attribution benchmark: Grad-CAM, saliency and occlusion (with and without the incremental recompute)
//! against one forward pass, as ratios. Medians of N runs after warm-up; nothing is asserted.
//!
//! `cargo bench --bench attribution -- [MODEL.onnx|untrained] [RUNS]` (scripts/bench.sh runs it).

use alexnet_explainer::attribution::{attribute, Method, Options};
use alexnet_explainer::model::{Forward, Model};
use alexnet_explainer::spec;
use alexnet_explainer::tensor::Tensor;
use alexnet_explainer::weights::Weights;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Milliseconds of `f`, median of `runs` after one warm-up.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let model = args.first().map(String::as_str).unwrap_or("untrained");
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(10);
    let w = if model == "untrained" {
        Weights::untrained(2012)
    } else {
        Weights::from_bytes(&std::fs::read(model).expect("read model")).expect("load model")
    };
    let m = Model::new(w);
    let x: Vec<f32> = (0..3 * 227 * 227).map(|i| ((i * 7919 % 251) as f32) - 120.0).collect();
    let input = Tensor::from_shape_vec(&spec::INPUT_SHAPE, x).expect("input");
    let pass = || {
        let mut f = Forward::new(input.clone()).expect("input shape");
        f.run_all(&m);
        f
    };
    let forward = time(runs, || drop(pass()));
    let f = pass();
    let k = f.top_k(1).expect("a finished pass")[0].index;
    let o = Options::default();
    let run = |method, o: &Options| drop(attribute(&m, &f, method, k, o).expect("attribution"));
    let gradcam = time(runs, || run(Method::GradCam, &o));
    let saliency = time(runs, || run(Method::Saliency, &o));
    let occ = time(1, || run(Method::Occlusion, &o));
    let occ_full = time(1, || run(Method::Occlusion, &Options { incremental: false, ..o.clone() }));
    let stats = attribute(&m, &f, Method::Occlusion, k, &o).expect("occlusion").occlusion.expect("occlusion stats");
    println!("threads {}, forward pass {forward:.1} ms (median of {runs})", alexnet_explainer::par::threads());
    println!("| map | ms on a finished pass | ÷ forward | with its forward ÷ forward | target |");
    println!("|---|---|---|---|---|");
    for (name, ms, target) in [("Grad-CAM conv5", gradcam, "≤ 1.5×"), ("saliency", saliency, "≤ 3×")] {
        println!("| {name} | {ms:.1} | {:.2}× | {:.2}× | {target} |", ms / forward, (ms + forward) / forward);
    }
    let pct = 100.0 * stats.macs_computed as f64 / stats.macs_full as f64;
    println!(
        "| occlusion 13×13, incremental ({pct:.0} % of the MACs) | {occ:.0} | {:.1}× | | measured |",
        occ / forward
    );
    println!("| occlusion 13×13, whole passes | {occ_full:.0} | {:.1}× | | measured |", occ_full / forward);
    println!("incremental / whole passes: {:.2}", occ / occ_full);
}
