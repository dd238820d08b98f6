// Test-only access to the spec table: the JSON dump of src/spec.rs that a Rust test writes to tests/fixtures/spec.json.
import { readFileSync } from 'node:fs';

/** The spec exactly as the worker sends it, so these tests never depend on a shape re-declared in JavaScript. */
export function loadSpec() {
  const url = new URL('../fixtures/spec.json', import.meta.url);
  return { spec: JSON.parse(readFileSync(url, 'utf8')), source: 'tests/fixtures/spec.json' };
}
