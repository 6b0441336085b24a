// Realistic span traffic for the benchmarks: requests shaped like what an
// OpenTelemetry Node SDK sends from a web service (one resource, an HTTP
// server span per trace with database client and internal children), encoded
// once up front so that the load generator spends its CPU on sending, not on
// encoding. Trace IDs can be rewritten in place in the encoded bytes, so that
// a small pool of bodies yields unique traces for a whole run (the sampler
// would otherwise treat repeats as late spans of decided traces).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KeyValue, Resource, Span, SpanId, TraceId, Traces } from '../lib/model/index.js';
import { encodeTracesProto } from '../lib/protocol/otlp/index.js';

/**
 * app: a web service's spans (HTTP server, PostgreSQL client, internal; 7-10
 * attributes each, 15 resource attributes), about 355 bytes a span.
 * testbed: the OpenTelemetry Collector testbed's spans ("load-generator-span",
 * CLIENT, two int attributes, empty resource), about 75 bytes a span, so that
 * its published figures can be compared on like data.
 */
export type TrafficShape = 'app' | 'testbed';

export interface TrafficOptions {
  shape?: TrafficShape;
  /** Spans in one export request. Default 100. */
  spansPerRequest?: number;
  /** Spans in one trace. Default 5 (app); the whole request (testbed, which uses one trace ID per batch). */
  spansPerTrace?: number;
  /** Distinct requests to build; bodies are reused round-robin. Default 32. */
  poolSize?: number;
}

export interface EncodedRequest {
  /** ExportTraceServiceRequest, protobuf. Do not mutate: copy with `withFreshTraceIds`. */
  body: Buffer;
  spans: number;
  traces: number;
  /** Byte offsets of every 16-byte trace ID field value in `body`. */
  traceIdOffsets: number[];
}

export interface RequestPool {
  requests: EncodedRequest[];
  shape: TrafficShape;
  spansPerRequest: number;
  spansPerTrace: number;
  /** Mean encoded size of one request. */
  meanBytes: number;
}

const kv = (key: string, value: string | number | boolean): KeyValue => ({
  key,
  value:
    typeof value === 'string'
      ? { kind: 'string', value }
      : typeof value === 'boolean'
        ? { kind: 'bool', value }
        : Number.isInteger(value)
          ? { kind: 'int', value: BigInt(value) }
          : { kind: 'double', value },
});

function resource(instance: number): Resource {
  return {
    attributes: [
      kv('service.name', 'orders'),
      kv('service.version', '1.14.2'),
      kv('service.instance.id', `c0ffee00-${instance.toString(16).padStart(4, '0')}-4a1b-9c2d-5e6f70819203`),
      kv('deployment.environment.name', 'production'),
      kv('host.name', hostname()),
      kv('host.arch', 'amd64'),
      kv('os.type', 'linux'),
      kv('process.pid', 4242 + instance),
      kv('process.runtime.name', 'nodejs'),
      kv('process.runtime.version', '20.19.0'),
      kv('telemetry.sdk.name', 'opentelemetry'),
      kv('telemetry.sdk.language', 'nodejs'),
      kv('telemetry.sdk.version', '2.0.1'),
      kv('k8s.namespace.name', 'shop'),
      kv('k8s.pod.name', `orders-7d9f8b6c5-${instance.toString(36).padStart(5, 'x')}`),
    ],
    droppedAttributesCount: 0,
  };
}

const SCOPE = {
  http: { name: '@opentelemetry/instrumentation-http', version: '0.200.0', attributes: [], droppedAttributesCount: 0 },
  pg: { name: '@opentelemetry/instrumentation-pg', version: '0.52.0', attributes: [], droppedAttributesCount: 0 },
  app: { name: 'orders', version: '1.14.2', attributes: [], droppedAttributesCount: 0 },
};

