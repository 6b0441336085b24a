// Zipkin v2 proto3 (zipkin.proto's ListOfSpans: the body of POST /api/v2/spans
// with application/x-protobuf) <-> ZipkinSpan. Reading checks sizes (IDs of 8
// or 16 bytes, IPs of 4 or 16) and ranges that protobuf cannot express, and
// says where a problem is (`[3].traceId: ...`).
import { bigIntToLong, longToBigInt, type LongBits } from '../otlp/int64.js';
import { decodeMessage } from '../otlp/proto-decode.js';
import { invalid, mapAt } from './errors.js';
import { ipv4FromBytes, ipv4ToBytes, ipv6FromBytes, ipv6ToBytes } from './ip.js';
import { ListOfSpansType } from './proto-root.js';
import { isEmptyEndpoint, MAX_MICROS, ZipkinKind, type ZipkinAnnotation, type ZipkinEndpoint, type ZipkinSpan } from './types.js';

interface PbEndpoint {
  serviceName?: string;
  ipv4?: Uint8Array;
  ipv6?: Uint8Array;
  port?: number;
}
interface PbAnnotation {
  timestamp?: LongBits;
  value?: string;
}
interface PbSpan {
  traceId?: Uint8Array;
  parentId?: Uint8Array;
  id?: Uint8Array;
  kind?: number;
  name?: string;
  timestamp?: LongBits;
  duration?: LongBits;
  localEndpoint?: PbEndpoint | null;
  remoteEndpoint?: PbEndpoint | null;
  annotations?: PbAnnotation[];
  tags?: { key?: string; value?: string }[];
  debug?: boolean;
  shared?: boolean;
}

/** Kind by its proto number; 0 and numbers from a newer schema read as absent. */
const KINDS: readonly (ZipkinKind | undefined)[] = [undefined, 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];
const KIND_NUMBERS: Record<ZipkinKind, number> = { CLIENT: 1, SERVER: 2, PRODUCER: 3, CONSUMER: 4 };

