//! Following a graph from a weighted node to the tensors it uses: stored floats, integers behind a
//! DequantizeLinear or a QLinear node's own scale and zero-point inputs, int32 biases (scale = input scale ×
//! weight scale), and the bias Add after a MatMul. Anything it cannot follow is refused, naming the node.

use super::super::WeightsError;
use super::graph::{Graph, Node, RawTensor};
use super::tensor::{numel, shape_str, Quant, Stored};

fn unfollowable(id: &str, node: &Node<'_>, what: &str) -> WeightsError {
    WeightsError::Unsupported(format!("{id} ({}): {what}", node.describe()))
}

/// What computes `value`, for messages: a node, or nothing (a graph input without a stored value).
fn origin(g: &Graph<'_>, value: &str) -> String {
    g.producer(value).map_or_else(|| "a graph input with no stored value".to_string(), |p| p.describe())
}

/// The tensor stored under input `i` of `node` (the `role` it plays, for messages).
fn stored_input<'g>(
    g: &'g Graph<'g>,
    id: &str,
    role: &str,
    node: &Node<'g>,
    i: usize,
) -> Result<(&'g str, &'g RawTensor<'g>), WeightsError> {
    let name = node
        .input(i)
        .ok_or_else(|| WeightsError::Structure(format!("{id} ({}): the node has no {role} input", node.describe())))?;
    match g.tensor(name) {
        Some(t) => Ok((name, t)),
        None => Err(unfollowable(
            id,
            node,
            &format!("its {role} '{name}' is computed by {}, not stored in the file", origin(g, name)),
        )),
    }
}

/// A scale or zero point (input `i` of `node`): one value, or at most `max` (one per channel). `None` when the
/// optional input is omitted.
fn param<'g>(
    g: &'g Graph<'g>,
    id: &str,
    node: &Node<'g>,
    i: usize,
    what: &str,
    max: usize,
) -> Result<Option<&'g RawTensor<'g>>, WeightsError> {
    let Some(name) = node.input(i) else { return Ok(None) };
    let t = g.tensor(name).ok_or_else(|| {
        unfollowable(
            id,
            node,
            &format!("its {what} '{name}' is computed by {}, not stored in the file", origin(g, name)),
        )
    })?;
    // The count is checked before any value is decoded, so a hostile "scale" cannot make us allocate much.
    let n = numel(&t.dims).filter(|&n| n > 0 && n <= max.max(1)).ok_or_else(|| {
        let shape = shape_str(&t.dims);
        WeightsError::Structure(format!(
            "{id} ({}): its {what} '{name}' has shape {shape}; one value, or one per channel ({max}), expected",
            node.describe()
        ))
    })?;
    if t.external || t.stored_len() != Some(n) {
        return Err(WeightsError::Corrupt(format!(
            "{id} ({}): its {what} '{name}' does not hold the {n} values its shape declares",
            node.describe()
        )));
    }
    Ok(Some(t))
}

/// Stored integers `t` dequantised with the scale and zero point at inputs `s` and `z` of `node`, per channel
/// along `axis` of `t` when they have more than one value.
fn quantised<'g>(
    g: &'g Graph<'g>,
    id: &str,
    node: &Node<'g>,
    (name, t): (&str, &'g RawTensor<'g>),
    s: usize,
    z: usize,
    axis: i64,
) -> Result<Stored<'g>, WeightsError> {
    let channels =
        usize::try_from(axis).ok().and_then(|a| t.dims.get(a)).and_then(|&d| usize::try_from(d).ok()).unwrap_or(1);
    let scale = param(g, id, node, s, "scale", channels)?
        .ok_or_else(|| unfollowable(id, node, "it has no scale input"))?
        .floats();
    let zero = param(g, id, node, z, "zero point", channels)?.map_or_else(|| vec![0], |t| t.ints());
    // A valid axis whenever there is more than one value, since `channels` is 1 otherwise.
    let axis = if scale.len() == 1 && zero.len() == 1 { 0 } else { axis as usize };
    Ok(Stored { name: name.into(), t, quant: Some(Quant { scale, zero, axis }) })
}

