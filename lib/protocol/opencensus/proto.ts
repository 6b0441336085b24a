// OpenCensus protobuf codec: bytes <-> the plain messages of types.ts.
//
// Decoding parses with protobufjs (proto-root.ts) and walks the decoded objects
// directly, without toObject, which is several times slower. It throws only
// InvalidInputError: a broken wire format, or a Timestamp whose nanos are
// outside [0, 1e9) (`spans[3].start_time: ...`). Nothing else is validated here
// (ID lengths, enum numbers): unknown enum numbers are kept as they are, and the
// translation decides what is acceptable.
//
// Encoding builds the plain objects protobufjs's encoder reads, leaving out
// fields at their proto3 default (undefined is skipped by the encoder), so the
// bytes are what other protobuf libraries write.
import type {
  OcExportMetricsRequest,
  OcExportTraceRequest,
  OcLibraryConfig,
  OcNode,
  OcSampler,
  OcTraceConfig,
} from './types.js';
import type { LongBits } from '../otlp/int64.js';
import { decodeMessage } from '../otlp/proto-decode.js';
import { guard, mapAt } from '../decode-error.js';
import {
  dbl,
  entriesFromPb,
  entriesToPb,
  int64FromPb,
  int64ToPb,
  num,
  resourceFromPb,
  resourceToPb,
  str,
  timeFromPb,
  timeToPb,
  type PbEntry,
  type PbResource,
  type PbTimestamp,
} from './proto-common.js';
import { metricFromPb, metricToPb, type PbMetric } from './proto-metrics.js';
import { OcLibraryConfigType, OcMetricsRequestType, OcTraceRequestType } from './proto-root.js';
import { spanFromPb, spanToPb, type PbSpan } from './proto-traces.js';

// ---- shapes protobufjs decodes into (and encodes from); see proto-common.ts ----

interface PbNode {
  identifier?: { hostName?: string; pid?: number; startTimestamp?: PbTimestamp | null } | null;
  libraryInfo?: { language?: number; exporterVersion?: string; coreLibraryVersion?: string } | null;
  serviceInfo?: { name?: string } | null;
  attributes?: PbEntry<string>[];
}
interface PbTraceConfig {
  sampler?: string;
  probabilitySampler?: { samplingProbability?: number } | null;
  constantSampler?: { decision?: number } | null;
  rateLimitingSampler?: { qps?: LongBits } | null;
  maxNumberOfAttributes?: LongBits;
  maxNumberOfAnnotations?: LongBits;
  maxNumberOfMessageEvents?: LongBits;
  maxNumberOfLinks?: LongBits;
}
interface PbRequest<T> {
  node?: PbNode | null;
  spans?: T[];
  metrics?: T[];
  resource?: PbResource | null;
}

// ---- decoding ----

const LABEL = 'OpenCensus';

export function decodeTraceRequestProto(bytes: Uint8Array): OcExportTraceRequest {
  const msg = decodeMessage(OcTraceRequestType, bytes, LABEL) as PbRequest<PbSpan>;
  return guard(
    (m): OcExportTraceRequest => ({
      node: nodeFromPb(m.node),
      spans: mapAt(m.spans ?? [], 'spans', spanFromPb),
      resource: resourceFromPb(m.resource),
    }),
    msg,
  );
}

export function decodeMetricsRequestProto(bytes: Uint8Array): OcExportMetricsRequest {
  const msg = decodeMessage(OcMetricsRequestType, bytes, LABEL) as PbRequest<PbMetric>;
  return guard(
    (m): OcExportMetricsRequest => ({
      node: nodeFromPb(m.node),
      metrics: mapAt(m.metrics ?? [], 'metrics', metricFromPb),
      resource: resourceFromPb(m.resource),
    }),
    msg,
  );
}

/** CurrentLibraryConfig and UpdatedLibraryConfig share one wire shape. */
export function decodeLibraryConfigProto(bytes: Uint8Array): OcLibraryConfig {
  const msg = decodeMessage(OcLibraryConfigType, bytes, LABEL) as { node?: PbNode | null; config?: PbTraceConfig | null };
  return guard((m): OcLibraryConfig => ({ node: nodeFromPb(m.node), config: traceConfigFromPb(m.config) }), msg);
}

