//! `alexnet`: the engine on the command line (predict, dump every layer, convert and inspect weights, fetch the real ones).
//!
//! Native only: cargo also builds binaries when it builds wasm32 integration tests, so there `main` is empty.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {

use alexnet_explainer::model::{forward_traced, Forward};
use alexnet_explainer::spec::{self, PARAM_LAYERS};
use alexnet_explainer::tensor::Tensor;
use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{self, sha256_hex, Weights};
use alexnet_explainer::{classes, npy, preprocess};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
alexnet — BVLC AlexNet's forward pass, layer by layer

USAGE:
  alexnet predict --weights FILE --image IMG [--top K] [--json]
  alexnet dump    --weights FILE (--image IMG | --input-npy X.npy) --out DIR
  alexnet convert --from model.onnx --to weights.safetensors [--dtype f32|f16|int8]
  alexnet info    FILE
  alexnet fetch   [--out DIR] [--dtype f32|f16|int8]
  alexnet quant-report --weights FILE [--image IMG]...

FILE is an ONNX model (e.g. bvlcalexnet-12.onnx) or a compact .safetensors file; `--weights untrained`
uses the seeded random weights (predictions are then meaningless, and the output says so).
Preprocessing: shorter side → 256, centre crop 227, RGB → BGR, subtract B 104 G 117 R 123.";

type Res<T> = Result<T, String>;

/// Parsed `--flag value` pairs (repeatable) and positional arguments.
struct Args {
    flags: HashMap<String, Vec<String>>,
    pos: Vec<String>,
}

impl Args {
    fn parse(raw: &[String]) -> Res<Args> {
        let mut flags: HashMap<String, Vec<String>> = HashMap::new();
        let mut pos = vec![];
        let mut i = 0;
        while i < raw.len() {
            let a = &raw[i];
            if let Some(name) = a.strip_prefix("--") {
                if name == "json" {
                    flags.entry(name.into()).or_default().push(String::new());
                } else {
                    let v = raw.get(i + 1).ok_or(format!("--{name} needs a value"))?;
                    flags.entry(name.into()).or_default().push(v.clone());
                    i += 1;
                }
            } else {
                pos.push(a.clone());
            }
            i += 1;
        }
        Ok(Args { flags, pos })
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.flags.get(k).and_then(|v| v.last()).map(String::as_str)
    }
    fn need(&self, k: &str) -> Res<&str> {
        self.get(k).ok_or(format!("missing --{k}\n\n{USAGE}"))
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.flags.get(k).cloned().unwrap_or_default()
    }
}

fn load_weights(arg: &str) -> Res<Weights> {
    if arg == "untrained" {
        return Ok(Weights::untrained(2012));
    }
    let bytes = std::fs::read(arg).map_err(|e| format!("cannot read {arg}: {e}"))?;
    Weights::from_bytes(&bytes).map_err(|e| format!("{arg}: {e}"))
}

/// Decodes an image file (JPEG, PNG, WebP, GIF first frame), upright per its EXIF orientation, and preprocesses it.
fn load_image(path: &str) -> Res<Tensor> {
    use image::ImageDecoder;
    let reader = image::ImageReader::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let reader = reader.with_guessed_format().map_err(|e| format!("{path}: {e}"))?;
    let mut decoder = reader.into_decoder().map_err(|e| format!("{path} is not an image we can decode: {e}"))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| format!("{path}: {e}"))?;
    img.apply_orientation(orientation);
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    let (t, _) = preprocess::from_rgba(rgba.as_raw(), w as usize, h as usize)?;
    Ok(t)
}

fn load_input_npy(path: &str) -> Res<Tensor> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let (mut shape, data) = npy::read_f32(&bytes).map_err(|e| format!("{path}: {e}"))?;
    if shape.len() == 4 && shape[0] == 1 {
        shape.remove(0);
    }
    if shape != spec::INPUT_SHAPE {
        return Err(format!("{path}: shape {shape:?}, expected [3, 227, 227] or [1, 3, 227, 227]"));
    }
    Tensor::new(shape, data).ok_or("bad input".into())
}

fn untrained_note(w: &Weights) {
    if !w.info.trained {
        eprintln!("note: weights are {}; the predictions below mean nothing (untrained / not the BVLC weights).", w.info.source);
    }
}

