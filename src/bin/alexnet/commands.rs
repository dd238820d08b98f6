//! The commands that run the engine on local files: predict, dump, convert, info and quant-report.

use crate::args;
use crate::files::{self, Digest, Res};
use crate::inputs::{load_image, load_input_npy};
use crate::vouches;
use alexnet_explainer::classes;
use alexnet_explainer::model::{forward_traced, Forward, Model};
use alexnet_explainer::spec::{self, PARAM_LAYERS};
use alexnet_explainer::tensor::{max_rel_err, Tensor};
use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{self, Vouch, VouchedBy, Weights};
use ndarray_npy::WriteNpyExt;
use std::path::Path;

/// `--weights FILE`: the file through the gate, with the CLI's vouches, or the seeded weights for `untrained`.
pub fn load_weights(arg: &str) -> Res<Weights> {
    if arg == "untrained" {
        return Ok(Weights::untrained(2012));
    }
    files::read_weights(Path::new(arg), &vouches::load(), Digest::IfUseful).map(|(w, _)| w)
}

pub fn untrained_note(w: &Weights) {
    if !w.info.trained {
        eprintln!(
            "note: weights are {}; the predictions below mean nothing (untrained / not the BVLC weights).",
            w.info.source
        );
    }
}

pub fn predict(a: &args::Predict) -> Res<()> {
    // The image first: it is refused from its header in a moment, before hundreds of MB of weights are read.
    let input = load_image(&a.image)?;
    let m = Model::new(load_weights(&a.weights)?);
    let w = m.weights();
    let mut f = Forward::new(input).map_err(|e| e.0)?;
    f.run_all(&m);
    let top = f.top_k(a.top as usize).map_err(|e| e.0)?;
    if a.json {
        let rows: Vec<String> = top
            .iter()
            .map(|p| {
                format!(
                    "{{\"index\":{},\"name\":{:?},\"prob\":{},\"logit\":{}}}",
                    p.index,
                    classes::name(p.index).unwrap_or("?"),
                    p.prob,
                    p.logit
                )
            })
            .collect();
        println!("{{\"trained\":{},\"weights\":{:?},\"top\":[{}]}}", w.info.trained, w.info.source, rows.join(","));
    } else {
        untrained_note(w);
        for p in top {
            println!("{:>7.3}%  {:>4}  {}", p.prob * 100.0, p.index, classes::name(p.index).unwrap_or("?"));
        }
    }
    Ok(())
}

/// `--image IMG` or `--input-npy X.npy` (clap makes sure there is exactly one).
pub fn load_input(a: &args::RunOn) -> Res<Tensor> {
    match (&a.image, &a.input_npy) {
        (Some(img), None) => load_image(img),
        (None, Some(x)) => load_input_npy(x),
        _ => Err("give exactly one of --image or --input-npy".into()),
    }
}

pub fn dump(a: &args::Dump) -> Res<()> {
    let input = load_input(&a.run)?;
    let m = Model::new(load_weights(&a.run.weights)?);
    let out = &a.out;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {}", out.display(), files::reason(&e)))?;
    files::write_atomic(&out.join("data.npy"), &npy_bytes(&input)?)?;
    let mut err = Ok(());
    forward_traced(&m, input, |id, t| {
        if err.is_ok() {
            err = npy_bytes(t).and_then(|b| files::write_atomic(&out.join(format!("{id}.npy")), &b));
        }
    })
    .map_err(|e| e.0)?;
    err?;
    untrained_note(m.weights());
    println!("wrote {} layers to {}", spec::ALEXNET.len() + 1, out.display());
    Ok(())
}

/// `t` as a float32 C-order `.npy`, `[C, H, W]` or `[N]` as it is.
fn npy_bytes(t: &Tensor) -> Res<Vec<u8>> {
    let mut out = vec![];
    match t {
        Tensor::Chw(a) => a.write_npy(&mut out),
        Tensor::Vector(v) => v.write_npy(&mut out),
    }
    .map_err(|e| format!("cannot write a .npy: {e}"))?;
    Ok(out)
}

/// The vouch for a compact copy made from `w`: only weights verified as the BVLC ones (a Zoo file, or a copy
/// already vouched for) give one, naming the Zoo file they are or came from.
pub fn vouch_for_copy(w: &Weights, packed: &[u8]) -> Option<Vouch> {
    let from = w.info.zoo.clone().filter(|_| w.info.trained)?;
    Some(Vouch { sha256: weights::sha256_hex(packed), bytes: packed.len() as u64, by: VouchedBy::CliCopy, from })
}

