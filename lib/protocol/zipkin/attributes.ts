// The attribute keys that carry Zipkin fields the model has no field for, and
// the text forms of attribute values in Zipkin tags and annotations.
import type { AnyValue, KeyValue } from '../../model/index.js';

/**
 * Keys shared by the translation in both directions. The network keys are the
 * ones the OpenTelemetry Collector's Zipkin translator writes (semantic
 * conventions 1.6 era, still what most Zipkin tooling reads); the zipkin.*
 * keys are ours, for what no convention names.
 */
export const ZipkinAttr = {
  /** Resource: localEndpoint.serviceName. */
  SERVICE_NAME: 'service.name',
  /** localEndpoint.ipv4, or its ipv6 when it has no ipv4. */
  LOCAL_IP: 'net.host.ip',
  /** localEndpoint.ipv6 when the endpoint has both addresses. */
  LOCAL_IPV6: 'zipkin.local_endpoint.ipv6',
  /** localEndpoint.port, an int. */
  LOCAL_PORT: 'net.host.port',
  /** remoteEndpoint.serviceName. */
  PEER_SERVICE: 'peer.service',
  PEER_IP: 'net.peer.ip',
  PEER_IPV6: 'zipkin.remote_endpoint.ipv6',
  PEER_PORT: 'net.peer.port',
  /** Span.debug, a bool (true only: false is Zipkin's default). */
  DEBUG: 'zipkin.debug',
  /** Span.shared, a bool (true only). */
  SHARED: 'zipkin.shared',
  STATUS_CODE: 'otel.status_code',
  STATUS_DESCRIPTION: 'otel.status_description',
  ERROR: 'error',
  SCOPE_NAME: 'otel.scope.name',
  SCOPE_VERSION: 'otel.scope.version',
  /** The older names of the scope tags, read when the new ones are absent. */
  LIBRARY_NAME: 'otel.library.name',
  LIBRARY_VERSION: 'otel.library.version',
  /** Span.traceState (the Collector's tag for it). */
  TRACE_STATE: 'w3c.tracestate',
  DROPPED_ATTRIBUTES: 'otel.dropped_attributes_count',
  DROPPED_EVENTS: 'otel.dropped_events_count',
  DROPPED_LINKS: 'otel.dropped_links_count',
} as const;

/**
 * Resource attribute keys of the semantic conventions. Exporters that write
 * resource attributes as tags on every span (the OpenTelemetry SDKs' Zipkin
 * exporters, the Collector's, ours) make these tags; reading them back into
 * the resource, as the Collector's receiver does, gives the SDK's resource
 * again. Whole namespaces where the conventions define nothing but resource
 * attributes; single keys elsewhere.
 */
const RESOURCE_NAMESPACES = ['service.', 'telemetry.sdk.', 'telemetry.distro.', 'host.', 'os.', 'container.', 'k8s.', 'cloud.', 'device.', 'webengine.'];
const RESOURCE_KEYS = new Set([
  'telemetry.auto.version',
  'deployment.environment',
  'deployment.environment.name',
  'process.pid',
  'process.parent_pid',
  'process.executable.name',
  'process.executable.path',
  'process.command',
  'process.command_line',
  'process.command_args',
  'process.owner',
  'process.runtime.name',
  'process.runtime.version',
  'process.runtime.description',
  'faas.name',
  'faas.version',
  'faas.instance',
  'faas.max_memory',
]);

/** Answers so far: tag keys repeat on every span, the namespace scan need not. Bounded, as keys come from clients. */
const resourceKeyCache = new Map<string, boolean>();
const RESOURCE_KEY_CACHE_SIZE = 4_096;

export function isResourceKey(key: string): boolean {
  let yes = resourceKeyCache.get(key);
  if (yes === undefined) {
    yes = RESOURCE_KEYS.has(key) || RESOURCE_NAMESPACES.some((ns) => key.startsWith(ns));
    if (resourceKeyCache.size >= RESOURCE_KEY_CACHE_SIZE) resourceKeyCache.clear();
    resourceKeyCache.set(key, yes);
  }
  return yes;
}