fn predict(a: &Args) -> Res<()> {
    let w = load_weights(a.need("weights")?)?;
    let input = load_image(a.need("image")?)?;
    let k: usize = a.get("top").unwrap_or("5").parse().map_err(|_| "--top takes a number")?;
    let mut f = Forward::new(input).map_err(|e| e.0)?;
    f.run_all(&w);
    let top = f.top_k(k).map_err(|e| e.0)?;
    if a.get("json").is_some() {
        let rows: Vec<String> = top
            .iter()
            .map(|p| format!("{{\"index\":{},\"name\":{:?},\"prob\":{},\"logit\":{}}}", p.index, classes::name(p.index).unwrap_or("?"), p.prob, p.logit))
            .collect();
        println!("{{\"trained\":{},\"weights\":{:?},\"top\":[{}]}}", w.info.trained, w.info.source, rows.join(","));
    } else {
        untrained_note(&w);
        for p in top {
            println!("{:>7.3}%  {:>4}  {}", p.prob * 100.0, p.index, classes::name(p.index).unwrap_or("?"));
        }
    }
    Ok(())
}

fn dump(a: &Args) -> Res<()> {
    let w = load_weights(a.need("weights")?)?;
    let input = match (a.get("image"), a.get("input-npy")) {
        (Some(img), None) => load_image(img)?,
        (None, Some(x)) => load_input_npy(x)?,
        _ => return Err(format!("give exactly one of --image or --input-npy\n\n{USAGE}")),
    };
    let out = PathBuf::from(a.need("out")?);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    std::fs::write(out.join("data.npy"), npy::write_f32(&input.shape, &input.data)).map_err(|e| e.to_string())?;
    let mut err = Ok(());
    forward_traced(&w, input, |id, t| {
        if err.is_ok() {
            err = std::fs::write(out.join(format!("{id}.npy")), npy::write_f32(&t.shape, &t.data)).map_err(|e| e.to_string());
        }
    })
    .map_err(|e| e.0)?;
    err?;
    untrained_note(&w);
    println!("wrote {} layers to {}", spec::ALEXNET.len() + 1, out.display());
    Ok(())
}

fn convert(a: &Args) -> Res<()> {
    let from = a.need("from")?;
    let to = a.need("to")?;
    let dtype = StoreDtype::parse(a.get("dtype").unwrap_or("f32")).ok_or("--dtype is f32, f16 or int8")?;
    let bytes = std::fs::read(from).map_err(|e| format!("cannot read {from}: {e}"))?;
    let w = Weights::from_bytes(&bytes).map_err(|e| format!("{from}: {e}"))?;
    let name = Path::new(from).file_name().and_then(|n| n.to_str()).unwrap_or(from);
    let out = store::write(&w, dtype, name, Some(&sha256_hex(&bytes))).map_err(|e| e.to_string())?;
    std::fs::write(to, &out).map_err(|e| format!("cannot write {to}: {e}"))?;
    println!("{to}: {} bytes ({}), {} parameters, from {name}{}", out.len(), dtype.name(), w.info.params, if w.info.trained { " (BVLC weights)" } else { "" });
    Ok(())
}

fn info(a: &Args) -> Res<()> {
    let file = a.pos.first().ok_or(format!("info needs a FILE\n\n{USAGE}"))?;
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let w = Weights::from_bytes(&bytes).map_err(|e| format!("{file}: {e}"))?;
    println!("{file}: {} bytes, format {}, stored as {}", bytes.len(), w.info.format, w.info.dtype);
    println!("source: {}", w.info.source);
    println!("trained BVLC weights: {}", if w.info.trained { "yes" } else { "no" });
    for (id, (l, (ws, _))) in PARAM_LAYERS.iter().zip(w.layers.iter().zip(weights::expected_shapes())) {
        println!("  {id:<6} weight {:<22} bias [{}]  {:>11} params", format!("{ws:?}"), l.bias.len(), l.weight_len() + l.bias.len());
    }
    println!("total: {} parameters", w.info.params);
    Ok(())
}

