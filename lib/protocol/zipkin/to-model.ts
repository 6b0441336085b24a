// Zipkin v2 spans -> the model, following the OpenTelemetry specification's
// Zipkin mapping and the OpenTelemetry Collector's zipkin receiver where the
// specification is silent:
//
// | Zipkin                          | model                                                      |
// | ------------------------------- | ---------------------------------------------------------- |
// | traceId (64 or 128 bits)        | traceId; 64-bit IDs left-padded with zeros to 128 bits     |
// | id, parentId                    | spanId, parentSpanId ('' for a root, or a parent == id)    |
// | name                            | name                                                       |
// | kind CLIENT/SERVER/PRODUCER/    | the same kind                                              |
// |   CONSUMER                      |                                                            |
// | kind absent                     | INTERNAL: Zipkin defines an absent kind as a local span,   |
// |                                 |   and OpenTelemetry exporters write INTERNAL as absent     |
// | timestamp, duration (µs)        | start = timestamp × 1000 ns, end = start + duration × 1000 |
// |                                 |   (absent timestamp: start 0; absent duration: end = start)|
// | localEndpoint.serviceName       | resource service.name; spans are grouped into one          |
// |                                 |   ResourceSpans per resource, one ScopeSpans per scope     |
// | tags with resource keys         | resource attributes (host.*, process.pid, telemetry.sdk.*, |
// |   (attributes.ts isResourceKey) |   ...: what exporters copy from the resource to each span) |
// | tag service.name                | dropped when it repeats localEndpoint.serviceName; else a  |
// |                                 |   span attribute                                           |
// | localEndpoint ipv4 / ipv6, port | span attributes net.host.ip, net.host.port (int);          |
// |                                 |   zipkin.local_endpoint.ipv6 when both addresses are set   |
// | remoteEndpoint.serviceName      | peer.service, unless a peer.service tag is set (it wins)   |
// | remoteEndpoint ipv4/ipv6, port  | net.peer.ip, net.peer.port (int);                          |
// |                                 |   zipkin.remote_endpoint.ipv6 when both addresses are set  |
// | annotations                     | events; `"name":{json}` values become name and attributes  |
// | tags                            | string attributes (no guessing of types)                   |
// | tag otel.status_code OK/ERROR   | status code (any case, STATUS_CODE_ prefix allowed), with  |
// |                                 |   otel.status_description as its message                   |
// | tag error                       | status ERROR, its value the message unless a description   |
// |                                 |   is set ("true" reads as no message; "false", no error,   |
// |                                 |   is dropped)                                              |
// | tags otel.scope.name/version    | the scope (otel.library.* when those are absent)           |
// | tag w3c.tracestate              | traceState                                                 |
// | tags otel.dropped_*_count       | droppedAttributesCount, droppedEventsCount,                |
// |                                 |   droppedLinksCount (when a positive integer)              |
// | debug, shared (true)            | bool attributes zipkin.debug, zipkin.shared                |
//
// Endpoint-derived attributes never replace a tag of the same key.
import type { KeyValue, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanId, SpanKind, TraceId, Traces } from '../../model/index.js';
import { ZipkinAttr as A, countFromTag, eventFromAnnotation, isResourceKey } from './attributes.js';
import type { ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './types.js';

const KINDS: Record<ZipkinKind, SpanKind> = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS_NAMES: Record<string, 0 | 1 | 2> = { UNSET: 0, OK: 1, ERROR: 2 };
const ZEROS = '0000000000000000';

interface ResourceGroup {
  rs: ResourceSpans;
  scopes: Map<string, ScopeSpans>;
}

export function zipkinToTraces(spans: readonly ZipkinSpan[]): Traces {
  const resources = new Map<string, ResourceGroup>();
  const resourceSpans: ResourceSpans[] = [];
  for (const z of spans) {
    const tags = new Map(z.tags);
    const service = z.localEndpoint?.serviceName ?? '';
    if (service !== '' && tags.get(A.SERVICE_NAME) === service) tags.delete(A.SERVICE_NAME);
    // Spans of one resource carry its tags in the same order (one exporter wrote
    // them), so the tags in order, with the service, identify the resource.
    const resourceTags: [string, string][] = [];
    let resourceKey = service;
    for (const [key, value] of tags) {
      if (key !== A.SERVICE_NAME && isResourceKey(key)) {
        resourceTags.push([key, value]);
        resourceKey += `\u0000${key}\u0000${value}`;
        tags.delete(key);
      }
    }
    let r = resources.get(resourceKey);
    if (r === undefined) {
      const attributes: KeyValue[] = service === '' ? [] : [{ key: A.SERVICE_NAME, value: { kind: 'string', value: service } }];
      for (const [key, value] of resourceTags) attributes.push({ key, value: { kind: 'string', value } });
      r = { rs: { resource: { attributes, droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: '' }, scopes: new Map() };
      resources.set(resourceKey, r);
      resourceSpans.push(r.rs);
    }
    const name = take(tags, A.SCOPE_NAME) ?? take(tags, A.LIBRARY_NAME) ?? '';
    const version = take(tags, A.SCOPE_VERSION) ?? take(tags, A.LIBRARY_VERSION) ?? '';
    const scopeKey = `${name}\u0000${version}`;
    let ss = r.scopes.get(scopeKey);
    if (ss === undefined) {
      ss = { scope: { name, version, attributes: [], droppedAttributesCount: 0 }, spans: [], schemaUrl: '' };
      r.scopes.set(scopeKey, ss);
      r.rs.scopeSpans.push(ss);
    }
    ss.spans.push(spanToModel(z, tags));
  }
  return { resourceSpans };
}

/** The tag's value, removed from `tags`; undefined when absent. */
function take(tags: Map<string, string>, key: string): string | undefined {
  const v = tags.get(key);
  if (v !== undefined) tags.delete(key);
  return v;
}

/** A dropped count from its tag, removed when it is one; 0 otherwise (the tag then stays an attribute). */
function takeCount(tags: Map<string, string>, key: string): number {
  const text = tags.get(key);
  const n = text === undefined ? undefined : countFromTag(text);
  if (n === undefined) return 0;
  tags.delete(key);
  return n;
}

/** `tags` has had the resource and scope tags taken out already; this takes the rest it maps to fields. */
function spanToModel(z: ZipkinSpan, tags: Map<string, string>): Span {
  const status = statusFromTags(tags);
  const traceState = take(tags, A.TRACE_STATE) ?? '';
  const droppedAttributesCount = takeCount(tags, A.DROPPED_ATTRIBUTES);
  const droppedEventsCount = takeCount(tags, A.DROPPED_EVENTS);
  const droppedLinksCount = takeCount(tags, A.DROPPED_LINKS);
  const attributes: KeyValue[] = [];
  for (const [key, value] of tags) attributes.push({ key, value: { kind: 'string', value } });
  const add = (key: string, value: KeyValue['value']): void => {
    if (!tags.has(key)) attributes.push({ key, value });
  };
  endpointAttributes(z.localEndpoint, A.LOCAL_IP, A.LOCAL_IPV6, A.LOCAL_PORT, add);
  if (z.remoteEndpoint !== undefined && z.remoteEndpoint.serviceName !== '') {
    add(A.PEER_SERVICE, { kind: 'string', value: z.remoteEndpoint.serviceName });
  }
  endpointAttributes(z.remoteEndpoint, A.PEER_IP, A.PEER_IPV6, A.PEER_PORT, add);
  if (z.debug) add(A.DEBUG, { kind: 'bool', value: true });
  if (z.shared) add(A.SHARED, { kind: 'bool', value: true });

  const start = z.timestamp * 1000n;
  const events = new Array<SpanEvent>(z.annotations.length);
  for (let i = 0; i < z.annotations.length; i++) {
    const a = z.annotations[i]!;
    const { name, attributes } = eventFromAnnotation(a.value);
    events[i] = { timeUnixNano: a.timestamp * 1000n, name, attributes, droppedAttributesCount: 0 };
  }
  return {
    traceId: (z.traceId.length === 16 ? ZEROS + z.traceId : z.traceId) as TraceId,
    spanId: z.id as SpanId,
    traceState,
    parentSpanId: (z.parentId === z.id ? '' : z.parentId) as SpanId,
    flags: 0,
    name: z.name,
    kind: z.kind === undefined ? 1 : KINDS[z.kind],
    startTimeUnixNano: start,
    endTimeUnixNano: start + z.duration * 1000n,
    attributes,
    droppedAttributesCount,
    events,
    droppedEventsCount,
    links: [],
    droppedLinksCount,
    status,
  };
}

function endpointAttributes(
  e: ZipkinEndpoint | undefined,
  ipKey: string,
  ipv6Key: string,
  portKey: string,
  add: (key: string, value: KeyValue['value']) => void,
): void {
  if (e === undefined) return;
  if (e.ipv4 !== '') add(ipKey, { kind: 'string', value: e.ipv4 });
  if (e.ipv6 !== '') add(e.ipv4 === '' ? ipKey : ipv6Key, { kind: 'string', value: e.ipv6 });
  if (e.port !== 0) add(portKey, { kind: 'int', value: BigInt(e.port) });
}

/**
 * otel.status_code in the specification's spelling (OK, ERROR), the
 * Collector's (Ok, Error) or OTLP's enum names (STATUS_CODE_OK); anything
 * else stays an attribute.
 */
function statusCodeOf(text: string): 0 | 1 | 2 | undefined {
  const upper = text.toUpperCase();
  const name = upper.startsWith('STATUS_CODE_') ? upper.slice('STATUS_CODE_'.length) : upper;
  return Object.hasOwn(STATUS_NAMES, name) ? STATUS_NAMES[name] : undefined;
}

function statusFromTags(tags: Map<string, string>): Span['status'] {
  let code: 0 | 1 | 2 = 0;
  let message = '';
  const named = tags.get(A.STATUS_CODE);
  const known = named === undefined ? undefined : statusCodeOf(named);
  if (known !== undefined) {
    code = known;
    tags.delete(A.STATUS_CODE);
    message = take(tags, A.STATUS_DESCRIPTION) ?? '';
  }
  // Zipkin marks any span with an "error" tag failed; its value is the message.
  // "false" says no error: dropped, as the specification has exporters do.
  const error = take(tags, A.ERROR);
  if (error !== undefined && error !== 'false') {
    code = 2;
    if (message === '' && error !== 'true') message = error;
  }
  return { code, message };
}
