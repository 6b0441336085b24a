// The model -> Zipkin v2 spans, as the OpenTelemetry Zipkin exporter
// specification says, and the reverse of to-model.ts for what it adds:
//
// | model                             | Zipkin                                                  |
// | --------------------------------- | ------------------------------------------------------- |
// | traceId                           | traceId; 16 hex digits when the high 64 bits are zero   |
// |                                   |   (a 64-bit Zipkin ID comes back as it was sent; Zipkin |
// |                                   |   itself shortens such IDs the same way)                |
// | kind SERVER/CLIENT/PRODUCER/      | the same kind; INTERNAL and UNSPECIFIED: absent         |
// |   CONSUMER                        |                                                         |
// | start, end (ns)                   | timestamp = start / 1000, duration = (end - start)/1000 |
// |                                   |   (truncated to µs, at least 1 when end > start; 0 and  |
// |                                   |   negative are left out)                                |
// | resource service.name             | localEndpoint.serviceName (none when absent)            |
// | other resource attributes         | tags (a span attribute of the same key wins)            |
// | net.host.ip/port, zipkin.local_*  | localEndpoint ipv4/ipv6/port (removed from the tags)    |
// | peer.service, net.peer.ip/port,   | remoteEndpoint (removed from the tags); for CLIENT and  |
// |   zipkin.remote_*                 |   PRODUCER spans without them, the first of the         |
// |                                   |   specification's ranked attributes (server.address,    |
// |                                   |   net.peer.name, network.peer.address, ...), kept too   |
// | zipkin.debug, zipkin.shared       | debug, shared                                           |
// | attributes                        | tags: text, booleans lowercase, arrays/maps as JSON     |
// | events                            | annotations: the name, or `"name":{json attributes}`    |
// | status OK / ERROR                 | otel.status_code OK / ERROR; for ERROR also `error` =   |
// |                                   |   the message ('' if none); UNSET writes neither, and   |
// |                                   |   an `error` attribute is dropped unless ERROR          |
// | scope name/version                | otel.scope.name / otel.scope.version                    |
// | traceState                        | w3c.tracestate                                          |
// | links                             | dropped; counted with droppedLinksCount in              |
// |                                   |   otel.dropped_links_count                              |
// | dropped attribute/event counts    | otel.dropped_attributes_count / _events_count (if > 0)  |
import type { AnyValue, KeyValue, Span, Traces } from '../../model/index.js';
import { annotationValue, tagText, ZipkinAttr as A } from './attributes.js';
import { ipv4ToBytes, ipv6ToBytes } from './ip.js';
import type { ZipkinEndpoint, ZipkinKind, ZipkinSpan } from './types.js';

const KINDS: readonly (ZipkinKind | undefined)[] = [undefined, undefined, 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** Attributes that become Zipkin fields (or are rewritten from the status), not tags. */
const FIELD_KEYS = new Set<string>([
  A.LOCAL_IP,
  A.LOCAL_IPV6,
  A.LOCAL_PORT,
  A.PEER_SERVICE,
  A.PEER_IP,
  A.PEER_IPV6,
  A.PEER_PORT,
  A.DEBUG,
  A.SHARED,
  A.STATUS_CODE,
  A.STATUS_DESCRIPTION,
  A.ERROR,
]);

/** The specification's ranking for a remote endpoint: [name or address key, port key]. */
const REMOTE_RANKING: readonly (readonly [string, string])[] = [
  ['server.address', 'server.port'],
  ['net.peer.name', 'net.peer.port'],
  ['network.peer.address', 'network.peer.port'],
  ['server.socket.domain', 'server.socket.port'],
  ['server.socket.address', 'server.socket.port'],
  ['net.sock.peer.name', 'net.sock.peer.port'],
  ['net.sock.peer.addr', 'net.sock.peer.port'],
  ['peer.hostname', ''],
  ['peer.address', ''],
  ['db.name', ''],
];

export function tracesToZipkin(t: Traces): ZipkinSpan[] {
  const out: ZipkinSpan[] = [];
  for (const rs of t.resourceSpans) {
    let service = '';
    const resourceTags: [string, string][] = [];
    for (const kv of rs.resource.attributes) {
      if (kv.key === A.SERVICE_NAME) service = tagText(kv.value);
      else resourceTags.push([kv.key, tagText(kv.value)]);
    }
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.push(spanToZipkin(span, service, resourceTags, ss.scope.name, ss.scope.version));
    }
  }
  return out;
}

