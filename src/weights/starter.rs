//! The default session's weights: AlexNet's real trained conv1 kernels, every other tensor seeded random.
//!
//! Without a download the whole network cannot be the trained one, but its first layer can: the 96 trained BVLC
//! conv1 kernels ship with the app (`data/bvlc-conv1-kernels.npy`, provenance in `data/SOURCES.md`). With them the
//! kernels view shows the 2012 paper's Figure 3 (one tower's kernels colour blobs, the other's grey edges), and
//! conv1's maps are real edge responses to the user's own photo. The conv1 biases were not available, so they and
//! every deeper layer stay seeded-untrained, and every label says exactly that.

use super::{provenance::Origin, LayerWeights, Weights, WeightsInfo};

/// The trained conv1 kernels as shipped: a float32 `.npy`, `[96, 3, 11, 11]`, input channels in BGR order.
pub const CONV1_NPY: &[u8] = include_bytes!("../../data/bvlc-conv1-kernels.npy");

/// SHA-256 of [`CONV1_NPY`], as recorded in `data/SOURCES.md`.
pub const CONV1_NPY_SHA256: &str = "5bb866e8e251613ad813da4ab8f642ccbff54cbd9986f378ab45904b567027c4";

/// The file's `.npy` header, exactly: little-endian float32, C order, `(96, 3, 11, 11)`, padded to 128 bytes.
/// The wasm build takes the values after it instead of linking a general `.npy` reader (~75 KB of the gzipped module)
/// for one file it ships itself; the native tests read the file with `ndarray-npy` and compare.
const CONV1_NPY_HEADER: &[u8] =
    b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (96, 3, 11, 11), }";

/// The 34,848 trained conv1 weights, `[96, 3, 11, 11]` row-major, exactly the file's values.
pub fn conv1_kernels() -> Vec<f32> {
    // The file is part of the build and tested below, so a mismatch here is a broken build, not bad user data.
    assert!(
        CONV1_NPY.starts_with(CONV1_NPY_HEADER),
        "data/bvlc-conv1-kernels.npy is not the float32 (96, 3, 11, 11) file"
    );
    let data = &CONV1_NPY[128..];
    assert_eq!(data.len(), 34_848 * 4, "data/bvlc-conv1-kernels.npy holds the wrong number of values");
    data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

impl Weights {
    /// The default session: [`Weights::untrained`]`(seed)` with conv1's kernels replaced by the trained ones.
    pub fn starter(seed: u64) -> Weights {
        let mut w = Weights::untrained(seed);
        let bias = w.layers[0].bias.clone();
        w.layers[0] = LayerWeights::new(conv1_kernels(), bias);
        w.info = WeightsInfo {
            source: format!(
                "AlexNet's trained BVLC conv1 kernels (from the Model Zoo's bvlcalexnet-12.onnx); the conv1 biases and \
                 every deeper layer are seeded random, untrained (seed {seed})"
            ),
            origin: Origin::Starter,
            format: "builtin".into(),
            trained_tensors: vec!["conv1.weight".into()],
            zoo: Some(super::zoo::PRIMARY.name.into()),
            ..w.info
        };
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_are_what_a_npy_reader_reads() {
        use ndarray_npy::ReadNpyExt;
        let k = ndarray::Array4::<f32>::read_npy(CONV1_NPY).unwrap();
        assert_eq!(k.shape(), [96, 3, 11, 11]);
        assert_eq!(k.iter().copied().collect::<Vec<_>>(), conv1_kernels());
        // The header is 128 bytes, the whole of it checked by `starts_with` up to its padding.
        assert_eq!(CONV1_NPY[8] as usize + 10, 128);
        assert!(CONV1_NPY[CONV1_NPY_HEADER.len()..128]
            .iter()
            .take(128 - CONV1_NPY_HEADER.len() - 1)
            .all(|&b| b == b' '));
    }

    #[test]
    fn the_shipped_kernels_are_the_files_bytes_exactly() {
        assert_eq!(super::super::sha256_hex(CONV1_NPY), CONV1_NPY_SHA256);
        let k = conv1_kernels();
        assert_eq!(k.len(), 34_848);
        // The data follows the .npy header; every f32 is the file's own little-endian bytes.
        let data = &CONV1_NPY[CONV1_NPY.len() - 34_848 * 4..];
        let bytes: Vec<u8> = k.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(bytes, data);
        // The first values quoted in data/SOURCES.md.
        assert_eq!(&k[..3], &[-0.028315347, -0.0067626256, 0.016946454]);
    }

    #[test]
    fn only_conv1_kernels_are_trained_and_the_label_says_so() {
        let s = Weights::starter(2012);
        let u = Weights::untrained(2012);
        assert_eq!(s.layers[0].weight.to_vec(), conv1_kernels());
        assert_eq!(s.layers[0].bias, u.layers[0].bias);
        assert_eq!(s.layers[1..], u.layers[1..]);
        assert!(!s.info.trained);
        assert_eq!(s.info.trained_tensors, ["conv1.weight"]);
        assert_eq!(s.info.origin, Origin::Starter);
        assert!(s.info.source.contains("conv1") && s.info.source.contains("untrained"));
        assert_eq!(s.info.params, 60_965_224);
    }
}
