// Golden translations of realistic requests, one per encoding, in the shapes
// real reporters send: Brave (Java) over v2 JSON, the OpenTelemetry SDK's
// Zipkin exporter over v2 JSON, zipkin-go over proto3, zipkin-js (Finagle
// style) over v1 JSON with shared client+server spans, and py_zipkin over v1
// Thrift. Each golden file is the model the request decodes to; the v2 JSON
// and proto3 requests must also come back exactly from that model. The last
// golden files are what the exporter backend sends for the shared model
// fixture, in both encodings. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeZipkinV1Json,
  decodeZipkinV1Thrift,
  decodeZipkinV2Json,
  decodeZipkinV2Proto,
  encodeZipkinV2Json,
  encodeZipkinV2Proto,
} from '../../../../lib/protocol/zipkin/index.js';
import { ListOfSpansType } from '../../../../lib/protocol/zipkin/proto-root.js';
import { sampleTraces } from '../../../helpers/fixtures.js';
import { assertGolden, hexLines } from '../../../helpers/golden.js';
import type { ZipkinJsonSpan } from '../../../helpers/zipkin-arbitraries.js';
import { AnnotationType, encodeV1Thrift, typedValue } from '../../../helpers/zipkin-thrift.js';
import { render } from './helpers.js';

const T = 1_700_000_000_000_000; // µs

/** Brave 5 in a Spring service: a server span, a JDBC client span with an error, a local span. */
function braveJson(): ZipkinJsonSpan[] {
  const trace = '463ac35c9f6413ad48485a3953bb6124';
  const local = { serviceName: 'orders', ipv4: '172.17.0.4' };
  return [
    {
      traceId: trace,
      parentId: 'a2fb4a1d1a96d312',
      id: '48485a3953bb6124',
      kind: 'SERVER',
      name: 'post /orders',
      timestamp: T,
      duration: 38_211,
      localEndpoint: local,
      remoteEndpoint: { ipv6: '2001:db8::7', port: 51_872 },
      tags: { 'http.method': 'POST', 'http.path': '/orders', 'mvc.controller.class': 'OrderController', 'mvc.controller.method': 'place' },
      shared: true,
    },
    {
      traceId: trace,
      parentId: '48485a3953bb6124',
      id: '7b2c1e3d4f5a6b7c',
      kind: 'CLIENT',
      name: 'query',
      timestamp: T + 2_100,
      duration: 30_050,
      localEndpoint: local,
      remoteEndpoint: { serviceName: 'postgres', ipv4: '172.17.0.9', port: 5432 },
      annotations: [{ timestamp: T + 2_200, value: 'wire-send' }],
      tags: { 'sql.query': 'INSERT INTO orders VALUES (?, ?)', error: 'duplicate key value violates unique constraint' },
    },
    {
      traceId: trace,
      parentId: '48485a3953bb6124',
      id: '1c2d3e4f5a6b7c8d',
      name: 'validate',
      timestamp: T + 1_000,
      duration: 900,
      localEndpoint: local,
      debug: true,
    },
  ];
}

/** @opentelemetry/exporter-zipkin: resource attributes as tags, 32-digit IDs, status and dropped-count tags. */
function otelJsJson(): ZipkinJsonSpan[] {
  const resource = { 'service.name': 'checkout', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.1', 'host.name': 'web-1' };
  return [
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      id: 'b7ad6b7169203331',
      kind: 'SERVER',
      name: 'GET /checkout',
      timestamp: T,
      duration: 12_345,
      localEndpoint: { serviceName: 'checkout' },
      annotations: [
        { timestamp: T + 100, value: 'cart loaded' },
        { timestamp: T + 200, value: '"payment":{"provider":"acme","attempt":1}' },
      ],
      tags: { 'http.method': 'GET', 'http.status_code': '500', 'otel.scope.name': 'checkout-app', 'otel.scope.version': '1.4.0', 'otel.status_code': 'ERROR', error: 'card declined', 'otel.dropped_events_count': '2', ...resource },
    },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      parentId: 'b7ad6b7169203331',
      id: '00f067aa0ba902b7',
      kind: 'PRODUCER',
      name: 'orders publish',
      timestamp: T + 5_000,
      duration: 800,
      localEndpoint: { serviceName: 'checkout' },
      remoteEndpoint: { serviceName: 'kafka' },
      tags: { 'messaging.system': 'kafka', 'otel.scope.name': 'kafkajs', 'otel.status_code': 'OK', ...resource },
    },
  ];
}

