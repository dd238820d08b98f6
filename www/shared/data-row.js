// The `data` pseudo-row: the network's input as a row of the layer table, built from spec.input.

/**
 * The input as a layer row, built from `spec.input`: it has no input of its own, no parameters and no cost, sits on
 * both towers' shared path, and each of its values sees one pixel.
 * @param {{input: {id: string, shape: number[]}}} spec the spec table the worker sends
 */
export function dataRow(spec) {
  const { id, shape } = spec.input;
  return {
    id, kind: 'data', input: null, in_shape: null, out_shape: shape, towers: 1, reads_both_towers: false,
    weights: 0, biases: 0, macs: 0, neurons: shape.reduce((a, b) => a * b, 1), receptive_field: 1, jump: 1, rf_start: 0,
  };
}

/** Looks a layer up by id; the input's id is answered with its pseudo-row, an unknown id with null. */
export function findLayer(spec, id) {
  const row = spec.layers.find((l) => l.id === id);
  if (row) return row;
  return id === spec.input.id ? dataRow(spec) : null;
}