function spanToZipkin(s: Span, service: string, resourceTags: [string, string][], scopeName: string, scopeVersion: string): ZipkinSpan {
  const tags = new Map(resourceTags);
  const attrs = new Map<string, AnyValue>();
  for (const kv of s.attributes) {
    if (FIELD_KEYS.has(kv.key)) attrs.set(kv.key, kv.value);
    else tags.set(kv.key, tagText(kv.value));
  }
  const kind = KINDS[s.kind];
  const used = new Set<string>([A.DEBUG, A.SHARED, A.STATUS_CODE, A.STATUS_DESCRIPTION, A.ERROR, A.PEER_SERVICE]);
  const local = endpoint(service, attrs, [A.LOCAL_IP, A.LOCAL_IPV6, A.LOCAL_PORT], used);
  const peer = attrs.get(A.PEER_SERVICE);
  let remote = endpoint(peer === undefined ? '' : tagText(peer), attrs, [A.PEER_IP, A.PEER_IPV6, A.PEER_PORT], used);
  if (remote === undefined && (kind === 'CLIENT' || kind === 'PRODUCER')) remote = rankedRemote(s.attributes);
  // An address or port that is not one stays a tag rather than vanish.
  for (const [key, value] of attrs) if (!used.has(key)) tags.set(key, tagText(value));

  if (scopeName !== '') tags.set(A.SCOPE_NAME, scopeName);
  if (scopeVersion !== '') tags.set(A.SCOPE_VERSION, scopeVersion);
  if (s.traceState !== '') tags.set(A.TRACE_STATE, s.traceState);
  if (s.droppedAttributesCount > 0) tags.set(A.DROPPED_ATTRIBUTES, String(s.droppedAttributesCount));
  if (s.droppedEventsCount > 0) tags.set(A.DROPPED_EVENTS, String(s.droppedEventsCount));
  const droppedLinks = s.links.length + s.droppedLinksCount;
  if (droppedLinks > 0) tags.set(A.DROPPED_LINKS, String(droppedLinks));
  if (s.status.code === 1) tags.set(A.STATUS_CODE, 'OK');
  if (s.status.code === 2) {
    tags.set(A.STATUS_CODE, 'ERROR');
    tags.set(A.ERROR, s.status.message);
  }

  const durationNs = s.endTimeUnixNano - s.startTimeUnixNano;
  const duration = durationNs <= 0n ? 0n : durationNs < 1000n ? 1n : durationNs / 1000n;
  return {
    traceId: s.traceId.startsWith('0000000000000000') ? s.traceId.slice(16) : s.traceId,
    id: s.spanId,
    parentId: s.parentSpanId,
    kind,
    name: s.name,
    timestamp: s.startTimeUnixNano / 1000n,
    duration,
    localEndpoint: local,
    remoteEndpoint: remote,
    annotations: s.events.map((e) => ({ timestamp: e.timeUnixNano / 1000n, value: annotationValue(e.name, e.attributes) })),
    tags,
    debug: isTrue(attrs.get(A.DEBUG)),
    shared: isTrue(attrs.get(A.SHARED)),
  };
}

const isTrue = (v: AnyValue | undefined): boolean =>
  v !== undefined && ((v.kind === 'bool' && v.value) || (v.kind === 'string' && v.value === 'true'));

/** A port from an int or decimal-text attribute; 0 when absent or out of range. */
function portOf(v: AnyValue | undefined): number {
  const n = v === undefined ? NaN : v.kind === 'int' ? Number(v.value) : v.kind === 'string' && /^\d{1,5}$/.test(v.value) ? Number(v.value) : NaN;
  return Number.isInteger(n) && n > 0 && n <= 0xffff ? n : 0;
}

/** An IP attribute as [ipv4, ipv6] text, each '' unless it parses. */
function ipOf(v: AnyValue | undefined): [string, string] {
  if (v === undefined || v.kind !== 'string') return ['', ''];
  if (ipv4ToBytes(v.value) !== undefined) return [v.value, ''];
  if (ipv6ToBytes(v.value) !== undefined) return ['', v.value];
  return ['', ''];
}

/** The endpoint from the attributes under `keys` (ip, ipv6, port); the keys it used go into `used`. */
function endpoint(
  serviceName: string,
  attrs: Map<string, AnyValue>,
  [ipKey, ipv6Key, portKey]: readonly [string, string, string],
  used: Set<string>,
): ZipkinEndpoint | undefined {
  const [ipv4, ipv6] = ipOf(attrs.get(ipKey));
  const [, extraV6] = ipOf(attrs.get(ipv6Key));
  const port = portOf(attrs.get(portKey));
  if (ipv4 !== '' || ipv6 !== '') used.add(ipKey);
  if (extraV6 !== '') used.add(ipv6Key);
  if (port !== 0) used.add(portKey);
  const e = { serviceName, ipv4, ipv6: extraV6 !== '' ? extraV6 : ipv6, port };
  return e.serviceName === '' && e.ipv4 === '' && e.ipv6 === '' && e.port === 0 ? undefined : e;
}

function rankedRemote(attributes: readonly KeyValue[]): ZipkinEndpoint | undefined {
  const byKey = new Map<string, AnyValue>();
  for (const kv of attributes) byKey.set(kv.key, kv.value);
  for (const [key, portKey] of REMOTE_RANKING) {
    const v = byKey.get(key);
    if (v === undefined || v.kind !== 'string' || v.value === '') continue;
    const [ipv4, ipv6] = ipOf(v);
    const port = portKey === '' ? 0 : portOf(byKey.get(portKey));
    return ipv4 === '' && ipv6 === '' ? { serviceName: v.value, ipv4, ipv6, port } : { serviceName: '', ipv4, ipv6, port };
  }
  return undefined;
}
