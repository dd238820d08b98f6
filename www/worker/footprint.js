// The worker's receptive-field queries: where a unit looks in the crop, what feeds it, which units see a pixel.

/**
 * Answer a `get` for `receptive-field` ({layer, y, x} → {y0, x0, size}), `feeding` ({layer, c, y, x} → per layer
 * {layer, c0, c1, y0, y1, x0, x1}) or `seeing` ({y, x} → the same per spatial layer); the engine derives all of it
 * from the spec table (src/spec/footprint.rs).
 */
export function footprintQuery(session, msg) {
  const int = (v, name) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${msg.what} needs a whole number ${name} ≥ 0, got ${v}.`);
    return v;
  };
  switch (msg.what) {
    case 'receptive-field': return session.receptiveField(msg.layer, int(msg.y, 'y'), int(msg.x, 'x'));
    case 'feeding': return session.feeding(msg.layer, int(msg.c ?? 0, 'c'), int(msg.y, 'y'), int(msg.x, 'x'));
    case 'seeing': return session.seeing(int(msg.y, 'y'), int(msg.x, 'x'));
    default: throw new Error(`Unknown query "${msg.what}".`);
  }
}
