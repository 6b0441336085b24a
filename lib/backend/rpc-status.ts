// google.rpc.Status, the error detail that gRPC servers put in the
// `grpc-status-details-bin` trailer and OTLP/HTTP servers send as an error
// body. Exporters read only its message and the RetryInfo delay (a server's
// "come back in N ms"), so this is a hand-written scan of those few fields
// rather than a full schema. The encoder exists for test sinks and receivers.
import protobuf from 'protobufjs/minimal.js';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';
const WIRE_VARINT = 0;
const WIRE_LEN = 2;

export interface RpcStatus {
  code: number;
  message: string;
  /** From a google.rpc.RetryInfo detail, when present. */
  retryDelayMs?: number;
}

/** Decodes a google.rpc.Status; throws on malformed bytes. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const reader = protobuf.Reader.create(bytes);
  const status: RpcStatus = { code: 0, message: '' };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_VARINT) status.code = reader.int32();
    else if (field === 2 && (tag & 7) === WIRE_LEN) status.message = reader.string();
    else if (field === 3 && (tag & 7) === WIRE_LEN) {
      const delayMs = retryDelayFromAny(reader.bytes());
      if (delayMs !== undefined) status.retryDelayMs = delayMs;
    } else reader.skipType(tag & 7);
  }
  return status;
}

function retryDelayFromAny(bytes: Uint8Array): number | undefined {
  const reader = protobuf.Reader.create(bytes);
  let typeUrl = '';
  let value: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) typeUrl = reader.string();
    else if (tag >>> 3 === 2 && (tag & 7) === WIRE_LEN) value = reader.bytes();
    else reader.skipType(tag & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE || value === undefined) return undefined;
  const info = protobuf.Reader.create(value);
  while (info.pos < info.len) {
    const tag = info.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) return durationMs(info.bytes());
    info.skipType(tag & 7);
  }
  return undefined;
}

function durationMs(bytes: Uint8Array): number {
  const reader = protobuf.Reader.create(bytes);
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    // int64 seconds: a delay beyond 2^53 ms is meaningless, so a number is fine.
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_VARINT) seconds = Number(reader.int64().toString());
    else if (tag >>> 3 === 2 && (tag & 7) === WIRE_VARINT) nanos = reader.int32();
    else reader.skipType(tag & 7);
  }
  return Math.max(0, seconds * 1000 + Math.round(nanos / 1e6));
}

/** Encodes a google.rpc.Status, with a RetryInfo detail when retryDelayMs is set. */
export function encodeRpcStatus(status: RpcStatus): Uint8Array {
  const writer = protobuf.Writer.create();
  if (status.code !== 0) writer.uint32((1 << 3) | WIRE_VARINT).int32(status.code);
  if (status.message !== '') writer.uint32((2 << 3) | WIRE_LEN).string(status.message);
  if (status.retryDelayMs !== undefined) {
    const ms = Math.max(0, Math.round(status.retryDelayMs));
    const duration = protobuf.Writer.create();
    duration.uint32((1 << 3) | WIRE_VARINT).int64(Math.floor(ms / 1000));
    duration.uint32((2 << 3) | WIRE_VARINT).int32((ms % 1000) * 1e6);
    const retryInfo = protobuf.Writer.create().uint32((1 << 3) | WIRE_LEN).bytes(duration.finish());
    const any = protobuf.Writer.create()
      .uint32((1 << 3) | WIRE_LEN)
      .string(RETRY_INFO_TYPE)
      .uint32((2 << 3) | WIRE_LEN)
      .bytes(retryInfo.finish());
    writer.uint32((3 << 3) | WIRE_LEN).bytes(any.finish());
  }
  return writer.finish();
}
