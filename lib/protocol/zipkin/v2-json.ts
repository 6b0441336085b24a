// Zipkin v2 JSON (zipkin2-api.yaml: the body of POST /api/v2/spans with
// application/json) <-> ZipkinSpan. Reading validates every field and says
// where a problem is (`[3].traceId: ...`); writing leaves out absent fields,
// as Zipkin's own encoder and the OpenTelemetry exporter specification do.
import { invalid, mapAt } from './errors.js';
import {
  array,
  boolean,
  endpoint,
  micros,
  object,
  parseJsonBody,
  preview,
  spanId,
  string,
  traceId,
  typeOf,
} from './json-read.js';
import { MAX_MICROS, ZipkinKind, type ZipkinAnnotation, type ZipkinEndpoint, type ZipkinSpan } from './types.js';

export function readV2Json(body: Uint8Array | string): ZipkinSpan[] {
  const root = parseJsonBody(body, 'Zipkin v2 JSON');
  if (!Array.isArray(root)) throw invalid('', `request must be a JSON array of spans, got ${typeOf(root)}`);
  return mapAt(root, '', spanFromJson);
}

function spanFromJson(v: unknown): ZipkinSpan {
  const o = object(v, '');
  if (o === undefined) throw invalid('', 'span must be an object, got null');
  const timestamp = micros(o.timestamp, 'timestamp');
  const duration = micros(o.duration, 'duration');
  if (timestamp + duration > MAX_MICROS) throw invalid('duration', 'timestamp + duration is beyond the year 2554');
  return {
    traceId: traceId(o.traceId, 'traceId'),
    id: spanId(o.id, 'id', true),
    parentId: spanId(o.parentId, 'parentId', false),
    kind: kind(o.kind),
    name: string(o.name, 'name'),
    timestamp,
    duration,
    localEndpoint: endpoint(o.localEndpoint, 'localEndpoint'),
    remoteEndpoint: endpoint(o.remoteEndpoint, 'remoteEndpoint'),
    annotations: mapAt(array(o.annotations, 'annotations'), 'annotations', annotationFromJson),
    tags: tags(o.tags),
    debug: boolean(o.debug, 'debug'),
    shared: boolean(o.shared, 'shared'),
  };
}

function kind(v: unknown): ZipkinKind | undefined {
  const s = string(v, 'kind');
  if (s === '') return undefined;
  if (!Object.hasOwn(ZipkinKind, s)) throw invalid('kind', `must be CLIENT, SERVER, PRODUCER or CONSUMER, got ${preview(s)}`);
  return s as ZipkinKind;
}

function annotationFromJson(v: unknown): ZipkinAnnotation {
  const o = object(v, '');
  if (o === undefined) throw invalid('', 'annotation must be an object, got null');
  // Zipkin rejects an annotation without its time or value: it cannot be placed or read.
  if (o.timestamp === undefined || o.timestamp === null) throw invalid('timestamp', 'is required');
  if (typeof o.value !== 'string') throw invalid('value', `must be a string, got ${typeOf(o.value)}`);
  return { timestamp: micros(o.timestamp, 'timestamp'), value: o.value };
}

/**
 * Tag values are strings; numbers and booleans are taken as their JSON text,
 * as Zipkin's reader does for numbers and some clients send for both.
 */
function tags(v: unknown): Map<string, string> {
  const o = object(v, 'tags');
  const out = new Map<string, string>();
  if (o === undefined) return out;
  for (const key of Object.keys(o)) {
    const value = o[key];
    if (typeof value === 'string') out.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') out.set(key, JSON.stringify(value));
    else throw invalid(`tags[${JSON.stringify(key)}]`, `must be a string, got ${typeOf(value)}`);
  }
  return out;
}

// ---- writing ----

/** Written by hand rather than with JSON.stringify: bigint times need no detour through number. */
export function writeV2Json(spans: readonly ZipkinSpan[]): string {
  const parts = new Array<string>(spans.length);
  for (let i = 0; i < spans.length; i++) parts[i] = spanToJson(spans[i]!);
  return `[${parts.join(',')}]`;
}

function spanToJson(s: ZipkinSpan): string {
  let out = `{"traceId":"${s.traceId}"`;
  if (s.parentId !== '') out += `,"parentId":"${s.parentId}"`;
  out += `,"id":"${s.id}"`;
  if (s.kind !== undefined) out += `,"kind":"${s.kind}"`;
  if (s.name !== '') out += `,"name":${JSON.stringify(s.name)}`;
  if (s.timestamp !== 0n) out += `,"timestamp":${s.timestamp}`;
  if (s.duration !== 0n) out += `,"duration":${s.duration}`;
  if (s.localEndpoint !== undefined) out += `,"localEndpoint":${endpointToJson(s.localEndpoint)}`;
  if (s.remoteEndpoint !== undefined) out += `,"remoteEndpoint":${endpointToJson(s.remoteEndpoint)}`;
  if (s.annotations.length > 0) {
    const list = s.annotations.map((a) => `{"timestamp":${a.timestamp},"value":${JSON.stringify(a.value)}}`);
    out += `,"annotations":[${list.join(',')}]`;
  }
  if (s.tags.size > 0) {
    const list: string[] = [];
    for (const [k, v] of s.tags) list.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    out += `,"tags":{${list.join(',')}}`;
  }
  if (s.debug) out += ',"debug":true';
  if (s.shared) out += ',"shared":true';
  return `${out}}`;
}

function endpointToJson(e: ZipkinEndpoint): string {
  const parts: string[] = [];
  if (e.serviceName !== '') parts.push(`"serviceName":${JSON.stringify(e.serviceName)}`);
  if (e.ipv4 !== '') parts.push(`"ipv4":"${e.ipv4}"`);
  if (e.ipv6 !== '') parts.push(`"ipv6":"${e.ipv6}"`);
  if (e.port !== 0) parts.push(`"port":${e.port}`);
  return `{${parts.join(',')}}`;
}
