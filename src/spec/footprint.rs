//! Where a unit looks: its receptive field in the 227 crop, the slice of every earlier layer that feeds it, and the
//! units of every layer that see one input pixel, all read from the derived table (`receptive_field`, `jump`,
//! `rf_start`) and the layer specs' windows.

use super::{derive, Kind, LayerInfo, INPUT_SHAPE};
use serde::Serialize;

/// A unit's receptive field in crop pixels: the square `[y0, y0 + size) × [x0, x0 + size)`, not clipped to the
/// image (it starts below 0 where padding reaches past the image's edge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub y0: isize,
    pub x0: isize,
    pub size: usize,
}

/// A box of one layer's output, `[c0, c1) × [y0, y1) × [x0, x1)` (ends exclusive), clipped to the layer's map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Slice {
    pub layer: &'static str,
    pub c0: usize,
    pub c1: usize,
    pub y0: usize,
    pub y1: usize,
    pub x0: usize,
    pub x1: usize,
}

/// The input as a row of its own, so the walks below can end on it like on any layer.
fn input_row() -> LayerInfo {
    let mut l = derive().swap_remove(0);
    l.id = "data";
    l.out_shape = INPUT_SHAPE.to_vec();
    (l.receptive_field, l.jump, l.rf_start) = (1, 1, 0);
    l
}

/// The row of a layer with a `[C, H, W]` output (or the input, `data`), or why there is none.
fn spatial_row(id: &str) -> Result<LayerInfo, String> {
    if id == "data" {
        return Ok(input_row());
    }
    let row = derive().into_iter().find(|l| l.id == id).ok_or_else(|| format!("no layer called '{id}'"))?;
    if row.out_shape.len() != 3 {
        return Err(format!("{id} is a vector: every one of its values sees the whole image"));
    }
    Ok(row)
}

fn check_position(row: &LayerInfo, y: usize, x: usize) -> Result<(), String> {
    let (h, w) = (row.out_shape[1], row.out_shape[2]);
    if y >= h || x >= w {
        return Err(format!("{} is {h}×{w}; ({y}, {x}) is outside it", row.id));
    }
    Ok(())
}

/// The receptive field of unit (y, x) of spatial layer `id`: it starts `y·jump` pixels after unit 0's.
pub fn receptive_field(id: &str, y: usize, x: usize) -> Result<Field, String> {
    let row = spatial_row(id)?;
    check_position(&row, y, x)?;
    let at = |i: usize| row.rf_start + (i * row.jump) as isize;
    Ok(Field { y0: at(y), x0: at(x), size: row.receptive_field })
}

/// Rows `[a, b)` of a window sweep's output → the input rows they read, clipped to the input's `side` (padding
/// reads nothing).
fn back(a: usize, b: usize, k: usize, stride: usize, pad: usize, side: usize) -> (usize, usize) {
    let lo = (a * stride).saturating_sub(pad);
    let hi = ((b - 1) * stride + k).saturating_sub(pad).min(side);
    (lo, hi)
}

/// For unit (c, y, x) of spatial layer `id`: the slice of its own layer, then of every layer it reads through, down
/// to the input, that can change its value. Grouped convolutions (conv2, conv4, conv5) read only their own tower's
/// channels; conv3 reads both; an LRN widens the channels by its window.
pub fn feeding(id: &str, c: usize, y: usize, x: usize) -> Result<Vec<Slice>, String> {
    let mut row = spatial_row(id)?;
    check_position(&row, y, x)?;
    if c >= row.out_shape[0] {
        return Err(format!("{id} has {} channels; {c} is out of range", row.out_shape[0]));
    }
    let mut s = Slice { layer: row.id, c0: c, c1: c + 1, y0: y, y1: y + 1, x0: x, x1: x + 1 };
    let mut out = vec![s];
    while row.id != "data" {
        let src = spatial_row(row.input)?;
        let (ch, h, w) = (src.out_shape[0], src.out_shape[1], src.out_shape[2]);
        let (mut c0, mut c1) = (s.c0, s.c1);
        let (mut y0, mut y1, mut x0, mut x1) = (s.y0, s.y1, s.x0, s.x1);
        match row.kind {
            Kind::Conv | Kind::Pool => {
                (y0, y1) = back(s.y0, s.y1, row.k, row.stride, row.pad, h);
                (x0, x1) = back(s.x0, s.x1, row.k, row.stride, row.pad, w);
                if row.kind == Kind::Conv {
                    let (per_out, per_in) = (row.c_out / row.groups, ch / row.groups);
                    (c0, c1) = (s.c0 / per_out * per_in, ((s.c1 - 1) / per_out + 1) * per_in);
                }
            }
            Kind::Lrn => {
                let half = row.lrn.map_or(0, |l| l.size / 2);
                (c0, c1) = (s.c0.saturating_sub(half), (s.c1 + half).min(ch));
            }
            Kind::Relu | Kind::Softmax | Kind::Fc => {}
        }
        s = Slice { layer: src.id, c0, c1, y0, y1, x0, x1 };
        out.push(s);
        row = src;
    }
    Ok(out)
}

