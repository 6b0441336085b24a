// google.rpc.Status: the error body of OTLP/HTTP (protobuf or JSON) and the
// `grpc-status-details-bin` trailer of gRPC. Receivers write it, exporters read
// the message and the RetryInfo delay (a server's "come back in N ms"; the OTLP
// specification asks for it with RESOURCE_EXHAUSTED and allows it with
// UNAVAILABLE). Written by hand on protobufjs's wire reader and writer because
// it is three small messages and we need only these fields; a schema and
// reflection would cost more than they save.
import protobuf from 'protobufjs/minimal.js';
import { InvalidInputError, errorMessage } from '../errors.js';

export interface RpcStatus {
  /** A gRPC status code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...). */
  code: number;
  message: string;
  /** Carried as a google.rpc.RetryInfo detail when set. */
  retryAfterMs?: number;
}

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const tag = (field: number, wireType: number): number => (field << 3) | wireType;

/** Protobuf encoding; proto3 style, so zero and empty fields are left out. */
export function encodeRpcStatusProto(status: RpcStatus): Uint8Array {
  const w = protobuf.Writer.create();
  if (status.code !== 0) w.uint32(tag(1, WIRE_VARINT)).int32(status.code);
  if (status.message !== '') w.uint32(tag(2, WIRE_LEN)).string(status.message);
  if (status.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.round(status.retryAfterMs));
    const duration = protobuf.Writer.create();
    if (ms >= 1_000) duration.uint32(tag(1, WIRE_VARINT)).int64(Math.floor(ms / 1_000));
    if (ms % 1_000 !== 0) duration.uint32(tag(2, WIRE_VARINT)).int32((ms % 1_000) * 1_000_000);
    const retryInfo = protobuf.Writer.create().uint32(tag(1, WIRE_LEN)).bytes(duration.finish()).finish();
    const any = protobuf.Writer.create()
      .uint32(tag(1, WIRE_LEN))
      .string(RETRY_INFO_TYPE_URL)
      .uint32(tag(2, WIRE_LEN))
      .bytes(retryInfo)
      .finish();
    w.uint32(tag(3, WIRE_LEN)).bytes(any);
  }
  return w.finish();
}

/** proto3 JSON mapping of google.rpc.Status, RetryInfo's delay as a Duration string ("1.500s"). */
export function encodeRpcStatusJson(status: RpcStatus): string {
  const body: { code: number; message: string; details?: unknown[] } = { code: status.code, message: status.message };
  if (status.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.round(status.retryAfterMs));
    body.details = [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${(ms / 1_000).toFixed(3)}s` }];
  }
  return JSON.stringify(body);
}

/**
 * Reads a protobuf google.rpc.Status. Details other than RetryInfo and unknown
 * fields are skipped; malformed bytes throw an InvalidInputError.
 */
export function decodeRpcStatusProto(bytes: Uint8Array): RpcStatus {
  try {
    const status: RpcStatus = { code: 0, message: '' };
    const r = protobuf.Reader.create(bytes);
    while (r.pos < r.len) {
      const t = r.uint32();
      if (t === tag(1, WIRE_VARINT)) status.code = r.int32();
      else if (t === tag(2, WIRE_LEN)) status.message = r.string();
      else if (t === tag(3, WIRE_LEN)) {
        const delayMs = retryDelayFromAny(r.bytes());
        if (delayMs !== undefined) status.retryAfterMs = delayMs;
      } else r.skipType(t & 7);
    }
    return status;
  } catch (err) {
    throw new InvalidInputError(`malformed google.rpc.Status: ${errorMessage(err)}`, { cause: err });
  }
}

// A google.protobuf.Any: only a RetryInfo is of interest.
function retryDelayFromAny(bytes: Uint8Array): number | undefined {
  const r = protobuf.Reader.create(bytes);
  let typeUrl = '';
  let value: Uint8Array | undefined;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === tag(1, WIRE_LEN)) typeUrl = r.string();
    else if (t === tag(2, WIRE_LEN)) value = r.bytes();
    else r.skipType(t & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE_URL || value === undefined) return undefined;
  const info = protobuf.Reader.create(value);
  while (info.pos < info.len) {
    const t = info.uint32();
    if (t === tag(1, WIRE_LEN)) return durationMs(info.bytes());
    info.skipType(t & 7);
  }
  // A RetryInfo without retry_delay gives no hint.
  return undefined;
}

function durationMs(bytes: Uint8Array): number {
  const r = protobuf.Reader.create(bytes);
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.len) {
    const t = r.uint32();
    // int64 seconds: a delay beyond 2^53 ms is meaningless, so a number is fine.
    if (t === tag(1, WIRE_VARINT)) seconds = Number(r.int64().toString());
    else if (t === tag(2, WIRE_VARINT)) nanos = r.int32();
    else r.skipType(t & 7);
  }
  // A negative delay from a confused server means "now", not "in the past".
  return Math.max(0, seconds * 1_000 + Math.round(nanos / 1e6));
}
