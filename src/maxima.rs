//! Per channel of one layer, its largest activation on one image and where it is: what the "top patches" of a folder
//! of photos are ranked by, computed on a pass of its own so the image being explained is left alone.

use crate::model::{Forward, Model, ModelError};
use crate::tensor::Tensor;
use ndarray::ArrayView3;

/// One image's summary of a `[C, H, W]` layer: per channel the maximum, its first position in row-major order, and
/// the channel's mean.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelMaxima {
    pub values: Vec<f32>,
    pub ys: Vec<u32>,
    pub xs: Vec<u32>,
    pub means: Vec<f32>,
}

/// The per-channel maxima of a `[C, H, W]` map. NaN never wins (a comparison with it is false), so a channel of NaN
/// only keeps position (0, 0) with value NaN.
pub fn channel_maxima(t: ArrayView3<'_, f32>) -> ChannelMaxima {
    let (c, _, w) = t.dim();
    let mut out = ChannelMaxima { values: vec![], ys: vec![], xs: vec![], means: vec![] };
    for ch in 0..c {
        let plane = t.index_axis(ndarray::Axis(0), ch);
        let (mut best, mut at, mut sum) = (f32::NEG_INFINITY, 0usize, 0f64);
        for (i, &v) in plane.iter().enumerate() {
            sum += f64::from(v);
            if v > best {
                (best, at) = (v, i);
            }
        }
        let n = plane.len().max(1);
        out.values.push(if best == f32::NEG_INFINITY {
            plane.iter().next().copied().unwrap_or(f32::NAN)
        } else {
            best
        });
        out.ys.push((at / w.max(1)) as u32);
        out.xs.push((at % w.max(1)) as u32);
        out.means.push((sum / n as f64) as f32);
    }
    out
}

/// Runs `input` through `model` up to layer `id` (only as far as needed) and returns that layer's channel maxima.
pub fn maxima_at(model: &Model, input: Tensor, id: &str) -> Result<ChannelMaxima, ModelError> {
    let row = crate::spec::derive().into_iter().find(|l| l.id == id);
    match row {
        Some(l) if l.out_shape.len() == 3 => {}
        Some(_) => return Err(ModelError(format!("{id} is a vector; top patches need a layer with maps"))),
        None => return Err(ModelError(format!("no layer called '{id}'"))),
    }
    let mut pass = Forward::new(input)?;
    while pass.output(id).is_none() {
        if pass.step(model).is_none() {
            return Err(ModelError(format!("{id} was never computed")));
        }
    }
    let t = pass.output(id).and_then(Tensor::chw).ok_or_else(|| ModelError(format!("{id} has no maps")))?;
    Ok(channel_maxima(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::Weights;
    use ndarray::Array3;

    #[test]
    fn maxima_and_first_position() {
        let mut a = Array3::<f32>::zeros((2, 3, 4));
        a[(0, 1, 2)] = 5.0;
        a[(0, 2, 3)] = 5.0;
        a[(1, 0, 0)] = -1.0;
        a.index_axis_mut(ndarray::Axis(0), 1).mapv_inplace(|v| v - 2.0);
        let m = channel_maxima(a.view());
        assert_eq!(m.values, vec![5.0, -2.0]);
        assert_eq!((m.ys[0], m.xs[0]), (1, 2));
        // Channel 1 is −2 everywhere but (0, 0): its first maximum is (0, 1).
        assert_eq!((m.ys[1], m.xs[1]), (0, 1));
        assert!((m.means[0] - 10.0 / 12.0).abs() < 1e-6);
    }

    #[test]
    fn maxima_at_agrees_with_the_full_pass() {
        let model = Model::new(Weights::untrained(7));
        let input =
            Tensor::from_shape_vec(&[3, 227, 227], (0..3 * 227 * 227).map(|i| ((i % 97) as f32) - 48.0).collect())
                .unwrap();
        let m = maxima_at(&model, input.clone(), "conv2").unwrap();
        let mut full = Forward::new(input).unwrap();
        full.run_all(&model);
        let t = full.output("conv2").and_then(Tensor::chw).unwrap();
        for c in 0..256 {
            let plane = t.index_axis(ndarray::Axis(0), c);
            let max = plane.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(m.values[c], max, "channel {c}");
            assert_eq!(plane[(m.ys[c] as usize, m.xs[c] as usize)], max);
        }
        assert!(maxima_at(&model, Tensor::from_shape_vec(&[3, 227, 227], vec![0.0; 3 * 227 * 227]).unwrap(), "fc6")
            .is_err());
    }
}
