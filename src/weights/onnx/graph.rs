//! The parts of an ONNX model the importer reads: nodes with their attributes, and tensors still borrowing the file.

use super::super::protobuf::{push_varints, Fields, Value, WireError};
use super::super::WeightsError;
use std::collections::HashMap;

/// A tensor (an initializer, or a Constant node's value), still borrowing the file's bytes.
#[derive(Default)]
pub(super) struct RawTensor<'a> {
    pub name: &'a str,
    pub dims: Vec<i64>,
    pub data_type: i64,
    pub raw: Option<&'a [u8]>,
    /// `float_data`: packed chunks and unpacked single values, in order.
    pub floats_packed: Vec<&'a [u8]>,
    pub floats_single: Vec<u32>,
    /// `int32_data` (also holding int8, uint8, int16 and float16 bits) or `int64_data`: packed chunks and single values.
    pub ints_packed: Vec<&'a [u8]>,
    pub ints_single: Vec<i64>,
    pub external: bool,
}

/// One attribute; only the fields the importer looks at.
#[derive(Default)]
pub(super) struct Attr<'a> {
    pub ints: Vec<i64>,
    pub floats: Vec<f32>,
    pub s: Option<&'a [u8]>,
    pub t: Option<RawTensor<'a>>,
}

pub(super) struct Node<'a> {
    pub op: &'a str,
    pub name: &'a str,
    pub inputs: Vec<&'a str>,
    pub outputs: Vec<&'a str>,
    pub attrs: HashMap<&'a str, Attr<'a>>,
}

impl<'a> Node<'a> {
    /// Input `i`, or `None` when it is missing or given as the empty name (ONNX's "optional input omitted").
    pub fn input(&self, i: usize) -> Option<&'a str> {
        self.inputs.get(i).copied().filter(|s| !s.is_empty())
    }

    pub fn output(&self) -> &'a str {
        self.outputs.first().copied().unwrap_or_default()
    }

    pub fn ints(&self, a: &str) -> Option<&[i64]> {
        self.attrs.get(a).map(|v| v.ints.as_slice())
    }

    pub fn int(&self, a: &str) -> Option<i64> {
        self.ints(a).and_then(|v| v.first().copied())
    }

    pub fn float(&self, a: &str) -> Option<f32> {
        self.attrs.get(a).and_then(|v| v.floats.first().copied())
    }

    pub fn string(&self, a: &str) -> Option<String> {
        self.attrs.get(a).and_then(|v| v.s).map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// How messages name the node: by its name, or by its first output, since exporters (the Zoo file's among
    /// them) often leave names empty.
    pub fn describe(&self) -> String {
        if self.name.is_empty() {
            format!("{} node writing '{}'", self.op, self.output())
        } else {
            format!("{} node '{}'", self.op, self.name)
        }
    }
}

/// The top-level graph: nodes in file (topological) order and initializers by name.
pub(super) struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    inits: HashMap<&'a str, RawTensor<'a>>,
    /// Which node writes each value.
    producer: HashMap<&'a str, usize>,
}

pub(super) fn wire(e: WireError) -> WeightsError {
    WeightsError::Corrupt(format!("not a readable ONNX file ({e})"))
}

fn parse_tensor(b: &[u8]) -> Result<RawTensor<'_>, WeightsError> {
    let mut t = RawTensor::default();
    for f in Fields::new(b) {
        match f.map_err(wire)? {
            (1, v) => push_varints(v, &mut t.dims).map_err(wire)?,
            (2, Value::Varint(v)) => t.data_type = v as i64,
            (4, Value::Bytes(p)) => t.floats_packed.push(p),
            (4, Value::Fixed32(x)) => t.floats_single.push(x),
            (5 | 7, Value::Bytes(p)) => t.ints_packed.push(p),
            (5 | 7, Value::Varint(v)) => t.ints_single.push(v as i64),
            (8, v) => t.name = v.str().unwrap_or_default(),
            (9, Value::Bytes(r)) => t.raw = Some(r),
            (13, _) => t.external = true,
            (14, Value::Varint(1)) => t.external = true,
            _ => {}
        }
    }
    Ok(t)
}