function nodeFromPb(n: PbNode | null | undefined): OcNode | undefined {
  if (n == null) return undefined;
  const id = n.identifier;
  const lib = n.libraryInfo;
  return {
    identifier:
      id == null
        ? undefined
        : {
            hostName: id.hostName ?? '',
            pid: id.pid ?? 0,
            startTimestamp: timeFromPb(id.startTimestamp, 'node.identifier.start_timestamp'),
          },
    libraryInfo:
      lib == null
        ? undefined
        : {
            language: lib.language ?? 0,
            exporterVersion: lib.exporterVersion ?? '',
            coreLibraryVersion: lib.coreLibraryVersion ?? '',
          },
    serviceInfo: n.serviceInfo == null ? undefined : { name: n.serviceInfo.name ?? '' },
    attributes: entriesFromPb(n.attributes),
  };
}

function samplerFromPb(c: PbTraceConfig): OcSampler | undefined {
  switch (c.sampler) {
    case 'probabilitySampler':
      return { kind: 'probability', samplingProbability: c.probabilitySampler?.samplingProbability ?? 0 };
    case 'constantSampler':
      return { kind: 'constant', decision: c.constantSampler?.decision ?? 0 };
    case 'rateLimitingSampler':
      return { kind: 'rateLimiting', qps: int64FromPb(c.rateLimitingSampler?.qps) };
    default:
      return undefined;
  }
}

function traceConfigFromPb(c: PbTraceConfig | null | undefined): OcTraceConfig | undefined {
  if (c == null) return undefined;
  return {
    sampler: samplerFromPb(c),
    maxNumberOfAttributes: int64FromPb(c.maxNumberOfAttributes),
    maxNumberOfAnnotations: int64FromPb(c.maxNumberOfAnnotations),
    maxNumberOfMessageEvents: int64FromPb(c.maxNumberOfMessageEvents),
    maxNumberOfLinks: int64FromPb(c.maxNumberOfLinks),
  };
}

// ---- encoding ----

function nodeToPb(n: OcNode | undefined): PbNode | undefined {
  if (n === undefined) return undefined;
  const { identifier: id, libraryInfo: lib } = n;
  return {
    identifier: id && { hostName: str(id.hostName), pid: num(id.pid), startTimestamp: timeToPb(id.startTimestamp) },
    libraryInfo: lib && {
      language: num(lib.language),
      exporterVersion: str(lib.exporterVersion),
      coreLibraryVersion: str(lib.coreLibraryVersion),
    },
    serviceInfo: n.serviceInfo && { name: str(n.serviceInfo.name) },
    attributes: entriesToPb(n.attributes),
  };
}

function traceConfigToPb(c: OcTraceConfig | undefined): PbTraceConfig | undefined {
  if (c === undefined) return undefined;
  const out: PbTraceConfig = {
    maxNumberOfAttributes: int64ToPb(c.maxNumberOfAttributes),
    maxNumberOfAnnotations: int64ToPb(c.maxNumberOfAnnotations),
    maxNumberOfMessageEvents: int64ToPb(c.maxNumberOfMessageEvents),
    maxNumberOfLinks: int64ToPb(c.maxNumberOfLinks),
  };
  const s = c.sampler;
  if (s?.kind === 'probability') out.probabilitySampler = { samplingProbability: dbl(s.samplingProbability) };
  else if (s?.kind === 'constant') out.constantSampler = { decision: num(s.decision) };
  else if (s?.kind === 'rateLimiting') out.rateLimitingSampler = { qps: int64ToPb(s.qps) };
  return out;
}

export function encodeTraceRequestProto(request: OcExportTraceRequest): Uint8Array {
  const msg: PbRequest<PbSpan> = {
    node: nodeToPb(request.node),
    spans: request.spans.map(spanToPb),
    resource: resourceToPb(request.resource),
  };
  return OcTraceRequestType.encode(msg).finish();
}

export function encodeMetricsRequestProto(request: OcExportMetricsRequest): Uint8Array {
  const msg: PbRequest<PbMetric> = {
    node: nodeToPb(request.node),
    metrics: request.metrics.map(metricToPb),
    resource: resourceToPb(request.resource),
  };
  return OcMetricsRequestType.encode(msg).finish();
}

export function encodeLibraryConfigProto(config: OcLibraryConfig): Uint8Array {
  return OcLibraryConfigType.encode({ node: nodeToPb(config.node), config: traceConfigToPb(config.config) }).finish();
}
