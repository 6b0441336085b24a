// ExportTraceServiceResponse and ExportMetricsServiceResponse, in protobuf and
// OTLP/JSON. Receivers encode them; the OTLP exporter decodes a backend's.
// Full success is the empty message; partial_success is set only when something
// was rejected or there is a message to pass on, as the specification asks.
import type protobuf from 'protobufjs';
import { bigIntToLong, longToBigInt, type LongBits } from './int64.js';
import { int64, object, parseJson, rootObject, string, type JsonObject } from './json-common.js';
import { decodeMessage } from './proto-decode.js';
import { MetricsResponseType, TraceResponseType } from './proto-root.js';

export interface PartialSuccess {
  /** Spans (traces) or data points (metrics) the server did not accept. */
  rejected: number;
  message: string;
}

const isEmpty = (p: PartialSuccess | undefined): p is undefined => p === undefined || (p.rejected === 0 && p.message === '');

function encodeProto(type: protobuf.Type, rejectedKey: string, partial: PartialSuccess | undefined): Uint8Array {
  if (isEmpty(partial)) return new Uint8Array(0);
  const rejected = bigIntToLong(BigInt(Math.trunc(partial.rejected)));
  return type.encode({ partialSuccess: { [rejectedKey]: rejected, errorMessage: partial.message } }).finish();
}

function encodeJson(rejectedKey: string, partial: PartialSuccess | undefined): string {
  if (isEmpty(partial)) return '{}';
  const p: JsonObject = {};
  if (partial.rejected !== 0) p[rejectedKey] = String(Math.trunc(partial.rejected));
  if (partial.message !== '') p.errorMessage = partial.message;
  return JSON.stringify({ partialSuccess: p });
}

interface PbResponse {
  partialSuccess?: { errorMessage?: string; [rejected: string]: unknown } | null;
}

function decodeProto(type: protobuf.Type, rejectedKey: string, buf: Uint8Array): PartialSuccess {
  const msg = decodeMessage(type, buf) as PbResponse;
  const p = msg.partialSuccess;
  if (p == null) return { rejected: 0, message: '' };
  const r = p[rejectedKey] as LongBits | undefined;
  return { rejected: r === undefined ? 0 : Number(longToBigInt(r, false)), message: p.errorMessage ?? '' };
}

function decodeJson(rejectedKey: string, text: string | Uint8Array): PartialSuccess {
  const p = object(rootObject(parseJson(text)).partialSuccess, 'partialSuccess');
  if (p === undefined) return { rejected: 0, message: '' };
  return { rejected: Number(int64(p[rejectedKey], rejectedKey, false)), message: string(p.errorMessage, 'errorMessage') };
}

export const encodeTraceResponseProto = (partial?: PartialSuccess): Uint8Array =>
  encodeProto(TraceResponseType, 'rejectedSpans', partial);
export const encodeMetricsResponseProto = (partial?: PartialSuccess): Uint8Array =>
  encodeProto(MetricsResponseType, 'rejectedDataPoints', partial);
export const encodeTraceResponseJson = (partial?: PartialSuccess): string => encodeJson('rejectedSpans', partial);
export const encodeMetricsResponseJson = (partial?: PartialSuccess): string => encodeJson('rejectedDataPoints', partial);

export const decodeTraceResponseProto = (buf: Uint8Array): PartialSuccess =>
  decodeProto(TraceResponseType, 'rejectedSpans', buf);
export const decodeMetricsResponseProto = (buf: Uint8Array): PartialSuccess =>
  decodeProto(MetricsResponseType, 'rejectedDataPoints', buf);
export const decodeTraceResponseJson = (text: string | Uint8Array): PartialSuccess => decodeJson('rejectedSpans', text);
export const decodeMetricsResponseJson = (text: string | Uint8Array): PartialSuccess =>
  decodeJson('rejectedDataPoints', text);
