// google.rpc.Status: the error body of OTLP/HTTP (protobuf or JSON) and the
// `grpc-status-details-bin` trailer of gRPC. Written by hand because it is
// three small messages and we need it in both transports; a RetryInfo detail
// tells clients how long to wait (the OTLP specification asks for it with
// RESOURCE_EXHAUSTED, and allows it with UNAVAILABLE).
import protobuf from 'protobufjs/minimal.js';
import { InvalidInputError, errorMessage } from '../errors.js';

export interface RpcStatus {
  /** A gRPC status code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...). */
  code: number;
  message: string;
  /** Carried as a google.rpc.RetryInfo detail when set. */
  retryAfterMs?: number;
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

export function encodeRpcStatusProto(status: RpcStatus): Uint8Array {
  const w = protobuf.Writer.create();
  if (status.code !== 0) w.uint32((1 << 3) | 0).int32(status.code);
  if (status.message !== '') w.uint32((2 << 3) | 2).string(status.message);
  if (status.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.round(status.retryAfterMs));
    const duration = protobuf.Writer.create();
    if (ms >= 1_000) duration.uint32((1 << 3) | 0).int64(Math.floor(ms / 1_000));
    if (ms % 1_000 !== 0) duration.uint32((2 << 3) | 0).int32((ms % 1_000) * 1_000_000);
    const retryInfo = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(duration.finish()).finish();
    const any = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string(RETRY_INFO_TYPE_URL)
      .uint32((2 << 3) | 2)
      .bytes(retryInfo)
      .finish();
    w.uint32((3 << 3) | 2).bytes(any);
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

/** Reads a protobuf google.rpc.Status (from a backend's answer, or in tests). */
export function decodeRpcStatusProto(buf: Uint8Array): RpcStatus {
  try {
    const out: RpcStatus = { code: 0, message: '' };
    const r = protobuf.Reader.create(buf);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | 0)) out.code = r.int32();
      else if (tag === ((2 << 3) | 2)) out.message = r.string();
      else if (tag === ((3 << 3) | 2)) {
        const delay = readRetryDelayMs(r.bytes());
        if (delay !== undefined) out.retryAfterMs = delay;
      } else r.skipType(tag & 7);
    }
    return out;
  } catch (err) {
    throw new InvalidInputError(`malformed google.rpc.Status: ${errorMessage(err)}`, { cause: err });
  }
}

// An Any: only RetryInfo is of interest; other details are skipped.
function readRetryDelayMs(anyBytes: Uint8Array): number | undefined {
  const r = protobuf.Reader.create(anyBytes);
  let typeUrl = '';
  let value: Uint8Array | undefined;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) typeUrl = r.string();
    else if (tag === ((2 << 3) | 2)) value = r.bytes();
    else r.skipType(tag & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE_URL || value === undefined) return undefined;
  let ms = 0;
  const info = protobuf.Reader.create(value);
  while (info.pos < info.len) {
    const tag = info.uint32();
    if (tag !== ((1 << 3) | 2)) {
      info.skipType(tag & 7);
      continue;
    }
    const d = protobuf.Reader.create(info.bytes());
    while (d.pos < d.len) {
      const dtag = d.uint32();
      if (dtag === ((1 << 3) | 0)) ms += Number(d.int64().toString()) * 1_000;
      else if (dtag === ((2 << 3) | 0)) ms += Math.round(d.int32() / 1_000_000);
      else d.skipType(dtag & 7);
    }
  }
  return ms;
}
