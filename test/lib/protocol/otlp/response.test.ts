// ExportTraceServiceResponse / ExportMetricsServiceResponse: full success is
// the empty message; partial success carries the rejected count and message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../../lib/errors.js';
import {
  decodeMetricsResponseJson,
  decodeMetricsResponseProto,
  decodeTraceResponseJson,
  decodeTraceResponseProto,
  encodeMetricsResponseJson,
  encodeMetricsResponseProto,
  encodeTraceResponseJson,
  encodeTraceResponseProto,
} from '../../../../lib/protocol/otlp/index.js';

describe('OTLP export responses', () => {
  it('encode full success as the empty message', () => {
    assert.equal(encodeTraceResponseProto().length, 0);
    assert.equal(encodeMetricsResponseProto({ rejected: 0, message: '' }).length, 0);
    assert.equal(encodeTraceResponseJson(), '{}');
    assert.equal(encodeMetricsResponseJson(), '{}');
  });

  it('encode partial success with the field numbers and names of the specification', () => {
    // partial_success = 1 { rejected_spans = 1: 3, error_message = 2: "x" }
    assert.equal(Buffer.from(encodeTraceResponseProto({ rejected: 3, message: 'x' })).toString('hex'), '0a050803120178');
    assert.equal(
      encodeTraceResponseJson({ rejected: 3, message: 'x' }),
      '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"x"}}',
    );
    assert.equal(
      encodeMetricsResponseJson({ rejected: 2, message: '' }),
      '{"partialSuccess":{"rejectedDataPoints":"2"}}',
    );
    assert.equal(encodeTraceResponseJson({ rejected: 0, message: 'warning' }), '{"partialSuccess":{"errorMessage":"warning"}}');
  });

  it('decode what they encode', () => {
    const p = { rejected: 12345678901, message: 'quota exceeded' };
    assert.deepStrictEqual(decodeTraceResponseProto(encodeTraceResponseProto(p)), p);
    assert.deepStrictEqual(decodeMetricsResponseProto(encodeMetricsResponseProto(p)), p);
    assert.deepStrictEqual(decodeTraceResponseJson(encodeTraceResponseJson(p)), p);
    assert.deepStrictEqual(decodeMetricsResponseJson(encodeMetricsResponseJson(p)), p);
    assert.deepStrictEqual(decodeTraceResponseProto(new Uint8Array(0)), { rejected: 0, message: '' });
    assert.deepStrictEqual(decodeMetricsResponseJson('{}'), { rejected: 0, message: '' });
  });

  it('reject malformed responses with InvalidInputError', () => {
    assert.throws(() => decodeTraceResponseProto(Buffer.from([0x0a, 0x09])), InvalidInputError);
    assert.throws(() => decodeTraceResponseJson('{"partialSuccess":{"rejectedSpans":"x"}}'), InvalidInputError);
    assert.throws(() => decodeMetricsResponseJson('nope'), InvalidInputError);
  });
});