export function readV2Proto(body: Uint8Array): ZipkinSpan[] {
  const msg = decodeMessage(ListOfSpansType, body, 'Zipkin') as { spans?: PbSpan[] };
  return mapAt(msg.spans ?? [], '', spanFromPb);
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

function micros(l: LongBits | undefined, path: string): bigint {
  const n = l === undefined ? 0n : longToBigInt(l, true);
  if (n > MAX_MICROS) throw invalid(path, `must be at most ${MAX_MICROS} microseconds, got ${n}`);
  return n;
}

function spanFromPb(p: PbSpan): ZipkinSpan {
  const trace = p.traceId ?? new Uint8Array(0);
  if (trace.length !== 8 && trace.length !== 16) throw invalid('traceId', `must be 8 or 16 bytes, got ${trace.length} bytes`);
  if (isZero(trace)) throw invalid('traceId', 'must not be all zeros');
  const id = p.id ?? new Uint8Array(0);
  if (id.length !== 8) throw invalid('id', `must be 8 bytes, got ${id.length} bytes`);
  if (isZero(id)) throw invalid('id', 'must not be all zeros');
  const parent = p.parentId ?? new Uint8Array(0);
  if (parent.length !== 0 && parent.length !== 8) throw invalid('parentId', `must be empty or 8 bytes, got ${parent.length} bytes`);
  const timestamp = micros(p.timestamp, 'timestamp');
  const duration = micros(p.duration, 'duration');
  if (timestamp + duration > MAX_MICROS) throw invalid('duration', 'timestamp + duration is beyond the year 2554');
  const tags = new Map<string, string>();
  // A map on the wire: a later entry for a key replaces an earlier one.
  for (const t of p.tags ?? []) tags.set(t.key ?? '', t.value ?? '');
  return {
    traceId: hex(trace),
    id: hex(id),
    parentId: parent.length === 0 || isZero(parent) ? '' : hex(parent),
    kind: KINDS[p.kind ?? 0],
    name: p.name ?? '',
    timestamp,
    duration,
    localEndpoint: endpointFromPb(p.localEndpoint, 'localEndpoint'),
    remoteEndpoint: endpointFromPb(p.remoteEndpoint, 'remoteEndpoint'),
    annotations: mapAt(p.annotations ?? [], 'annotations', (a): ZipkinAnnotation => ({
      timestamp: micros(a.timestamp, 'timestamp'),
      value: a.value ?? '',
    })),
    tags,
    debug: p.debug === true,
    shared: p.shared === true,
  };
}

function endpointFromPb(e: PbEndpoint | null | undefined, path: string): ZipkinEndpoint | undefined {
  if (e == null) return undefined;
  const v4 = e.ipv4 ?? new Uint8Array(0);
  const v6 = e.ipv6 ?? new Uint8Array(0);
  const port = e.port ?? 0;
  if (v4.length !== 0 && v4.length !== 4) throw invalid(`${path}.ipv4`, `must be empty or 4 bytes, got ${v4.length} bytes`);
  if (v6.length !== 0 && v6.length !== 16) throw invalid(`${path}.ipv6`, `must be empty or 16 bytes, got ${v6.length} bytes`);
  if (port > 0xffff) throw invalid(`${path}.port`, `must be a port number (0 to 65535), got ${port}`);
  const out = {
    serviceName: e.serviceName ?? '',
    ipv4: v4.length === 4 ? ipv4FromBytes(v4) : '',
    ipv6: v6.length === 16 ? ipv6FromBytes(v6) : '',
    // Negative is absent, as in JSON (json-read.ts).
    port: port < 0 ? 0 : port,
  };
  return isEmptyEndpoint(out) ? undefined : out;
}

// ---- writing ----

export function writeV2Proto(spans: readonly ZipkinSpan[]): Uint8Array {
  return ListOfSpansType.encode({ spans: spans.map(spanToPb) }).finish();
}

function spanToPb(s: ZipkinSpan): PbSpan {
  const out: PbSpan = { traceId: Buffer.from(s.traceId, 'hex'), id: Buffer.from(s.id, 'hex') };
  if (s.parentId !== '') out.parentId = Buffer.from(s.parentId, 'hex');
  if (s.kind !== undefined) out.kind = KIND_NUMBERS[s.kind];
  if (s.name !== '') out.name = s.name;
  if (s.timestamp !== 0n) out.timestamp = bigIntToLong(s.timestamp);
  if (s.duration !== 0n) out.duration = bigIntToLong(s.duration);
  if (s.localEndpoint !== undefined) out.localEndpoint = endpointToPb(s.localEndpoint);
  if (s.remoteEndpoint !== undefined) out.remoteEndpoint = endpointToPb(s.remoteEndpoint);
  if (s.annotations.length > 0) {
    out.annotations = s.annotations.map((a) => ({ timestamp: bigIntToLong(a.timestamp), value: a.value }));
  }
  if (s.tags.size > 0) out.tags = Array.from(s.tags, ([key, value]) => ({ key, value }));
  if (s.debug) out.debug = true;
  if (s.shared) out.shared = true;
  return out;
}

/** IP text was validated when it was read (or chosen from the model), so it converts. */
function endpointToPb(e: ZipkinEndpoint): PbEndpoint {
  const out: PbEndpoint = {};
  if (e.serviceName !== '') out.serviceName = e.serviceName;
  const v4 = e.ipv4 === '' ? undefined : ipv4ToBytes(e.ipv4);
  if (v4 !== undefined) out.ipv4 = v4;
  const v6 = e.ipv6 === '' ? undefined : ipv6ToBytes(e.ipv6);
  if (v6 !== undefined) out.ipv6 = v6;
  if (e.port !== 0) out.port = e.port;
  return out;
}
