//! Native forward-pass benchmark: per-layer milliseconds and GMAC/s, median of N timed runs after warm-up.
//!
//! `cargo bench --bench forward -- [MODEL.onnx|untrained] [RUNS]`; `scripts/bench-native.sh` runs it beside
//! onnxruntime on the same model and input and prints the ratio.

use alexnet_explainer::model::{Forward, Model};
use alexnet_explainer::spec;
use alexnet_explainer::tensor::Tensor;
use alexnet_explainer::weights::Weights;
use ndarray_npy::ReadNpyExt;
use std::time::Instant;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let model = args.first().map(String::as_str).unwrap_or("untrained");
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(20);
    let w = if model == "untrained" {
        Weights::untrained(2012)
    } else {
        Weights::from_bytes(&std::fs::read(model).expect("read model")).expect("load model")
    };
    let m = Model::new(w);
    let input_path = std::path::Path::new(model).with_file_name("input.npy");
    let read = |b: Vec<u8>| ndarray::ArrayD::<f32>::read_npy(b.as_slice()).ok();
    let input = match std::fs::read(&input_path).ok().and_then(read) {
        Some(x) => Tensor::from_shape_vec(&spec::INPUT_SHAPE, x.iter().copied().collect()).expect("input"),
        None => {
            Tensor::from_shape_vec(&spec::INPUT_SHAPE, (0..3 * 227 * 227).map(|i| ((i % 251) as f32) - 120.0).collect())
                .unwrap()
        }
    };
    let table = spec::derive();
    let mut per_layer = vec![vec![]; table.len()];
    let mut totals = vec![];
    for run in 0..runs + 3 {
        let mut f = Forward::new(input.clone()).unwrap();
        let t0 = Instant::now();
        let mut i = 0;
        loop {
            let t = Instant::now();
            if f.step(&m).is_none() {
                break;
            }
            if run >= 3 {
                per_layer[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
            i += 1;
        }
        if run >= 3 {
            totals.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("layer    median ms   GMAC/s");
    for (l, times) in table.iter().zip(per_layer.iter_mut()) {
        let m = median(times);
        let g = if l.macs > 0 { format!("{:8.1}", l.macs as f64 / m / 1e6) } else { String::new() };
        println!("{:<8} {:9.3} {g}", l.id, m);
    }
    let m = median(&mut totals);
    println!("{{\"engine\":\"alexnet-explainer native\",\"threads\":{},\"runs\":{runs},\"median_ms\":{m:.3},\"gmacs\":{:.2}}}", alexnet_explainer::par::threads(), spec::table().totals.macs as f64 / m / 1e6);
}