const UINT32_TEXT = /^[1-9]\d{0,9}$/;

/** A dropped count tag's value as a positive uint32, or undefined when it is not one in canonical decimal. */
export function countFromTag(text: string): number | undefined {
  if (!UINT32_TEXT.test(text)) return undefined;
  const n = Number(text);
  return n <= 0xffff_ffff ? n : undefined;
}

/** An attribute value as a Zipkin tag: primitives as text, booleans lowercase, arrays and maps as JSON. */
export function tagText(v: AnyValue): string {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'bool':
    case 'int':
      return String(v.value);
    case 'double':
      return String(v.value);
    case 'bytes':
      return Buffer.from(v.value.buffer, v.value.byteOffset, v.value.byteLength).toString('base64');
    case 'empty':
      return '';
    default:
      return jsonText(v);
  }
}

/** JSON text of a value, written by hand so that 64-bit integers keep every digit. */
export function jsonText(v: AnyValue): string {
  switch (v.kind) {
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
    case 'int':
      return String(v.value);
    case 'double':
      // JSON has no NaN or Infinity: those are written as their names, in a string.
      return Number.isFinite(v.value) ? JSON.stringify(v.value) : JSON.stringify(String(v.value));
    case 'bytes':
      return JSON.stringify(tagText(v));
    case 'array':
      return `[${v.value.map(jsonText).join(',')}]`;
    case 'kvlist':
      return attributesJson(v.value);
    case 'empty':
      return 'null';
  }
}

export function attributesJson(list: readonly KeyValue[]): string {
  return `{${list.map((kv) => `${JSON.stringify(kv.key)}:${jsonText(kv.value)}`).join(',')}}`;
}

/**
 * An event as an annotation value, as the OpenTelemetry Zipkin exporter
 * specification writes it: the name alone, or `"name":{"key":value,...}` when
 * the event has attributes.
 */
export function annotationValue(name: string, attributes: readonly KeyValue[]): string {
  return attributes.length === 0 ? name : `${JSON.stringify(name)}:${attributesJson(attributes)}`;
}

const MAX_DEPTH = 32;

function fromJson(v: unknown, depth: number): AnyValue {
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { kind: 'int', value: BigInt(v) } : { kind: 'double', value: v };
  if (v === null) return { kind: 'empty' };
  if (Array.isArray(v)) return { kind: 'array', value: v.map((x) => fromJson(x, depth + 1)) };
  return { kind: 'kvlist', value: objectToAttributes(v as Record<string, unknown>, depth + 1) };
}

function objectToAttributes(o: Record<string, unknown>, depth: number): KeyValue[] {
  return Object.keys(o).map((key) => ({ key, value: fromJson(o[key], depth) }));
}

/**
 * The event an annotation value stands for: `"name":{...}` with at least one
 * attribute is read back into name and attributes, but only when writing them
 * again gives exactly the same text; anything else (plain text, other JSON,
 * numbers that JSON cannot carry exactly) is the event's name as it is. So no
 * annotation changes on a round trip.
 */
export function eventFromAnnotation(value: string): { name: string; attributes: KeyValue[] } {
  if (value.length > 4 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x7d) {
    try {
      const parsed = JSON.parse(`{${value}}`) as Record<string, unknown>;
      const keys = Object.keys(parsed);
      const inner = keys.length === 1 ? parsed[keys[0]!] : undefined;
      if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner).length > 0) {
        const name = keys[0]!;
        const attributes = objectToAttributes(inner as Record<string, unknown>, 1);
        if (annotationValue(name, attributes) === value) return { name, attributes };
      }
    } catch {
      // Not JSON (or nested too deep): the text is the name.
    }
  }
  return { name: value, attributes: [] };
}
