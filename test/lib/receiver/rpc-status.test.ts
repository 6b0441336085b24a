import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRpcStatusProto, encodeRpcStatusJson, encodeRpcStatusProto } from '../../../lib/receiver/rpc-status.js';

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

test('a malformed Status is an InvalidInputError', () => {
  assert.throws(() => decodeRpcStatusProto(Uint8Array.from([0x12, 0x05, 0x01])), { name: 'InvalidInputError' });
});