/// Downloads the Model Zoo file with curl (the only network access in the project), verifies, converts, caches.
fn fetch(a: &Args) -> Res<()> {
    let out = PathBuf::from(a.get("out").unwrap_or("weights"));
    let dtype = StoreDtype::parse(a.get("dtype").unwrap_or("int8")).ok_or("--dtype is f32, f16 or int8")?;
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("alexnet-explainer");
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let onnx = cache.join("bvlcalexnet-12.onnx");
    let ok = |p: &Path| std::fs::read(p).ok().filter(|b| b.len() == (weights::zoo::PRIMARY.bytes as usize) && sha256_hex(b) == weights::zoo::PRIMARY.sha256);
    let bytes = match ok(&onnx) {
        Some(b) => {
            println!("using cached {}", onnx.display());
            b
        }
        None => {
            let part = cache.join("bvlcalexnet-12.onnx.part");
            println!("downloading {} ({} bytes)…", weights::zoo::PRIMARY_URL, (weights::zoo::PRIMARY.bytes as usize));
            let status = std::process::Command::new("curl")
                .args(["-fL", "--retry", "3", "--connect-timeout", "20", "--progress-bar", "-o"])
                .arg(&part)
                .arg(weights::zoo::PRIMARY_URL)
                .status()
                .map_err(|e| {
                    format!("could not run curl ({e}); download {} by hand (SHA-256 {}) and run `alexnet convert`", weights::zoo::PRIMARY_URL, weights::zoo::PRIMARY.sha256)
                })?;
            if !status.success() {
                return Err(format!(
                    "the download failed (curl exit {status}). This machine may have no internet access. \
                     Download {} elsewhere (SHA-256 {}), then: alexnet convert --from bvlcalexnet-12.onnx --to {}/bvlc-alexnet-{}.safetensors --dtype {}",
                    weights::zoo::PRIMARY_URL, weights::zoo::PRIMARY.sha256, out.display(), dtype.name(), dtype.name()
                ));
            }
            let b = ok(&part).ok_or_else(|| {
                format!("the downloaded file does not match the Model Zoo's size and SHA-256 ({}); not used", weights::zoo::PRIMARY.sha256)
            })?;
            std::fs::rename(&part, &onnx).map_err(|e| e.to_string())?;
            b
        }
    };
    let w = Weights::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let dest = out.join(format!("bvlc-alexnet-{}.safetensors", dtype.name()));
    let packed = store::write(&w, dtype, "bvlcalexnet-12.onnx", Some(weights::zoo::PRIMARY.sha256)).map_err(|e| e.to_string())?;
    std::fs::write(&dest, &packed).map_err(|e| e.to_string())?;
    println!("wrote {} ({} bytes); the app's \"Load weights\" button takes this file", dest.display(), packed.len());
    Ok(())
}

/// Sizes, max relative error and top-1 agreement of f16/int8 storage against f32, on test inputs.
fn quant_report(a: &Args) -> Res<()> {
    let w32 = load_weights(a.need("weights")?)?;
    let mut inputs: Vec<(String, Tensor)> = vec![];
    for img in a.all("image") {
        inputs.push((img.clone(), load_image(&img)?));
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
        inputs.push((format!("synthetic {seed}"), Tensor::new(vec![3, 227, 227], data).expect("shape")));
    }
    let run = |w: &Weights, t: &Tensor| {
        let mut f = Forward::new(t.clone()).expect("input shape checked");
        f.run_all(w);
        (f.output("fc8").expect("ran").data.clone(), f.top_k(1).expect("ran")[0].index)
    };
    println!("| storage | file bytes | max rel. error of fc8 vs f32 | top-1 agreement |");
    println!("|---|---|---|---|");
    for dt in [StoreDtype::F32, StoreDtype::F16, StoreDtype::Int8] {
        let bytes = store::write(&w32, dt, "report", None).map_err(|e| e.to_string())?;
        let w = store::read(&bytes).map_err(|e| e.to_string())?;
        let (mut worst, mut agree) = (0f32, 0);
        for (_, t) in &inputs {
            let (a32, t32) = run(&w32, t);
            let (b, tb) = run(&w, t);
            let scale = a32.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-30);
            worst = worst.max(a32.iter().zip(&b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale);
            agree += (t32 == tb) as usize;
        }
        println!("| {} | {} | {:.2e} | {}/{} |", dt.name(), bytes.len(), worst, agree, inputs.len());
    }
    Ok(())
}

pub fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = raw.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let t0 = Instant::now();
    let r = Args::parse(&raw[1..]).and_then(|a| match cmd.as_str() {
        "predict" => predict(&a),
        "dump" => dump(&a),
        "convert" => convert(&a),
        "info" => info(&a),
        "fetch" => fetch(&a),
        "quant-report" => quant_report(&a),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
    });
    match r {
        Ok(()) => {
            if std::env::var_os("ALEXNET_TIME").is_some() {
                eprintln!("{:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}