fn parse_attr(b: &[u8]) -> Result<(&str, Attr<'_>), WeightsError> {
    let mut name = "";
    let mut a = Attr::default();
    for f in Fields::new(b) {
        match f.map_err(wire)? {
            (1, v) => name = v.str().unwrap_or_default(),
            (2 | 7, Value::Fixed32(x)) => a.floats.push(f32::from_bits(x)),
            (7, Value::Bytes(p)) => {
                a.floats.extend(p.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            }
            (3 | 8, v) => push_varints(v, &mut a.ints).map_err(wire)?,
            (4, Value::Bytes(s)) => a.s = Some(s),
            (5, Value::Bytes(t)) => a.t = Some(parse_tensor(t)?),
            _ => {}
        }
    }
    Ok((name, a))
}

fn parse_node(b: &[u8]) -> Result<Node<'_>, WeightsError> {
    let mut n = Node { op: "", name: "", inputs: vec![], outputs: vec![], attrs: HashMap::new() };
    for f in Fields::new(b) {
        match f.map_err(wire)? {
            (1, v) => n.inputs.push(v.str().unwrap_or_default()),
            (2, v) => n.outputs.push(v.str().unwrap_or_default()),
            (3, v) => n.name = v.str().unwrap_or_default(),
            (4, v) => n.op = v.str().unwrap_or_default(),
            (5, Value::Bytes(a)) => {
                let (name, a) = parse_attr(a)?;
                n.attrs.insert(name, a);
            }
            _ => {}
        }
    }
    Ok(n)
}

impl<'a> Graph<'a> {
    /// Reads the model's graph (field 7 of ModelProto): its nodes (field 1) and initializers (field 5).
    pub fn parse(model: &'a [u8]) -> Result<Graph<'a>, WeightsError> {
        let mut graph = None;
        for f in Fields::new(model) {
            if let (7, Value::Bytes(g)) = f.map_err(wire)? {
                graph = Some(g);
            }
        }
        let graph = graph.ok_or_else(|| WeightsError::Corrupt("not an ONNX model: it has no graph".into()))?;
        let mut g = Graph { nodes: vec![], inits: HashMap::new(), producer: HashMap::new() };
        for f in Fields::new(graph) {
            match f.map_err(wire)? {
                (1, Value::Bytes(n)) => g.nodes.push(parse_node(n)?),
                (5, Value::Bytes(t)) => {
                    let t = parse_tensor(t)?;
                    // Two tensors of one name would make "which one is conv1's weight" a guess.
                    if let Some(old) = g.inits.insert(t.name, t) {
                        return Err(WeightsError::Structure(format!(
                            "the model has two initializers named '{}'",
                            old.name
                        )));
                    }
                }
                _ => {}
            }
        }
        for (i, n) in g.nodes.iter().enumerate() {
            for o in &n.outputs {
                g.producer.entry(o).or_insert(i);
            }
        }
        Ok(g)
    }

    /// The node writing `value`, if any (graph inputs and initializers have none).
    pub fn producer(&self, value: &str) -> Option<&Node<'a>> {
        self.producer.get(value).map(|&i| &self.nodes[i])
    }

    /// The nodes reading `value`.
    pub fn consumers<'g>(&'g self, value: &'g str) -> impl Iterator<Item = &'g Node<'a>> + 'g {
        self.nodes.iter().filter(move |n| n.inputs.contains(&value))
    }

    /// The tensor stored under `name`: an initializer, or the value of the Constant node writing it.
    pub fn tensor(&self, name: &str) -> Option<&RawTensor<'a>> {
        self.inits.get(name).or_else(|| {
            self.producer(name)
                .filter(|n| n.op == "Constant")
                .and_then(|n| n.attrs.get("value"))
                .and_then(|a| a.t.as_ref())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_of_every_kind_the_importer_reads() {
        // alpha: f (field 2, fixed32) = 0.5; then floats (7) packed [1, 2]; s (4) = "SAME_UPPER"; ints (8) = [3, 4].
        let mut a = vec![0x0a, 5];
        a.extend(b"alpha");
        a.push(0x15);
        a.extend(0.5f32.to_le_bytes());
        a.extend([0x3a, 8]);
        a.extend(1f32.to_le_bytes());
        a.extend(2f32.to_le_bytes());
        a.extend([0x22, 10]);
        a.extend(b"SAME_UPPER");
        a.extend([0x42, 2, 3, 4]);
        let (name, attr) = parse_attr(&a).unwrap();
        assert_eq!(name, "alpha");
        assert_eq!(attr.floats, vec![0.5, 1.0, 2.0]);
        assert_eq!(attr.s, Some(&b"SAME_UPPER"[..]));
        assert_eq!(attr.ints, vec![3, 4]);
    }

    #[test]
    fn unnamed_nodes_are_named_by_their_output() {
        let n = Node { op: "Gemm", name: "", inputs: vec![], outputs: vec!["fc6_1"], attrs: HashMap::new() };
        assert_eq!(n.describe(), "Gemm node writing 'fc6_1'");
        assert_eq!(Node { name: "fc6", ..n }.describe(), "Gemm node 'fc6'");
    }
}