/// For input pixel (py, px) of the crop: per spatial layer (every channel), the units whose receptive field holds it.
pub fn seeing(py: usize, px: usize) -> Result<Vec<Slice>, String> {
    let side = INPUT_SHAPE[1];
    if py >= side || px >= side {
        return Err(format!("the crop is {side}×{side}; ({py}, {px}) is outside it"));
    }
    let units = |p: usize, row: &LayerInfo, n: usize| {
        // Unit u holds p when rf_start + u·jump ≤ p < rf_start + u·jump + size.
        let (j, from) = (row.jump as isize, p as isize - row.rf_start);
        let lo = (from - row.receptive_field as isize + 1 + j - 1).div_euclid(j).max(0) as usize;
        let hi = (from.div_euclid(j) + 1).clamp(0, n as isize) as usize;
        (lo.min(hi), hi)
    };
    let rows = derive().into_iter().filter(|l| l.out_shape.len() == 3);
    Ok(rows
        .map(|row| {
            let (y0, y1) = units(py, &row, row.out_shape[1]);
            let (x0, x1) = units(px, &row, row.out_shape[2]);
            Slice { layer: row.id, c0: 0, c1: row.out_shape[0], y0, y1, x0, x1 }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{layer, ALEXNET};

    /// Rows `[a, b]` (inclusive) of layer `id`'s output walked back to the input through the raw specs' k, stride
    /// and pad, unclipped: an independent computation that never reads `receptive_field`, `jump` or `rf_start`.
    fn walk(id: &str, a: isize, b: isize) -> (isize, isize) {
        let Some(l) = layer(id) else { return (a, b) };
        let (a, b) = match l.kind {
            Kind::Conv | Kind::Pool => {
                let (s, p, k) = (l.stride as isize, l.pad as isize, l.k as isize);
                (a * s - p, b * s - p + k - 1)
            }
            _ => (a, b),
        };
        walk(l.input, a, b)
    }

    #[test]
    fn sizes_are_the_issues() {
        let want = [
            ("conv1", 11),
            ("pool1", 19),
            ("conv2", 51),
            ("pool2", 67),
            ("conv3", 99),
            ("conv4", 131),
            ("conv5", 163),
            ("pool5", 195),
        ];
        for (id, size) in want {
            assert_eq!(receptive_field(id, 0, 0).unwrap().size, size, "{id}");
        }
        // conv5's centre unit: the 163-pixel square round the crop's centre.
        assert_eq!(receptive_field("conv5", 6, 6).unwrap(), Field { y0: 32, x0: 32, size: 163 });
    }

    #[test]
    fn fields_match_an_independent_walk() {
        for l in derive().into_iter().filter(|l| l.out_shape.len() == 3) {
            let (h, w) = (l.out_shape[1], l.out_shape[2]);
            for (y, x) in [(0, 0), (h / 2, w / 3), (h - 1, w - 1), (0, w - 1)] {
                let f = receptive_field(l.id, y, x).unwrap();
                let (ya, yb) = walk(l.id, y as isize, y as isize);
                let (xa, xb) = walk(l.id, x as isize, x as isize);
                assert_eq!((f.y0, f.x0), (ya, xa), "{} ({y}, {x})", l.id);
                assert_eq!(f.size as isize, yb - ya + 1, "{}", l.id);
                assert_eq!(f.size as isize, xb - xa + 1, "{}", l.id);
            }
        }
    }

    #[test]
    fn refused_queries_say_why() {
        assert!(receptive_field("fc6", 0, 0).unwrap_err().contains("vector"));
        assert!(receptive_field("conv5", 13, 0).unwrap_err().contains("13×13"));
        assert!(receptive_field("nope", 0, 0).unwrap_err().contains("no layer"));
        assert!(feeding("conv2", 256, 0, 0).is_err());
        assert!(seeing(227, 0).is_err());
    }

    #[test]
    fn feeding_keeps_to_the_tower() {
        let of = |id: &str, c| feeding(id, c, 5, 5).unwrap();
        let find = |s: &[Slice], id: &str| *s.iter().find(|x| x.layer == id).unwrap();
        // conv2's channel 200 is on GPU 2: it reads pool1's second 48 channels.
        let s = of("conv2", 200);
        assert_eq!((find(&s, "pool1").c0, find(&s, "pool1").c1), (48, 96));
        // norm1 widens by its 5-channel window, conv1's group covers every channel.
        assert_eq!((find(&s, "relu1").c0, find(&s, "relu1").c1), (46, 96));
        assert_eq!((find(&s, "data").c0, find(&s, "data").c1), (0, 3));
        // conv3 reads both towers; conv4 and conv5 their own half.
        let s3 = of("conv3", 10);
        assert_eq!((find(&s3, "pool2").c0, find(&s3, "pool2").c1), (0, 256));
        let s5 = of("conv5", 200);
        assert_eq!((find(&s5, "relu4").c0, find(&s5, "relu4").c1), (192, 384));
        let s4 = find(&s5, "relu3");
        assert_eq!((s4.c0, s4.c1), (192, 384));
        // The input slice is the receptive field clipped to the crop, and each slice is the window sweep's.
        for l in ALEXNET.iter().filter(|l| matches!(l.kind, Kind::Conv | Kind::Pool)) {
            let f = receptive_field(l.id, 1, 2).unwrap();
            let d = find(&feeding(l.id, 0, 1, 2).unwrap(), "data");
            let clip = |a: isize| a.clamp(0, 227) as usize;
            assert_eq!((d.y0, d.y1), (clip(f.y0), clip(f.y0 + f.size as isize)), "{}", l.id);
            assert_eq!((d.x0, d.x1), (clip(f.x0), clip(f.x0 + f.size as isize)), "{}", l.id);
        }
        assert_eq!(find(&of("conv2", 0), "pool1"), Slice { layer: "pool1", c0: 0, c1: 48, y0: 3, y1: 8, x0: 3, x1: 8 });
    }

    #[test]
    fn seeing_is_every_unit_whose_field_holds_the_pixel() {
        for (py, px) in [(0, 0), (113, 40), (226, 226), (5, 200)] {
            for s in seeing(py, px).unwrap() {
                let row = spatial_row(s.layer).unwrap();
                for y in 0..row.out_shape[1] {
                    let f = receptive_field(s.layer, y, 0).unwrap();
                    let holds = f.y0 <= py as isize && (py as isize) < f.y0 + f.size as isize;
                    assert_eq!(holds, (s.y0..s.y1).contains(&y), "{} y={y} for pixel row {py}", s.layer);
                }
                for x in 0..row.out_shape[2] {
                    let f = receptive_field(s.layer, 0, x).unwrap();
                    let holds = f.x0 <= px as isize && (px as isize) < f.x0 + f.size as isize;
                    assert_eq!(holds, (s.x0..s.x1).contains(&x), "{} x={x} for pixel column {px}", s.layer);
                }
                assert_eq!((s.c0, s.c1), (0, row.out_shape[0]));
            }
        }
    }
}