/** zipkin-go over proto3: 64-bit trace IDs, a consumer span with the broker, IPv6 hosts. */
function zipkinGoProto(): Uint8Array {
  const b = (hex: string) => Buffer.from(hex, 'hex');
  return ListOfSpansType.encode(
    ListOfSpansType.fromObject({
      spans: [
        {
          traceId: b('d269b633813fc60c'),
          id: b('5fd4c1b3a2e1f0d9'),
          kind: 4, // CONSUMER
          name: 'process order',
          timestamp: T + 50_000,
          duration: 4_200,
          localEndpoint: { serviceName: 'fulfilment', ipv6: b('20010db8000000000000000000000042'), port: 8081 },
          remoteEndpoint: { serviceName: 'kafka', ipv4: b('0a000009'), port: 9092 },
          annotations: [{ timestamp: T + 50_100, value: 'wr' }],
          tags: [
            { key: 'kafka.topic', value: 'orders' },
            { key: 'kafka.partition', value: '3' },
          ],
        },
        {
          traceId: b('d269b633813fc60c'),
          parentId: b('5fd4c1b3a2e1f0d9'),
          id: b('6a5b4c3d2e1f0a9b'),
          kind: 1, // CLIENT
          name: 'reserve',
          timestamp: T + 51_000,
          duration: 2_000,
          localEndpoint: { serviceName: 'fulfilment', ipv6: b('20010db8000000000000000000000042') },
          remoteEndpoint: { serviceName: 'inventory', ipv4: b('0a00000c'), port: 443 },
          tags: [{ key: 'http.url', value: 'https://inventory/reserve' }],
        },
      ],
    }),
  ).finish();
}

/** zipkin-js with v1 JSON: one RPC reported by both sides in one span id (the shared span), with addresses. */
function zipkinJsV1Json(): string {
  const web = { serviceName: 'web', ipv4: '10.0.0.1', port: 0 };
  const api = { serviceName: 'api', ipv4: '10.0.0.2', port: 8080 };
  return JSON.stringify([
    {
      traceId: 'a1b2c3d4e5f60718',
      id: '0102030405060708',
      name: 'get',
      timestamp: T,
      duration: 9_000,
      annotations: [
        { timestamp: T, value: 'cs', endpoint: web },
        { timestamp: T + 1_000, value: 'sr', endpoint: api },
        { timestamp: T + 6_000, value: 'ss', endpoint: api },
        { timestamp: T + 9_000, value: 'cr', endpoint: web },
      ],
      binaryAnnotations: [
        { key: 'http.path', value: '/users/42', endpoint: web },
        { key: 'http.status_code', value: '200', endpoint: api },
        { key: 'sa', value: true, endpoint: api },
        { key: 'ca', value: true, endpoint: { ...web, port: 50_123 } },
      ],
    },
  ]);
}

