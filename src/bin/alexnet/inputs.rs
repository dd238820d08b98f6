//! The network's input from a file: an image judged by its header's dimensions before it is decoded, or a `.npy` tensor.

use crate::files::{self, Res};
use alexnet_explainer::preprocess::{self, MAX_PIXELS, MAX_SIDE};
use alexnet_explainer::spec;
use alexnet_explainer::tensor::Tensor;
use image::{ImageDecoder, ImageReader, Limits};
use ndarray::{ArrayD, Axis, Ix3};
use ndarray_npy::ReadNpyExt;
use std::io::BufReader;
use std::path::Path;

/// The largest image file read. The engine takes at most [`MAX_PIXELS`] (40 MP); even stored uncompressed at 16
/// bits per RGBA channel that is 320 MB, so a bigger file cannot hold an image the engine would take.
pub const MAX_IMAGE_FILE_BYTES: u64 = 512 << 20;

/// The most a decoder may allocate: the largest image the engine takes at 8 bytes a pixel (16-bit RGBA), 320 MB.
const MAX_DECODE_BYTES: u64 = MAX_PIXELS as u64 * 8;

/// The size of an input `.npy`: [3, 227, 227] float32 values (618,348 bytes) after a header, which NumPy pads to
/// 64 bytes and which never needs more than a few hundred; 1 MiB leaves room for any header NumPy writes.
const MAX_NPY_BYTES: u64 = 1 << 20;

fn mb(n: u64) -> String {
    format!("{:.0} MB", n as f64 / 1e6)
}

/// Decodes an image file (JPEG, PNG, WebP, GIF first frame), upright per its EXIF orientation, and preprocesses it.
/// The dimensions are read from the header first: an image bigger than the engine takes is refused before any
/// pixel is decoded, and the decoder's allocations are bounded as well.
pub fn load_image(path: &Path) -> Res<Tensor> {
    let shown = path.display();
    let (file, _) = files::open_bounded(path, MAX_IMAGE_FILE_BYTES, |n| {
        format!(
            "this file is {}; no image the engine takes ({MAX_PIXELS} pixels at most) needs more than {}",
            mb(n),
            mb(MAX_IMAGE_FILE_BYTES)
        )
    })?;
    let mut reader = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(|e| format!("{shown} is not an image we can decode: {e}"))?;
    let (w, h) = decoder.dimensions();
    let (w, h) = (w as usize, h as usize);
    if w > MAX_SIDE || h > MAX_SIDE || w.saturating_mul(h) > MAX_PIXELS {
        return Err(format!(
            "{shown}: the image is {w}×{h}; the engine takes at most {MAX_SIDE} px a side and {MAX_PIXELS} pixels (downscale it first)"
        ));
    }
    // `ImageReader::decode` reserves the output buffer against the limits; going through `into_decoder` (to read
    // the orientation) skips that, so it is done here.
    limits.reserve(decoder.total_bytes()).map_err(|e| format!("{shown}: {e}"))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| format!("{shown}: {e}"))?;
    img.apply_orientation(orientation);
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    let (t, _) = preprocess::from_rgba(rgba.as_raw(), w as usize, h as usize).map_err(|e| format!("{shown}: {e}"))?;
    Ok(t)
}

/// Reads a network-space input, `[3, 227, 227]` or `[1, 3, 227, 227]` float32.
pub fn load_input_npy(path: &Path) -> Res<Tensor> {
    let shown = path.display();
    let bytes = files::read_bounded(path, MAX_NPY_BYTES, |n| {
        format!("this file is {n} bytes; an input .npy holds [3, 227, 227] float32 values (618,348 bytes and a short header)")
    })?;
    let x = ArrayD::<f32>::read_npy(bytes.as_slice()).map_err(|e| format!("{shown}: not a float32 .npy: {e}"))?;
    let x = if x.ndim() == 4 && x.shape()[0] == 1 { x.index_axis_move(Axis(0), 0) } else { x };
    if x.shape() != spec::INPUT_SHAPE {
        return Err(format!("{shown}: shape {:?}, expected [3, 227, 227] or [1, 3, 227, 227]", x.shape()));
    }
    let x = x.into_dimensionality::<Ix3>().map_err(|e| format!("{shown}: not a [3, 227, 227] tensor: {e}"))?;
    Ok(Tensor::Chw(x))
}
