// The Jaeger codecs on their own (bytes <-> JaegerBatch): every batch the
// format can carry comes back unchanged from Thrift binary, Thrift compact,
// Agent.emitBatch and protobuf; the bytes of a jaeger-client-like batch are
// pinned by golden files; and what the IDL forbids is refused with a message
// that names the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import thrift from 'thrift';
import { InvalidInputError } from '../../../../lib/errors.js';
import {
  decodeBatchThrift,
  decodeEmitBatch,
  decodePostSpansProto,
  encodeBatchThrift,
  encodeEmitBatch,
  encodePostSpansProto,
  type JaegerBatch,
} from '../../../../lib/protocol/jaeger/index.js';
import { PostSpansRequestType } from '../../../../lib/protocol/jaeger/proto-root.js';
import { assertGolden, hexLines, readGolden } from '../../../helpers/golden.js';
import { wireBatchArb } from '../../../helpers/jaeger-arbitraries.js';
import { clientBatch, jSpan, render, tag } from './fixtures.js';

const RUNS = 200;
const fromHex = (text: string): Buffer => Buffer.from(text.replace(/\s/g, ''), 'hex');

/** What the proto decoder gives for a Thrift-shaped batch: no parentSpanId field. */
const asProto = (b: JaegerBatch): JaegerBatch => ({ ...b, spans: b.spans.map((sp) => ({ ...sp, parentSpanId: undefined })) });

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

/** Writes raw Thrift with the runtime, for inputs our encoder never makes. */
function rawThrift(protocol: 'binary' | 'compact', write: (p: thrift.TProtocol) => void): Buffer {
  let out: Buffer = Buffer.alloc(0);
  const transport = new thrift.TBufferedTransport(undefined, (msg?: Buffer) => {
    if (msg) out = msg;
  });
  const p = protocol === 'compact' ? new thrift.TCompactProtocol(transport) : new thrift.TBinaryProtocol(transport);
  write(p);
  transport.flush();
  return out;
}