/** py_zipkin 0.x with the Thrift transport: a server span with typed binary annotations and a local child. */
function pyZipkinThrift(): Uint8Array {
  const host = { serviceName: 'recommender', ipv4: '10.1.0.5', port: 5000 };
  return encodeV1Thrift([
    {
      traceId: 'f1e2d3c4b5a69788',
      id: '1111111111111111',
      parentId: '2222222222222222',
      name: 'post /recommend',
      timestamp: BigInt(T),
      duration: 21_000n,
      annotations: [
        { timestamp: BigInt(T), value: 'sr', host },
        { timestamp: BigInt(T + 21_000), value: 'ss', host },
      ],
      binaryAnnotations: [
        { key: 'http.uri', value: '/recommend', type: AnnotationType.STRING, host },
        { key: 'candidates', value: typedValue(AnnotationType.I32, 40), type: AnnotationType.I32, host },
        { key: 'ca', value: typedValue(AnnotationType.BOOL, true), type: AnnotationType.BOOL, host: { serviceName: 'web', ipv4: '10.1.0.9', port: 0 } },
      ],
    },
    {
      traceId: 'f1e2d3c4b5a69788',
      id: '3333333333333333',
      parentId: '1111111111111111',
      name: 'score',
      timestamp: BigInt(T + 2_000),
      duration: 15_000n,
      binaryAnnotations: [{ key: 'lc', value: '', type: AnnotationType.STRING, host }],
    },
  ]);
}

describe('Zipkin: golden translations of realistic requests', () => {
  it('Brave v2 JSON decodes as the golden file says, and comes back as sent, the error span with otel.status_code ERROR', (t) => {
    const spans = braveJson();
    const model = decodeZipkinV2Json(JSON.stringify(spans));
    assertGolden(t, 'zipkin/brave-v2-json.model.json', render(model));
    spans[1]!.tags!['otel.status_code'] = 'ERROR';
    assert.deepEqual(JSON.parse(encodeZipkinV2Json(model)), spans);
  });

  it('the OpenTelemetry SDK exporter v2 JSON decodes to its resource, scopes, status and events', (t) => {
    const spans = otelJsJson();
    const model = decodeZipkinV2Json(JSON.stringify(spans));
    assertGolden(t, 'zipkin/otel-js-v2-json.model.json', render(model));
    // Back to Zipkin: what the SDK wrote, except the repeated service.name tag (the localEndpoint says it).
    const back = JSON.parse(encodeZipkinV2Json(model)) as ZipkinJsonSpan[];
    assert.deepEqual(
      back,
      spans.map((s) => ({ ...s, tags: Object.fromEntries(Object.entries(s.tags!).filter(([k]) => k !== 'service.name')) })),
    );
  });

  it('zipkin-go proto3 decodes as the golden file says, and our encoder writes the same bytes back', (t) => {
    const body = zipkinGoProto();
    const model = decodeZipkinV2Proto(body);
    assertGolden(t, 'zipkin/zipkin-go-v2-proto.model.json', render(model));
    assert.equal(Buffer.from(encodeZipkinV2Proto(model)).toString('hex'), Buffer.from(body).toString('hex'));
  });

  it('zipkin-js v1 JSON (a shared client+server span) decodes as the golden file says', (t) => {
    const model = decodeZipkinV1Json(zipkinJsV1Json());
    assertGolden(t, 'zipkin/zipkin-js-v1-json.model.json', render(model));
    assertGolden(t, 'zipkin/zipkin-js-v1-json.v2.json', `${JSON.stringify(JSON.parse(encodeZipkinV2Json(model)), null, 2)}\n`);
  });

  it('py_zipkin v1 Thrift decodes as the golden file says', (t) => {
    const body = pyZipkinThrift();
    assertGolden(t, 'zipkin/py-zipkin-v1.thrift.hex', hexLines(body));
    const model = decodeZipkinV1Thrift(body);
    assertGolden(t, 'zipkin/py-zipkin-v1-thrift.model.json', render(model));
  });

  it('the exporter writes the shared model fixture as the golden files say, in JSON and proto3', (t) => {
    const json = encodeZipkinV2Json(sampleTraces());
    assertGolden(t, 'zipkin/export-sample.v2.json', `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
    const proto = encodeZipkinV2Proto(sampleTraces());
    assertGolden(t, 'zipkin/export-sample.pb.hex', hexLines(proto));
    assert.deepEqual(decodeZipkinV2Proto(proto), decodeZipkinV2Json(json), 'both encodings carry the same');
  });
});