const QUERIES = [
  ['SELECT', 'orders', 'SELECT id, customer_id, status, created_at FROM orders WHERE id = $1'],
  ['SELECT', 'order_items', 'SELECT id, sku, quantity, unit_price FROM order_items WHERE order_id = $1'],
  ['UPDATE', 'orders', 'UPDATE orders SET status = $1, updated_at = now() WHERE id = $2'],
] as const;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function baseSpan(traceId: TraceId, parent: SpanId | '', name: string, kind: Span['kind'], startNs: bigint, durNs: bigint, attributes: KeyValue[]): Span {
  return {
    traceId,
    spanId: hex(8) as SpanId,
    traceState: '',
    parentSpanId: parent as SpanId,
    flags: 0x101, // sampled, remote-parent flag known
    name,
    kind,
    startTimeUnixNano: startNs,
    endTimeUnixNano: startNs + durNs,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
}

/** One trace: the server span first, then `n - 1` children, alternating DB queries and internal work. */
function trace(n: number, startNs: bigint): { server: Span[]; db: Span[]; app: Span[] } {
  const traceId = hex(16) as TraceId;
  const orderId = 10_000 + Math.floor(Math.random() * 90_000);
  const status = Math.random() < 0.02 ? 500 : 200;
  const root = baseSpan(traceId, '', 'GET /api/orders/:id', 2, startNs, 12_500_000n, [
    kv('http.request.method', 'GET'),
    kv('url.scheme', 'http'),
    kv('url.path', `/api/orders/${orderId}`),
    kv('http.route', '/api/orders/:id'),
    kv('http.response.status_code', status),
    kv('server.address', 'orders.shop.svc.cluster.local'),
    kv('server.port', 8080),
    kv('network.protocol.version', '1.1'),
    kv('client.address', `10.42.${orderId % 256}.${(orderId >> 8) % 256}`),
    kv('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'),
  ]);
  if (status >= 500) root.status = { code: 2, message: '' };
  const out = { server: [root], db: [] as Span[], app: [] as Span[] };
  for (let i = 1; i < n; i++) {
    const start = startNs + BigInt(i) * 1_500_000n;
    if (i % 4 === 0) {
      out.app.push(baseSpan(traceId, root.spanId, 'render order', 1, start, 400_000n, [kv('code.function.name', 'renderOrder'), kv('order.items', 3)]));
    } else {
      const [op, table, text] = QUERIES[(i - 1) % QUERIES.length]!;
      out.db.push(
        baseSpan(traceId, root.spanId, `${op} ${table}`, 3, start, 900_000n, [
          kv('db.system.name', 'postgresql'),
          kv('db.namespace', 'shop'),
          kv('db.operation.name', op),
          kv('db.collection.name', table),
          kv('db.query.text', text),
          kv('server.address', 'pg-primary.shop.svc.cluster.local'),
          kv('server.port', 5432),
        ]),
      );
    }
  }
  return out;
}

/** One export request's model: one resource, three scopes (HTTP, pg, app), `spans` spans in traces of `spansPerTrace`. */
export function buildTraces(spans: number, spansPerTrace: number, instance = 0): Traces {
  const server: Span[] = [];
  const db: Span[] = [];
  const app: Span[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let left = spans; left > 0; left -= spansPerTrace) {
    const t = trace(Math.min(spansPerTrace, left), now - BigInt(Math.floor(Math.random() * 1e9)));
    server.push(...t.server);
    db.push(...t.db);
    app.push(...t.app);
  }
  const schemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
  return {
    resourceSpans: [
      {
        resource: resource(instance),
        scopeSpans: [
          { scope: SCOPE.http, spans: server, schemaUrl },
          { scope: SCOPE.pg, spans: db, schemaUrl },
          { scope: SCOPE.app, spans: app, schemaUrl: '' },
        ].filter((s) => s.spans.length > 0),
        schemaUrl,
      },
    ],
  };
}

let testbedSeq = 0;

/** The Collector testbed's request: spans of traces of `spansPerTrace`, two int attributes each, no resource. */
export function buildTestbedTraces(spans: number, spansPerTrace: number): Traces {
  const out: Span[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  let traceId = hex(16) as TraceId;
  let traceSeq = testbedSeq;
  for (let i = 0; i < spans; i++) {
    if (i % spansPerTrace === 0) {
      traceId = hex(16) as TraceId;
      traceSeq = ++testbedSeq;
    }
    const s = baseSpan(traceId, '', 'load-generator-span', 3, now, 1_000_000n, [kv('load_generator.span_seq_num', i + 1), kv('load_generator.trace_seq_num', traceSeq)]);
    s.flags = 0;
    out.push(s);
  }
  return {
    resourceSpans: [
      { resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, spans: out, schemaUrl: '' }], schemaUrl: '' },
    ],
  };
}

/** Where each trace ID's bytes sit in the encoded body (a 16-byte random value does not occur by accident). */
function traceIdOffsets(body: Buffer, t: Traces): number[] {
  const ids = new Set<string>();
  for (const rs of t.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) ids.add(s.traceId);
  const offsets: number[] = [];
  for (const id of ids) {
    const needle = Buffer.from(id, 'hex');
    for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 16)) offsets.push(at);
  }
  return offsets.sort((a, b) => a - b);
}

export function encodeRequest(t: Traces): EncodedRequest {
  const body = Buffer.from(encodeTracesProto(t));
  let spans = 0;
  const traces = new Set<string>();
  for (const rs of t.resourceSpans)
    for (const ss of rs.scopeSpans) {
      spans += ss.spans.length;
      for (const s of ss.spans) traces.add(s.traceId);
    }
  return { body, spans, traces: traces.size, traceIdOffsets: traceIdOffsets(body, t) };
}

export function buildRequestPool(options: TrafficOptions = {}): RequestPool {
  const shape = options.shape ?? 'app';
  const spansPerRequest = options.spansPerRequest ?? 100;
  const spansPerTrace = options.spansPerTrace ?? (shape === 'app' ? 5 : spansPerRequest);
  const poolSize = options.poolSize ?? 32;
  const requests: EncodedRequest[] = [];
  for (let i = 0; i < poolSize; i++) {
    const model = shape === 'app' ? buildTraces(spansPerRequest, spansPerTrace, i % 8) : buildTestbedTraces(spansPerRequest, spansPerTrace);
    requests.push(encodeRequest(model));
  }
  const meanBytes = requests.reduce((n, r) => n + r.body.length, 0) / requests.length;
  return { requests, shape, spansPerRequest, spansPerTrace, meanBytes };
}

const MASK64 = (1n << 64n) - 1n;

/** splitmix64: a counter becomes well-spread 64-bit values, so rewritten IDs still look random to the partitioner. */
function splitmix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * A copy of the request whose trace IDs are new: the first 8 bytes of every
 * trace ID become a value derived from `seq` (unique per call within a run,
 * salted per process), the last 8 stay as they were (distinct within the
 * request). Spans of one trace keep sharing one ID.
 */
export class TraceIdRewriter {
  private readonly salt = randomBytes(8).readBigUInt64BE();
  private seq = 0n;

  rewrite(req: EncodedRequest): Buffer {
    const copy = Buffer.from(req.body);
    const prefix = splitmix64(this.salt ^ this.seq++);
    for (const at of req.traceIdOffsets) copy.writeBigUInt64BE(prefix, at);
    return copy;
  }
}
