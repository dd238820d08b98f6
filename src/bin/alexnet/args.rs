//! The command line's grammar: every command, flag and help text, parsed by clap (derive).

use alexnet_explainer::weights::store::StoreDtype;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
FILE is an ONNX model (e.g. bvlcalexnet-12.onnx) or a compact .safetensors file; `--weights untrained` uses the
seeded random weights (predictions are then meaningless, and the output says so). Weights are called the BVLC ones
only when their SHA-256 is a Model Zoo file's, or a compact copy this CLI made from one (recorded in
$XDG_CACHE_HOME/alexnet-explainer/verified.json).
Preprocessing: shorter side → 256, centre crop 227, RGB → BGR, subtract B 104 G 117 R 123.";

/// `alexnet`: BVLC AlexNet's forward pass, layer by layer.
#[derive(Parser, Debug)]
#[command(name = "alexnet", version, about = "BVLC AlexNet's forward pass, layer by layer", after_help = AFTER_HELP)]
#[command(subcommand_required = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Classify an image: the top K ImageNet classes and their probabilities.
    Predict(Predict),
    /// Run the net once and write every layer's output as DIR/<id>.npy (the input as DIR/data.npy).
    Dump(Dump),
    /// Convert weights (ONNX or safetensors) to the compact safetensors store.
    Convert(Convert),
    /// Describe a weights file: format, storage type, where it came from, every layer's shapes.
    Info(Info),
    /// Download the BVLC weights (or a mirror's file), verify size and SHA-256, convert to the compact store.
    Fetch(Fetch),
    /// Compare f16 and int8 storage with f32: file sizes, fc8 error and top-1 agreement.
    QuantReport(QuantReport),
    /// Why class K? An occlusion, saliency or Grad-CAM map, written as a float32 .npy.
    Attribute(Attribute),
}

/// Storage precision of a compact weights file.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Dtype {
    F32,
    F16,
    Int8,
}

impl Dtype {
    pub fn store(self) -> StoreDtype {
        match self {
            Dtype::F32 => StoreDtype::F32,
            Dtype::F16 => StoreDtype::F16,
            Dtype::Int8 => StoreDtype::Int8,
        }
    }
}

#[derive(Args, Debug)]
pub struct Predict {
    /// Weights file (ONNX or safetensors), or `untrained`.
    #[arg(long, value_name = "FILE")]
    pub weights: String,
    /// Image file (JPEG, PNG, WebP or GIF).
    #[arg(long, value_name = "IMG")]
    pub image: PathBuf,
    /// How many classes to print.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The weights and the one input a command runs on (`dump`, `attribute`).
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("input").required(true).args(["image", "input_npy"])))]
pub struct RunOn {
    /// Weights file (ONNX or safetensors), or `untrained`.
    #[arg(long, value_name = "FILE")]
    pub weights: String,
    /// Image file to preprocess and run.
    #[arg(long, value_name = "IMG")]
    pub image: Option<PathBuf>,
    /// Network-space input, float32 [3, 227, 227] or [1, 3, 227, 227].
    #[arg(long, value_name = "X.npy")]
    pub input_npy: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct Dump {
    #[command(flatten)]
    pub run: RunOn,
    /// Folder for the .npy files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct Convert {
    /// Source weights (ONNX or safetensors).
    #[arg(long, value_name = "model.onnx")]
    pub from: PathBuf,
    /// The compact file to write (never the source itself).
    #[arg(long, value_name = "weights.safetensors")]
    pub to: PathBuf,
    /// Storage precision of the copy.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
}

#[derive(Args, Debug)]
pub struct Info {
    /// Weights file (ONNX or safetensors).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct Fetch {
    /// Folder for the compact file.
    #[arg(long, value_name = "DIR", default_value = "weights")]
    pub out: PathBuf,
    /// Storage precision of the compact copy.
    #[arg(long, value_enum, default_value_t = Dtype::Int8)]
    pub dtype: Dtype,
    /// Download from a mirror instead of the Model Zoo on Hugging Face (needs --sha256).
    #[arg(long, value_name = "URL", requires = "sha256")]
    pub url: Option<String>,
    /// The SHA-256 the mirror's file must have (64 hex digits).
    #[arg(long, value_name = "HEX", requires = "url")]
    pub sha256: Option<String>,
    /// The size in bytes the mirror's file must have (known already for a Model Zoo digest).
    #[arg(long, value_name = "N", requires = "url")]
    pub size: Option<u64>,
}

#[derive(Args, Debug)]
pub struct QuantReport {
    /// Weights file (ONNX or safetensors), or `untrained`.
    #[arg(long, value_name = "FILE")]
    pub weights: String,
    /// Test images, besides three synthetic inputs (repeatable).
    #[arg(long, value_name = "IMG")]
    pub image: Vec<PathBuf>,
}

/// The three attribution methods (definitions in ARCHITECTURE.md, "Attribution").
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AttrMethod {
    /// p_k(original) − p_k(with a P×P mean-pixel patch at each stride-S position): 13×13 by default.
    Occlusion,
    /// max over channels of |∂ logit_k / ∂ input|: 227×227.
    Saliency,
    /// ReLU(Σ_c α_c A[c]) at a conv layer's ReLU output A, α_c the mean gradient of channel c: the layer's H×W.
    Gradcam,
}

#[derive(Args, Debug)]
pub struct Attribute {
    #[command(flatten)]
    pub run: RunOn,
    #[arg(long, value_enum)]
    pub method: AttrMethod,
    /// The ImageNet class index (0 … 999) to explain.
    #[arg(long, value_name = "K")]
    pub class: usize,
    /// Grad-CAM's conv layer.
    #[arg(long, value_name = "ID", default_value = "conv5")]
    pub layer: String,
    /// Occlusion's patch side, in input pixels.
    #[arg(long, value_name = "P", default_value_t = 32)]
    pub patch: usize,
    /// Occlusion's stride, in input pixels.
    #[arg(long, value_name = "S", default_value_t = 16)]
    pub stride: usize,
    /// Occlusion: run whole passes instead of recomputing only what the patch changes (for comparison).
    #[arg(long)]
    pub full_passes: bool,
    /// The map to write, float32 [rows, cols].
    #[arg(long, value_name = "MAP.npy")]
    pub out: PathBuf,
}

/// Parses the process's arguments. `--help` and `--version` print and exit 0; a usage error prints clap's message
/// (naming the flag, with a suggestion for a misspelt one) and exits 2.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        if e.kind() == ErrorKind::InvalidSubcommand {
            unknown_command(&e);
        }
        e.exit()
    })
}

/// An unknown command, said the way this CLI always said it, with clap's suggestion of a similar one.
fn unknown_command(e: &clap::Error) -> ! {
    let name = match e.get(ContextKind::InvalidSubcommand) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let tip = match e.get(ContextKind::SuggestedSubcommand) {
        Some(ContextValue::String(s)) => format!("\n\n  tip: a similar command exists: '{s}'"),
        Some(ContextValue::Strings(v)) if !v.is_empty() => {
            format!("\n\n  tip: similar commands exist: '{}'", v.join("', '"))
        }
        _ => String::new(),
    };
    eprintln!(
        "error: unknown command '{name}'{tip}\n\ncommands: predict, dump, convert, info, fetch, quant-report, attribute\n\nFor more information, try '--help'."
    );
    std::process::exit(2)
}