/// The constant behind value `name` (input of `node`, playing `role`): a stored tensor, possibly through
/// Identity nodes, or stored integers through a DequantizeLinear.
pub(super) fn constant<'g>(
    g: &'g Graph<'g>,
    id: &str,
    role: &str,
    node: &Node<'g>,
    name: Option<&'g str>,
) -> Result<Stored<'g>, WeightsError> {
    let mut name = name
        .ok_or_else(|| WeightsError::Structure(format!("{id} ({}): the node has no {role} input", node.describe())))?;
    // A bounded walk: a hostile file may loop Identity nodes into a cycle.
    for _ in 0..8 {
        if let Some(t) = g.tensor(name) {
            return Ok(Stored { name: name.into(), t, quant: None });
        }
        let Some(p) = g.producer(name) else {
            return Err(WeightsError::Structure(format!("{id}: {role} '{name}' is not an initializer in the file")));
        };
        match p.op {
            "Identity" => name = p.input(0).unwrap_or_default(),
            "DequantizeLinear" => {
                if p.int("block_size").is_some_and(|b| b != 0) {
                    return Err(unfollowable(id, p, "blocked quantisation (block_size) is not supported"));
                }
                let q = stored_input(g, id, role, p, 0)?;
                let axis = p.int("axis").unwrap_or(1);
                let axis = if axis < 0 { axis + q.1.dims.len() as i64 } else { axis };
                return quantised(g, id, p, q, 1, 2, axis);
            }
            _ => return Err(unfollowable(id, p, &format!("it computes {role} '{name}', which must be stored in the file (as an initializer, or as integers through DequantizeLinear)"))),
        }
    }
    Err(WeightsError::Structure(format!(
        "{id}: {role} '{name}' is at the end of a chain of Identity nodes too long to follow"
    )))
}

/// A QLinearConv's or QGemm's weight (input `w`, with its scale and zero point after it, per channel along
/// `axis`) and its int32 bias (input `b`), whose scale is the input's scale (input 1) times the weight's.
pub(super) fn qlinear<'g>(
    g: &'g Graph<'g>,
    id: &str,
    node: &Node<'g>,
    w: usize,
    b: usize,
    axis: i64,
) -> Result<(Stored<'g>, Stored<'g>), WeightsError> {
    let weight = quantised(g, id, node, stored_input(g, id, "weight", node, w)?, w + 1, w + 2, axis)?;
    let (name, t) = stored_input(g, id, "bias", node, b)?;
    let x_scale = param(g, id, node, 1, "input scale", 1)?
        .ok_or_else(|| unfollowable(id, node, "it has no input scale"))?
        .floats()[0];
    let w_scale = &weight.quant.as_ref().expect("quantised() always sets the quantisation").scale;
    let scale = w_scale.iter().map(|s| x_scale * s).collect();
    let bias = Stored { name: name.into(), t, quant: Some(Quant { scale, zero: vec![0], axis: 0 }) };
    Ok((weight, bias))
}

/// A QLinearMatMul's weight: input 3, per column (axis 1 of the stored `[n_in, n_out]`).
pub(super) fn qlinear_matmul<'g>(g: &'g Graph<'g>, id: &str, node: &Node<'g>) -> Result<Stored<'g>, WeightsError> {
    quantised(g, id, node, stored_input(g, id, "weight", node, 3)?, 4, 5, 1)
}

/// The bias of a MatMul or QLinearMatMul, which have none of their own: the other operand of the one Add (or
/// com.microsoft QLinearAdd) reading its output, past any QuantizeLinear/DequantizeLinear pair in between.
pub(super) fn bias_after<'g>(g: &'g Graph<'g>, id: &str, node: &Node<'g>) -> Result<Stored<'g>, WeightsError> {
    let mut v = node.output();
    for _ in 0..8 {
        let next: Vec<&Node<'_>> = g.consumers(v).take(2).collect();
        let c = match next[..] {
            [c] => c,
            [] => {
                return Err(WeightsError::Structure(format!(
                    "{id} ({}): no Add after it gives it a bias (AlexNet's {id} has one)",
                    node.describe()
                )))
            }
            _ => {
                return Err(WeightsError::Structure(format!(
                    "{id} ({}): '{v}' feeds several nodes, so which Add holds the bias is not clear",
                    node.describe()
                )))
            }
        };
        match c.op {
            "QuantizeLinear" | "DequantizeLinear" => v = c.output(),
            "Add" => return constant(g, id, "bias", c, c.inputs.iter().copied().find(|i| *i != v && !i.is_empty())),
            "QLinearAdd" => {
                let b = if c.input(0) == Some(v) { 3 } else { 0 };
                return quantised(g, id, c, stored_input(g, id, "bias", c, b)?, b + 1, b + 2, 0);
            }
            _ => {
                return Err(WeightsError::Structure(format!(
                    "{id} ({}): it is followed by {}, not by the Add of its bias",
                    node.describe(),
                    c.describe()
                )))
            }
        }
    }
    Err(WeightsError::Structure(format!("{id} ({}): no Add within eight nodes after it", node.describe())))
}
