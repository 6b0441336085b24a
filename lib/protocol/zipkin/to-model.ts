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
// |                                 |   ResourceSpans per service, one ScopeSpans per scope      |
// | localEndpoint ipv4 / ipv6, port | span attributes net.host.ip, net.host.port (int);          |
// |                                 |   zipkin.local_endpoint.ipv6 when both addresses are set   |
// | remoteEndpoint.serviceName      | peer.service, unless a peer.service tag is set (it wins)   |
// | remoteEndpoint ipv4/ipv6, port  | net.peer.ip, net.peer.port (int);                          |
// |                                 |   zipkin.remote_endpoint.ipv6 when both addresses are set  |
// | annotations                     | events; `"name":{json}` values become name and attributes  |
// | tags                            | string attributes (no guessing of types)                   |
// | tag otel.status_code OK/ERROR   | status code, with otel.status_description as its message   |
// | tag error                       | status ERROR, its value the message unless a description   |
// |                                 |   is set ("true" reads as no message; "false" is no error) |
// | tags otel.scope.name/version    | the scope (otel.library.* when those are absent)           |
// | tag w3c.tracestate              | traceState                                                 |
// | debug, shared (true)            | bool attributes zipkin.debug, zipkin.shared                |
//
// Endpoint-derived attributes never replace a tag of the same key.
import type { KeyValue, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanId, SpanKind, TraceId, Traces } from '../../model/index.js';
import { ZipkinAttr as A, eventFromAnnotation } from './attributes.js';
import type { ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './types.js';

const KINDS: Record<ZipkinKind, SpanKind> = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS_NAMES: Record<string, 0 | 1 | 2> = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
  // What older Collector exporters wrote.
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};
const ZEROS = '0000000000000000';

export function zipkinToTraces(spans: readonly ZipkinSpan[]): Traces {
  const resources = new Map<string, { rs: ResourceSpans; scopes: Map<string, ScopeSpans> }>();
  const resourceSpans: ResourceSpans[] = [];
  for (const z of spans) {
    const tags = new Map(z.tags);
    const service = z.localEndpoint?.serviceName ?? '';
    let r = resources.get(service);
    if (r === undefined) {
      const attributes: KeyValue[] = service === '' ? [] : [{ key: A.SERVICE_NAME, value: { kind: 'string', value: service } }];
      r = { rs: { resource: { attributes, droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: '' }, scopes: new Map() };
      resources.set(service, r);
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

/** `tags` has had the scope tags taken out already; this takes the rest it maps to fields. */
function spanToModel(z: ZipkinSpan, tags: Map<string, string>): Span {
  const status = statusFromTags(tags);
  const traceState = take(tags, A.TRACE_STATE) ?? '';
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
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
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

function statusFromTags(tags: Map<string, string>): Span['status'] {
  let code: 0 | 1 | 2 = 0;
  let message = '';
  const named = tags.get(A.STATUS_CODE);
  if (named !== undefined && Object.hasOwn(STATUS_NAMES, named)) {
    code = STATUS_NAMES[named]!;
    tags.delete(A.STATUS_CODE);
    message = take(tags, A.STATUS_DESCRIPTION) ?? '';
  }
  // Zipkin marks any span with an "error" tag failed; its value is the message.
  const error = tags.get(A.ERROR);
  if (error !== undefined && error !== 'false') {
    tags.delete(A.ERROR);
    code = 2;
    if (message === '' && error !== 'true') message = error;
  }
  return { code, message };
}
