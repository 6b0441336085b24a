// The spool's frame: what goes in comes out, and no damage to a frame is ever
// read as a record (the parser never throws either: it says "bad").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../lib/errors.js';
import { checkFrame, encodeFrame, FRAME_HEADER_BYTES, parseFrame } from '../../../lib/spool/frame.js';
import { decodesOrKeeps, FUZZ_RUNS } from '../../helpers/fuzz-corpus.js';
import { mutate, mutationsArb } from '../protocol/otlp/fuzz.js';
import { assertSameRecord, spoolRecordArb } from './arbitraries.js';

const MAX_BODY = 1024 * 1024;

test('a frame gives back the record it was made of: topic, key (or null), value, headers and partition', () => {
  fc.assert(
    fc.property(spoolRecordArb(), (record) => {
      const frame = encodeFrame(record);
      const parsed = parseFrame(frame, 0, MAX_BODY);
      assert.equal(parsed.status, 'ok');
      if (parsed.status !== 'ok') return;
      assert.equal(parsed.bytes, frame.length);
      assertSameRecord(parsed.record, record);
    }),
    { numRuns: 300 },
  );
});

test('frames read back one after another from any offset of a buffer', () => {
  const records = [
    { topic: 'spans', key: null, value: Buffer.from('a'), headers: {} },
    { topic: 'metrics', key: Buffer.alloc(0), value: Buffer.alloc(0), headers: Object.fromEntries([['__proto__', 'x'], ['ocsvc.sender', 'agent']]) as Record<string, string>, partition: 3 },
  ];
  const buf = Buffer.concat([Buffer.from('junk'), ...records.map(encodeFrame)]);
  let offset = 4;
  for (const expected of records) {
    const parsed = parseFrame(buf, offset, MAX_BODY);
    assert.equal(parsed.status, 'ok');
    if (parsed.status !== 'ok') return;
    assertSameRecord(parsed.record, expected);
    assert.equal(Object.getPrototypeOf(parsed.record.headers), Object.prototype, 'a header named __proto__ stays a header');
    assert.deepEqual(Object.keys(parsed.record.headers), Object.keys(expected.headers));
    offset += parsed.bytes;
  }
  assert.equal(offset, buf.length);
});

test('a cut frame is incomplete, and says how many bytes it needs', () => {
  const frame = encodeFrame({ topic: 'spans', key: null, value: Buffer.alloc(100), headers: {} });
  assert.deepEqual(parseFrame(frame.subarray(0, 3), 0, MAX_BODY), { status: 'incomplete', need: FRAME_HEADER_BYTES });
  assert.deepEqual(parseFrame(frame.subarray(0, frame.length - 1), 0, MAX_BODY), { status: 'incomplete', need: frame.length });
});

test('zeros (what a crash may leave at the end of a file) are a bad frame, not an empty record', () => {
  assert.equal(parseFrame(Buffer.alloc(64), 0, MAX_BODY).status, 'bad');
});

test('a length over the limit is bad at once, without waiting for that many bytes', () => {
  const frame = encodeFrame({ topic: 'spans', key: null, value: Buffer.alloc(2_000), headers: {} });
  const parsed = parseFrame(frame.subarray(0, 16), 0, 1_000);
  assert.equal(parsed.status, 'bad');
});

test('any change of one byte of a frame is caught (the CRC covers the length too)', () => {
  fc.assert(
    fc.property(spoolRecordArb(), fc.nat(), fc.integer({ min: 1, max: 255 }), (record, at, xor) => {
      const frame = encodeFrame(record);
      const i = at % frame.length;
      frame[i] = frame[i]! ^ xor;
      const parsed = parseFrame(frame, 0, MAX_BODY);
      assert.notEqual(parsed.status, 'ok', `byte ${i} of ${frame.length} changed, still read as a record`);
    }),
    { numRuns: 500 },
  );
});

test('parsing never throws on any bytes: random, or a frame with bytes set, inserted and deleted', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(300), (bytes, offset) => {
      const buf = Buffer.from(bytes);
      const at = Math.min(offset, buf.length);
      decodesOrKeeps('spool-frame', buf.subarray(at), { run: () => parseFrame(buf, at, MAX_BODY) });
      decodesOrKeeps('spool-frame', buf.subarray(at), { run: () => checkFrame(buf, at, MAX_BODY) });
    }),
    { numRuns: FUZZ_RUNS },
  );
  fc.assert(
    fc.property(spoolRecordArb(), mutationsArb, (record, mutations) => {
      const damaged = Buffer.from(mutate(encodeFrame(record), mutations));
      const parsed = decodesOrKeeps('spool-frame', damaged, { run: () => parseFrame(damaged, 0, MAX_BODY) });
      const checked = decodesOrKeeps('spool-frame', damaged, { run: () => checkFrame(damaged, 0, MAX_BODY) });
      assert.ok(parsed !== undefined && checked !== undefined, 'the frame reader says bad, it never throws');
      assert.equal(checked.status, parsed.status, 'recovery (check only) and the drainer (decode) agree');
      if (parsed.status === 'ok') assertSameRecord(parsed.record, record, 'a damaged frame read as ok must be the original');
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test('a record no frame can hold is refused with InvalidInputError', () => {
  assert.throws(() => encodeFrame({ topic: 'x'.repeat(70_000), key: null, value: Buffer.alloc(0), headers: {} }), InvalidInputError);
});