describe('Jaeger Thrift codec', () => {
  for (const protocol of ['binary', 'compact'] as const) {
    it(`${protocol}: any batch comes back unchanged from a Batch struct and from an emitBatch message`, () => {
      fc.assert(
        fc.property(wireBatchArb('thrift'), (batch) => {
          assert.deepStrictEqual(decodeBatchThrift(encodeBatchThrift(batch, protocol), protocol), batch);
          assert.deepStrictEqual(decodeEmitBatch(encodeEmitBatch(batch, protocol), protocol), batch);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${protocol}: the bytes of a jaeger-client batch are the golden ones, and read back`, (t) => {
      const bytes = encodeEmitBatch(clientBatch(), protocol);
      assertGolden(t, `jaeger/client-batch.emit-${protocol}.hex`, hexLines(bytes));
      assert.deepStrictEqual(decodeEmitBatch(fromHex(readGolden(`jaeger/client-batch.emit-${protocol}.hex`)), protocol), clientBatch());
    });

    it(`${protocol}: unknown fields of any type are skipped, a field of the wrong type too`, () => {
      const bytes = rawThrift(protocol, (p) => {
        p.writeStructBegin('Batch');
        p.writeFieldBegin('future', thrift.Thrift.Type.LIST, 9);
        p.writeListBegin(thrift.Thrift.Type.STRUCT, 1);
        p.writeStructBegin('X');
        p.writeFieldBegin('flag', thrift.Thrift.Type.BOOL, 1);
        p.writeBool(true);
        p.writeFieldEnd();
        p.writeFieldBegin('n', thrift.Thrift.Type.I64, 2);
        p.writeI64(-5);
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeListEnd();
        p.writeFieldEnd();
        p.writeFieldBegin('process', thrift.Thrift.Type.STRUCT, 1);
        p.writeStructBegin('Process');
        p.writeFieldBegin('serviceName', thrift.Thrift.Type.STRING, 1);
        p.writeString('svc');
        p.writeFieldEnd();
        p.writeFieldBegin('tags', thrift.Thrift.Type.I32, 2); // wrong type: skipped
        p.writeI32(7);
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeFieldEnd();
        p.writeFieldBegin('spans', thrift.Thrift.Type.LIST, 2);
        p.writeListBegin(thrift.Thrift.Type.STRUCT, 0);
        p.writeListEnd();
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
      });
      assert.deepStrictEqual(decodeBatchThrift(bytes, protocol), { process: { serviceName: 'svc', tags: [] }, spans: [] });
    });

    it(`${protocol}: a missing required field is named`, () => {
      const noSpanId = rawThrift(protocol, (p) => {
        p.writeStructBegin('Batch');
        p.writeFieldBegin('process', thrift.Thrift.Type.STRUCT, 1);
        p.writeStructBegin('Process');
        p.writeFieldBegin('serviceName', thrift.Thrift.Type.STRING, 1);
        p.writeString('svc');
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeFieldEnd();
        p.writeFieldBegin('spans', thrift.Thrift.Type.LIST, 2);
        p.writeListBegin(thrift.Thrift.Type.STRUCT, 1);
        p.writeStructBegin('Span');
        p.writeFieldBegin('traceIdLow', thrift.Thrift.Type.I64, 1);
        p.writeI64(1);
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeListEnd();
        p.writeFieldEnd();
        p.writeFieldStop();
        p.writeStructEnd();
      });
      rejects(() => decodeBatchThrift(noSpanId, protocol), /Batch: spans\[0\]\.traceIdHigh: is required/);
    });

    it(`${protocol}: an unknown tag type, a truncated input and trailing bytes are refused`, () => {
      const bad = clientBatch();
      bad.spans[1]!.tags[0] = tag('k', 'v');
      const bytes = encodeBatchThrift(bad, protocol);
      // vType STRING (0) -> 9: find the tag's vType in the span's tags and patch it.
      const patched = encodeBatchThrift({ process: { serviceName: 's', tags: [tag('k', 'v')] }, spans: [] }, protocol);
      const at = protocol === 'binary' ? patched.indexOf(Buffer.from([0x08, 0x00, 0x02, 0, 0, 0, 0])) + 6 : patched.indexOf(Buffer.from([0x15, 0x00])) + 1;
      patched[at] = protocol === 'binary' ? 9 : 18; // zigzag(9) in compact
      rejects(() => decodeBatchThrift(patched, protocol), /process\.tags\[0\]\.vType: must be 0 to 4 .* got 9/);
      rejects(() => decodeBatchThrift(bytes.subarray(0, bytes.length - 9), protocol), /truncated/);
      rejects(() => decodeBatchThrift(Buffer.concat([bytes, Buffer.from([0])]), protocol), /unexpected bytes after the Batch/);
    });

    it(`${protocol}: emitZipkinBatch and other methods are refused by name`, () => {
      const zipkin = rawThrift(protocol, (p) => {
        p.writeMessageBegin('emitZipkinBatch', thrift.Thrift.MessageType.ONEWAY, 1);
        p.writeStructBegin('args');
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeMessageEnd();
      });
      rejects(() => decodeEmitBatch(zipkin, protocol), /emitZipkinBatch .*not served here/);
      const other = rawThrift(protocol, (p) => {
        p.writeMessageBegin('getSamplingStrategy', thrift.Thrift.MessageType.CALL, 1);
        p.writeStructBegin('args');
        p.writeFieldStop();
        p.writeStructEnd();
        p.writeMessageEnd();
      });
      rejects(() => decodeEmitBatch(other, protocol), /unknown Agent method "getSamplingStrategy"/);
    });

    it(`${protocol}: a list claiming more elements than bytes left is refused before reading them`, () => {
      const bytes = rawThrift(protocol, (p) => {
        p.writeStructBegin('Batch');
        p.writeFieldBegin('spans', thrift.Thrift.Type.LIST, 2);
        p.writeListBegin(thrift.Thrift.Type.STRUCT, 2_000_000_000);
      });
      rejects(() => decodeBatchThrift(bytes, protocol), /spans: truncated/);
    });
  }

  it('deeply nested unknown fields are refused, not recursed into without bound', () => {
    const depth = 200;
    const bytes = rawThrift('binary', (p) => {
      p.writeStructBegin('Batch');
      for (let i = 0; i < depth; i++) {
        p.writeFieldBegin('x', thrift.Thrift.Type.STRUCT, 9);
        p.writeStructBegin('X');
      }
    });
    rejects(() => decodeBatchThrift(bytes, 'binary'), /nested deeper than 32 levels/);
  });

  it('a log timestamp and start time in microseconds become nanoseconds; out, nanoseconds are truncated to microseconds', () => {
    const b: JaegerBatch = { process: { serviceName: 's', tags: [] }, spans: [jSpan({ startTimeUnixNano: 1_999n, durationNano: 2_500n })] };
    const back = decodeBatchThrift(encodeBatchThrift(b));
    assert.equal(back.spans[0]!.startTimeUnixNano, 1_000n);
    assert.equal(back.spans[0]!.durationNano, 2_000n);
  });
});

describe('Jaeger protobuf codec', () => {
  it('any batch comes back unchanged from a PostSpansRequest', () => {
    fc.assert(
      fc.property(wireBatchArb('proto'), (batch) => {
        assert.deepStrictEqual(decodePostSpansProto(encodePostSpansProto(batch)), batch);
      }),
      { numRuns: RUNS },
    );
  });

  it('the bytes of a jaeger-client batch are the golden ones, and read back', (t) => {
    const bytes = encodePostSpansProto(clientBatch());
    assertGolden(t, 'jaeger/client-batch.proto.hex', hexLines(bytes));
    assert.deepStrictEqual(decodePostSpansProto(fromHex(readGolden('jaeger/client-batch.proto.hex'))), asProto(clientBatch()));
  });

  it('reads what protobufjs writes from the schema, field for field (KeyValue types, Timestamp, Duration, span process)', () => {
    const bytes = PostSpansRequestType.encode(
      PostSpansRequestType.fromObject({
        batch: {
          spans: [
            {
              traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
              spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
              operationName: 'op',
              flags: 1,
              startTime: { seconds: 1_700_000_000, nanos: 5 },
              duration: { seconds: -1, nanos: -500 },
              tags: [
                { key: 'b', vType: 'BOOL', vBool: true },
                { key: 'i', vType: 'INT64', vInt64: '-9223372036854775808' },
                { key: 'f', vType: 'FLOAT64', vFloat64: 1.5 },
                { key: 'x', vType: 'BINARY', vBinary: Buffer.from([1, 2]) },
                { key: 's', vStr: 'text' },
              ],
              process: { serviceName: 'own' },
            },
          ],
        },
      }),
    ).finish();
    const batch = decodePostSpansProto(bytes);
    assert.equal(batch.process, undefined);
    const [span] = batch.spans;
    assert.equal(span!.startTimeUnixNano, 1_700_000_000_000_000_005n);
    assert.equal(span!.durationNano, -1_000_000_500n);
    assert.deepStrictEqual(span!.process, { serviceName: 'own', tags: [] });
    assert.equal(
      render(span!.tags),
      render([tag('b', true), tag('i', -(2n ** 63n)), tag('f', 1.5), tag('x', { kind: 'bytes', value: new Uint8Array([1, 2]) }), tag('s', 'text')]),
    );
  });

  it('IDs of the wrong size, an unknown value type, nanos out of range and bad protobuf are refused with their path', () => {
    const encode = (span: Record<string, unknown>) => PostSpansRequestType.encode(PostSpansRequestType.fromObject({ batch: { spans: [span] } })).finish();
    const ids = { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1) };
    rejects(() => decodePostSpansProto(encode({ ...ids, traceId: Buffer.alloc(8, 1) })), /batch\.spans\[0\]\.trace_id: must be 16 bytes, got 8/);
    rejects(() => decodePostSpansProto(encode({ ...ids, spanId: Buffer.alloc(0) })), /batch\.spans\[0\]\.span_id: must be 8 bytes, got 0/);
    rejects(() => decodePostSpansProto(encode({ ...ids, tags: [{ key: 'k', vType: 7 }] })), /batch\.spans\[0\]\.tags\[0\]\.v_type: must be 0 to 4/);
    rejects(() => decodePostSpansProto(encode({ ...ids, references: [{ traceId: Buffer.alloc(16, 2), spanId: Buffer.alloc(8, 2), refType: 5 }] })), /references\[0\]\.ref_type: must be 0 \(CHILD_OF\) or 1/);
    rejects(() => decodePostSpansProto(encode({ ...ids, startTime: { seconds: 1, nanos: -1 } })), /batch\.spans\[0\]\.start_time: nanos out of range/);
    rejects(() => decodePostSpansProto(Buffer.from([0x0a, 0x05, 0x0a])), /invalid Jaeger protobuf/);
  });

  it('an empty request is an empty batch', () => {
    assert.deepStrictEqual(decodePostSpansProto(new Uint8Array(0)), { process: undefined, spans: [] });
  });
});
