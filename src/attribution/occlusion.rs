//! Occlusion sensitivity (Zeiler & Fergus, 2013): a P×P patch of 0 in network space (after mean subtraction, the
//! mean pixel) at every stride-S position of the 227×227 crop; each cell is `p_k(original) − p_k(occluded)`.
//!
//! Each position is one forward pass. Incrementally, a layer recomputes only the rectangle the patch can reach
//! ([`region`]), from conv1 to pool5; the fc layers then run in full, on the positions of one map row together
//! ([`linear_batch`]: each weight row read once for all of them). [`OcclusionStats`] counts the arithmetic saved.

use super::region::{self, Rect};
use super::Options;
use crate::model::{Forward, Model, ModelError};
use crate::ops::linear_batch::{linear_batch, Rows};
use crate::ops::{relu, softmax};
use crate::spec::{self, Kind, ALEXNET, INPUT_SHAPE};
use crate::tensor::Tensor;

/// What the occlusion map cost: multiply-accumulates of the conv and fc layers actually computed, against
/// `positions` whole passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OcclusionStats {
    pub positions: usize,
    pub macs_computed: u64,
    pub macs_full: u64,
}

/// Patch positions per side for patch `p` and stride `s` on the 227-pixel crop: `(227 − p) / s + 1`.
pub fn occlusion_positions(p: usize, s: usize) -> Result<usize, ModelError> {
    let side = INPUT_SHAPE[1];
    if p == 0 || p > side || s == 0 {
        return Err(ModelError(format!(
            "occlusion needs a patch of 1 … {side} pixels and a stride of at least 1 (got patch {p}, stride {s})"
        )));
    }
    Ok((side - p) / s + 1)
}

pub(super) struct Occlusion {
    target: usize,
    patch: usize,
    stride: usize,
    incremental: bool,
    side: usize,
    base: f32,
    map: Vec<f32>,
    /// Incremental: pool5 of the positions done up to pool5 whose fc layers have not run yet (at most one row).
    pending: Vec<Vec<f32>>,
    /// Incremental: positions done up to pool5.
    spatial: usize,
    macs: u64,
    /// MACs of each layer of a whole pass, and their sum.
    layer_macs: Vec<u64>,
    pass_macs: u64,
}

impl Occlusion {
    pub(super) fn new(f: &Forward, target: usize, o: &Options) -> Result<Occlusion, ModelError> {
        let side = occlusion_positions(o.patch, o.stride)?;
        let base = f.output("prob").expect("a finished pass has prob").values()[target];
        let layer_macs: Vec<u64> = spec::derive().iter().map(|l| l.macs as u64).collect();
        let pass_macs = layer_macs.iter().sum();
        Ok(Occlusion {
            target,
            patch: o.patch,
            stride: o.stride,
            incremental: o.incremental,
            side,
            base,
            map: Vec::with_capacity(side * side),
            pending: Vec::with_capacity(side),
            spatial: 0,
            macs: 0,
            layer_macs,
            pass_macs,
        })
    }

    pub(super) fn progress(&self) -> (usize, usize) {
        (self.map.len().max(self.spatial), self.side * self.side)
    }

    pub(super) fn shape(&self) -> [usize; 2] {
        [self.side, self.side]
    }

    pub(super) fn map(&self) -> Vec<f32> {
        self.map.clone()
    }

    pub(super) fn stats(&self) -> OcclusionStats {
        let positions = self.map.len();
        OcclusionStats { positions, macs_computed: self.macs, macs_full: positions as u64 * self.pass_macs }
    }

    /// The next position; true when the map is complete.
    pub(super) fn step(&mut self, m: &Model, f: &Forward) -> bool {
        let total = self.side * self.side;
        if self.map.len() == total {
            return true;
        }
        let n = if self.incremental { self.spatial } else { self.map.len() };
        let r = Rect {
            y0: n / self.side * self.stride,
            y1: n / self.side * self.stride + self.patch,
            x0: n % self.side * self.stride,
            x1: n % self.side * self.stride + self.patch,
        };
        if self.incremental {
            let pool5 = self.spatial_incremental(m, f, r);
            self.pending.push(pool5);
            self.spatial += 1;
            if self.pending.len() == self.side || self.spatial == total {
                let batch = std::mem::take(&mut self.pending);
                for p in self.fc_batch(m, batch) {
                    self.map.push(self.base - p);
                }
            }
        } else {
            self.macs += self.pass_macs;
            let mut g = Forward::new(occlude(f, r)).expect("the occluded input has the input's shape");
            g.run_all(m);
            let p = g.output("prob").expect("a finished pass has prob").values()[self.target];
            self.map.push(self.base - p);
        }
        self.map.len() == total
    }

    /// The last spatial layer's output (pool5) with the patch at `r`, recomputing only the rectangles it reaches.
    fn spatial_incremental(&mut self, m: &Model, f: &Forward, mut r: Rect) -> Vec<f32> {
        let mut cur = occlude(f, r);
        for (i, l) in ALEXNET.iter().enumerate() {
            let base = f.output(l.id).expect("a finished pass has every output");
            let (&[ic, ih, iw], &[oc, oh, ow]) = (cur.shape(), base.shape()) else { break };
            debug_assert!(matches!(l.kind, Kind::Conv | Kind::Relu | Kind::Lrn | Kind::Pool));
            r = region::propagate(l, r, (oh, ow));
            let mut y = base.values().into_owned();
            let x = cur.values();
            self.macs += region::recompute(m, i, l, (&x, (ic, ih, iw)), (&mut y, (oc, oh, ow)), r);
            cur = Tensor::from_shape_vec(&[oc, oh, ow], y).expect("the base output's shape");
        }
        cur.values().into_owned()
    }

    /// p_k for each of `xs` (pool5 outputs): the layers after the spatial ones, the fc layers batched.
    fn fc_batch(&mut self, m: &Model, mut xs: Vec<Vec<f32>>) -> Vec<f32> {
        let first = ALEXNET.iter().position(|l| l.kind == Kind::Fc).expect("AlexNet has fc layers");
        for (i, l) in ALEXNET.iter().enumerate().skip(first) {
            match l.kind {
                Kind::Fc => {
                    let lw = m.weights().layer(l.id).expect("weights hold every fc layer");
                    let rows = match &lw.int8 {
                        Some(c) => Rows::I8(&c.q, &c.scale),
                        None => Rows::Panels(&lw.weight),
                    };
                    xs = linear_batch(rows, &lw.bias, &xs);
                    self.macs += self.layer_macs[i] * xs.len() as u64;
                }
                Kind::Relu => xs.iter_mut().for_each(|x| relu::relu_inplace(x)),
                Kind::Softmax => xs = xs.iter().map(|x| softmax::softmax(x)).collect(),
                _ => unreachable!("{} after the fc layers", l.id),
            }
        }
        xs.iter().map(|p| p[self.target]).collect()
    }
}

/// The pass's input with the patch `r` (clipped to the crop) set to 0 in every channel.
fn occlude(f: &Forward, r: Rect) -> Tensor {
    let x = f.output("data").expect("a pass has its input");
    let [c, h, w] = INPUT_SHAPE;
    let mut v = x.values().into_owned();
    for ch in 0..c {
        for y in r.y0..r.y1.min(h) {
            v[(ch * h + y) * w + r.x0..(ch * h + y) * w + r.x1.min(w)].fill(0.0);
        }
    }
    Tensor::from_shape_vec(&INPUT_SHAPE, v).expect("the input's shape")
}
