//! Why a weights file was refused, in words for the person who chose it.

use std::fmt;

/// Why a weights file was refused. Messages are meant for the person who chose the file.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsError {
    /// A tensor has the wrong shape: names it, with expected and found shapes.
    Shape {
        layer: String,
        tensor: String,
        expected: String,
        found: String,
    },
    /// The graph is not AlexNet's (missing layers, wrong attributes).
    Structure(String),
    /// The bytes cannot be read (truncated, not the claimed format).
    Corrupt(String),
    Unsupported(String),
    /// Neither ONNX nor safetensors.
    UnknownFormat,
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::Shape { layer, tensor, expected, found } => {
                write!(f, "{layer} {tensor} has shape {found}, but AlexNet's {layer} needs {expected}")?;
                if is_permutation(expected, found) {
                    // The usual cause: an exporter or a hand conversion that swapped axes.
                    f.write_str(" (the same sizes in another order: the tensor looks transposed)")?;
                }
                Ok(())
            }
            WeightsError::Structure(s) | WeightsError::Corrupt(s) | WeightsError::Unsupported(s) => f.write_str(s),
            WeightsError::UnknownFormat => f.write_str(
                "this file is neither an ONNX model nor a safetensors weights file (expected e.g. bvlcalexnet-12.onnx)",
            ),
        }
    }
}

impl std::error::Error for WeightsError {}

/// True when two shape strings such as `[96, 3, 11, 11]` and `[3, 96, 11, 11]` differ only in the order of their sizes.
fn is_permutation(a: &str, b: &str) -> bool {
    fn dims(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).filter(|t| !t.is_empty()).collect();
        v.sort_unstable();
        v
    }
    a != b && dims(a) == dims(b)
}
