// google.rpc.Status with a RetryInfo detail: encode and decode agree, and
// fields this scan does not know are skipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs/minimal.js';
import { decodeRpcStatus, encodeRpcStatus } from '../../../lib/backend/rpc-status.js';

test('round trips code, message and retry delay', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 16 }), fc.string(), fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }), (code, message, retryDelayMs) => {
      const status = retryDelayMs === undefined ? { code, message } : { code, message, retryDelayMs };
      assert.deepEqual(decodeRpcStatus(encodeRpcStatus(status)), status);
    }),
  );
});

test('details of other types and unknown fields are skipped', () => {
  const otherDetail = protobuf.Writer.create().uint32(10).string('type.googleapis.com/google.rpc.DebugInfo').uint32(18).bytes(new Uint8Array([1, 2])).finish();
  const bytes = protobuf.Writer.create()
    .uint32(8).int32(14)
    .uint32(26).bytes(otherDetail)
    .uint32(7 << 3).uint64(99)
    .uint32(18).string('later')
    .finish();
  assert.deepEqual(decodeRpcStatus(bytes), { code: 14, message: 'later' });
});

test('malformed bytes throw rather than returning garbage', () => {
  assert.throws(() => decodeRpcStatus(new Uint8Array([0x12, 0x05, 0x61])));
});
