// google.rpc.Status with a RetryInfo detail: encode and decode agree, the bytes
// and JSON follow status.proto, and fields this codec does not know are skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { decodeRpcStatusProto, encodeRpcStatusJson, encodeRpcStatusProto } from '../../../lib/protocol/rpc-status.js';

test('google.rpc.Status round-trips through protobuf, RetryInfo included', () => {
  for (const s of [
    { code: 3, message: 'bad span' },
    { code: 14, message: 'later', retryAfterMs: 1_500 },
    { code: 8, message: '', retryAfterMs: 0 },
    { code: 8, message: 'ü', retryAfterMs: 250 },
  ]) {
    assert.deepEqual(decodeRpcStatusProto(encodeRpcStatusProto(s)), s);
  }
});

test('round trips any code, message and retry delay', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 16 }), fc.string(), fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }), (code, message, retryAfterMs) => {
      const status = retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs };
      assert.deepEqual(decodeRpcStatusProto(encodeRpcStatusProto(status)), status);
    }),
  );
});

test('google.rpc.Status protobuf has the field numbers of status.proto', () => {
  // code = 3 (field 1, varint), message = "x" (field 2, length-delimited)
  assert.deepEqual([...encodeRpcStatusProto({ code: 3, message: 'x' })], [0x08, 0x03, 0x12, 0x01, 0x78]);
});

test('google.rpc.Status JSON follows the proto3 JSON mapping', () => {
  assert.deepEqual(JSON.parse(encodeRpcStatusJson({ code: 3, message: 'bad' })), { code: 3, message: 'bad' });
  assert.deepEqual(JSON.parse(encodeRpcStatusJson({ code: 14, message: 'later', retryAfterMs: 2_000 })), {
    code: 14,
    message: 'later',
    details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2.000s' }],
  });
});

test('details of other types and unknown fields are skipped', () => {
  const otherDetail = protobuf.Writer.create().uint32(10).string('type.googleapis.com/google.rpc.DebugInfo').uint32(18).bytes(new Uint8Array([1, 2])).finish();
  const bytes = protobuf.Writer.create()
    .uint32(8).int32(14)
    .uint32(26).bytes(otherDetail)
    .uint32(7 << 3).uint64(99)
    .uint32(18).string('later')
    .finish();
  assert.deepEqual(decodeRpcStatusProto(bytes), { code: 14, message: 'later' });
});

test('a malformed Status is an InvalidInputError', () => {
  assert.throws(() => decodeRpcStatusProto(Uint8Array.from([0x12, 0x05, 0x01])), { name: 'InvalidInputError' });
  assert.throws(() => decodeRpcStatusProto(new Uint8Array([0x12, 0x05, 0x61])), { name: 'InvalidInputError' });
});
