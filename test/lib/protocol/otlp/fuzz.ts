// Shared pieces of the decoder fuzz tests: byte mutations, JSON edits, and the
// assertion that a step past decoding (a translation of a decoded message)
// either gives a result or throws InvalidInputError. The decoders themselves
// go through decodesOrKeeps (test/helpers/fuzz-corpus.ts), which keeps what
// crashes them.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../lib/errors.js';

export interface Mutation {
  op: 'set' | 'insert' | 'delete';
  pos: number;
  byte: number;
}

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.record({ op: fc.constantFrom('set', 'insert', 'delete'), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 6 },
);

export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const bytes = Array.from(input);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.pos % (bytes.length + (m.op === 'insert' ? 1 : 0));
    if (m.op === 'set' && bytes.length > 0) bytes[at] = m.byte;
    else if (m.op === 'insert') bytes.splice(at, 0, m.byte);
    else if (m.op === 'delete') bytes.splice(at, 1);
  }
  return Uint8Array.from(bytes);
}

/** Runs `decode`; returns its result, or undefined when it threw InvalidInputError. */
export function decodesOrRejects<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.ok(err.message.length > 0);
    return undefined;
  }
}

/** Replaces the value at a random position of a parsed JSON document with another. */
export function replaceAt(doc: unknown, index: number, replacement: unknown): unknown {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        slots.push({ parent: v, key: i });
        walk(x);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        slots.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
    }
  };
  walk(doc);
  if (slots.length === 0) return replacement;
  const slot = slots[index % slots.length]!;
  (slot.parent as Record<string | number, unknown>)[slot.key] = replacement;
  return doc;
}