/// Writes the compact copy of `w` to `to` and, when `w` is verified BVLC weights, vouches for the copy's digest.
pub fn write_copy(w: &Weights, dtype: StoreDtype, source: &str, source_sha256: Option<&str>, to: &Path) -> Res<usize> {
    let packed = store::write(w, dtype, source, source_sha256).map_err(|e| e.to_string())?;
    files::write_atomic(to, &packed)?;
    if let Some(v) = vouch_for_copy(w, &packed) {
        vouches::record(v)?;
    }
    Ok(packed.len())
}

pub fn convert(a: &args::Convert) -> Res<()> {
    let (from, to) = (&a.from, &a.to);
    if files::same_file(from, to) {
        return Err(format!(
            "--from {} and --to {} are the same file; converting a file onto itself would destroy it (choose another --to)",
            from.display(),
            to.display()
        ));
    }
    let dtype = a.dtype.store();
    let (w, sha) = files::read_weights(from, &vouches::load(), Digest::Always)?;
    let name = from.file_name().and_then(|n| n.to_str()).unwrap_or("weights");
    let n = write_copy(&w, dtype, name, sha.as_deref(), to)?;
    let label = if w.info.trained { " (BVLC weights)" } else { "" };
    println!("{}: {n} bytes ({}), {} parameters, from {name}{label}", to.display(), dtype.name(), w.info.params);
    Ok(())
}

pub fn info(a: &args::Info) -> Res<()> {
    let file = &a.file;
    let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let (w, _) = files::read_weights(file, &vouches::load(), Digest::IfUseful)?;
    println!("{}: {len} bytes, format {}, stored as {}", file.display(), w.info.format, w.info.dtype);
    println!("source: {}", w.info.source);
    println!("trained BVLC weights: {}", if w.info.trained { "yes" } else { "no" });
    if let Some(sha) = &w.info.sha256 {
        println!("SHA-256: {sha}");
    }
    for (id, (l, (ws, _))) in PARAM_LAYERS.iter().zip(w.layers.iter().zip(weights::expected_shapes())) {
        println!(
            "  {id:<6} weight {:<22} bias [{}]  {:>11} params",
            format!("{ws:?}"),
            l.bias.len(),
            l.weight_len() + l.bias.len()
        );
    }
    println!("total: {} parameters", w.info.params);
    Ok(())
}

/// Sizes, max relative error and top-1 agreement of f16/int8 storage against f32, on test inputs.
pub fn quant_report(a: &args::QuantReport) -> Res<()> {
    let m32 = Model::new(load_weights(&a.weights)?);
    let mut inputs: Vec<(String, Tensor)> = vec![];
    for img in &a.image {
        inputs.push((img.display().to_string(), load_image(img)?));
    }
    for seed in 0..3u64 {
        // Smooth random fields in network range, for inputs when no image is given.
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let data = (0..3 * 227 * 227)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                let (c, y, x) = (i / (227 * 227), (i / 227) % 227, i % 227);
                ((x as f32 / 20.0 + c as f32).sin() * (y as f32 / 30.0).cos()) * 100.0 + (s % 41) as f32 - 20.0
            })
            .collect();
        inputs.push((
            format!("synthetic {seed}"),
            Tensor::from_shape_vec(&spec::INPUT_SHAPE, data).expect("3·227·227 values"),
        ));
    }
    let run = |m: &Model, t: &Tensor| {
        let mut f = Forward::new(t.clone()).expect("input shape checked");
        f.run_all(m);
        (f.output("fc8").expect("ran").values().into_owned(), f.top_k(1).expect("ran")[0].index)
    };
    println!("| storage | file bytes | max rel. error of fc8 vs f32 | top-1 agreement |");
    println!("|---|---|---|---|");
    for dt in [StoreDtype::F32, StoreDtype::F16, StoreDtype::Int8] {
        let bytes = store::write(m32.weights(), dt, "report", None).map_err(|e| e.to_string())?;
        let m = Model::new(store::read(&bytes).map_err(|e| e.to_string())?);
        let (mut worst, mut agree) = (0f32, 0);
        for (_, t) in &inputs {
            let (a32, t32) = run(&m32, t);
            let (b, tb) = run(&m, t);
            worst = worst.max(max_rel_err(&b, &a32));
            agree += (t32 == tb) as usize;
        }
        println!("| {} | {} | {:.2e} | {}/{} |", dt.name(), bytes.len(), worst, agree, inputs.len());
    }
    Ok(())
}
