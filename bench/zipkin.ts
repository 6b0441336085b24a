// Zipkin codec benchmarks, beside OTLP's on the same spans: what the zipkin
// receiver pays per span to decode each encoding into the model, what the
// zipkin backend pays to encode, and the heap one decoded span holds. One
// thread, in this process, rated per CPU-second (steady on a shared
// machine); prints markdown.
//
//   node --expose-gc --import tsx bench/zipkin.ts [--seconds 2]
//
// The spans: the 100-span app request of bench/codec.ts (traces of 5 spans),
// written by the Zipkin encoder as v2 JSON and proto3, and as v1 JSON and
// Thrift the way a v1 reporter writes the same spans (core annotations with
// the host, tags as binary annotations, the remote side as "sa"/"ca"/"ma").
import { parseArgs } from 'node:util';
import type { Traces } from '../lib/model/trace.js';
import { decodeTracesProto, encodeTracesProto } from '../lib/protocol/otlp/index.js';
import {
  decodeZipkinV1Json,
  decodeZipkinV1Thrift,
  decodeZipkinV2Json,
  decodeZipkinV2Proto,
  encodeZipkinV2Json,
  encodeZipkinV2Proto,
} from '../lib/protocol/zipkin/index.js';
import { ipv6ToBytes } from '../lib/protocol/zipkin/ip.js';
import type { ZipkinJsonEndpoint, ZipkinJsonSpan } from '../test/helpers/zipkin-arbitraries.js';
import { encodeV1Thrift, type ThriftEndpoint, type ThriftSpan } from '../test/helpers/zipkin-thrift.js';
import { heapPerItem, ratePerS } from './micro.js';
import { machine } from './stack.js';
import { buildTraces } from './traffic.js';

interface Case {
  name: string;
  what: string;
  run: () => unknown;
  heap: boolean;
}

const CORE: Record<string, [string, string, string | undefined]> = {
  // kind: [start, end, address key of the remote side]
  SERVER: ['sr', 'ss', 'ca'],
  CLIENT: ['cs', 'cr', 'sa'],
  PRODUCER: ['ms', 'ws', 'ma'],
  CONSUMER: ['wr', 'mr', 'ma'],
};

/** A v2 span as a v1 reporter writes it: the neutral form both v1 encodings below are written from. */
function v1Of(s: ZipkinJsonSpan) {
  const host = s.localEndpoint;
  const [start, end, addressKey] = (s.kind && CORE[s.kind]) || [undefined, undefined, undefined];
  const annotations: [number, string, ZipkinJsonEndpoint | undefined][] = [];
  if (start !== undefined && s.timestamp !== undefined) {
    annotations.push([s.timestamp, start, host]);
    annotations.push([s.timestamp + (s.duration ?? 0), end!, host]);
  }
  for (const a of s.annotations ?? []) annotations.push([a.timestamp, a.value, host]);
  const binary: [string, string | true, ZipkinJsonEndpoint | undefined][] = Object.entries(s.tags ?? {}).map(([k, v]) => [k, v, host]);
  if (start === undefined) binary.push(['lc', '', host]);
  if (s.remoteEndpoint && addressKey) binary.push([addressKey, true, s.remoteEndpoint]);
  return { s, annotations, binary };
}

function v1Json(spans: ZipkinJsonSpan[]): string {
  return JSON.stringify(
    spans.map(v1Of).map(({ s, annotations, binary }) => ({
      traceId: s.traceId,
      id: s.id,
      parentId: s.parentId,
      name: s.name,
      timestamp: s.timestamp,
      duration: s.duration,
      annotations: annotations.map(([timestamp, value, endpoint]) => ({ timestamp, value, endpoint })),
      binaryAnnotations: binary.map(([key, value, endpoint]) => ({ key, value, endpoint })),
    })),
  );
}

function v1Thrift(spans: ZipkinJsonSpan[]): Buffer {
  const host = (e: ZipkinJsonEndpoint | undefined): ThriftEndpoint | undefined =>
    e && { serviceName: e.serviceName, ipv4: e.ipv4, port: e.port, ipv6: e.ipv6 === undefined ? undefined : ipv6ToBytes(e.ipv6) };
  return encodeV1Thrift(
    spans.map(v1Of).map(
      ({ s, annotations, binary }): ThriftSpan => ({
        traceId: s.traceId,
        id: s.id,
        parentId: s.parentId,
        name: s.name,
        timestamp: s.timestamp === undefined ? undefined : BigInt(s.timestamp),
        duration: s.duration === undefined ? undefined : BigInt(s.duration),
        annotations: annotations.map(([t, value, e]) => ({ timestamp: BigInt(t), value, host: host(e) })),
        binaryAnnotations: binary.map(([key, value, e]) => (value === true ? { key, value: Uint8Array.of(1), type: 0, host: host(e) } : { key, value, type: 6, host: host(e) })),
      }),
    ),
  );
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
  const seconds = Number(values.seconds);

  const traces: Traces = buildTraces(100, 5);
  const spans = 100;
  const v2Json = Buffer.from(encodeZipkinV2Json(traces));
  const v2Proto = Buffer.from(encodeZipkinV2Proto(traces));
  const asJson = JSON.parse(v2Json.toString()) as ZipkinJsonSpan[];
  const v1JsonBody = Buffer.from(v1Json(asJson));
  const v1ThriftBody = v1Thrift(asJson);
  const otlpProto = Buffer.from(encodeTracesProto(traces));
  for (const [name, decode, body] of [
    ['v1 JSON', decodeZipkinV1Json, v1JsonBody],
    ['v1 Thrift', decodeZipkinV1Thrift, v1ThriftBody],
  ] as const) {
    const n = decode(body).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length;
    if (n !== spans) throw new Error(`${name}: the bench request decodes to ${n} spans, not ${spans}`);
  }

  const cases: Case[] = [
    { name: 'v2 JSON -> model', what: 'decodeZipkinV2Json (the receiver path)', run: () => decodeZipkinV2Json(v2Json), heap: true },
    { name: 'v2 proto3 -> model', what: 'decodeZipkinV2Proto', run: () => decodeZipkinV2Proto(v2Proto), heap: true },
    { name: 'v1 JSON -> model', what: 'decodeZipkinV1Json (v1 spans converted to v2, then the model)', run: () => decodeZipkinV1Json(v1JsonBody), heap: true },
    { name: 'v1 Thrift -> model', what: 'decodeZipkinV1Thrift', run: () => decodeZipkinV1Thrift(v1ThriftBody), heap: true },
    { name: 'model -> v2 JSON', what: 'encodeZipkinV2Json (the backend path)', run: () => encodeZipkinV2Json(traces), heap: false },
    { name: 'model -> v2 proto3', what: 'encodeZipkinV2Proto', run: () => encodeZipkinV2Proto(traces), heap: false },
    { name: 'OTLP protobuf -> model', what: 'decodeTracesProto, same spans', run: () => decodeTracesProto(otlpProto), heap: true },
  ];
  const rows = cases.map((c) => {
    const perS = ratePerS(c.run, seconds, 'cpu') * spans;
    const bytes = c.heap ? heapPerItem(c.run, spans) : NaN;
    const line = `| ${c.name} | ${c.what} | ${Math.round(perS).toLocaleString('en')} | ${Number.isNaN(bytes) ? '' : Math.round(bytes).toLocaleString('en')} |`;
    process.stderr.write(`${line}\n`);
    return line;
  });

  void machine().then((m) => {
    process.stdout.write(
      `\n<!-- bench/zipkin.ts, ${new Date().toISOString()}, ${m}; ${spans} spans: v2 JSON ${v2Json.length} B, v2 proto3 ${v2Proto.length} B, v1 JSON ${v1JsonBody.length} B, v1 Thrift ${v1ThriftBody.length} B, OTLP ${otlpProto.length} B -->\n` +
        `| operation | what | spans per CPU-second | heap bytes per span held |\n|---|---|---:|---:|\n${rows.join('\n')}\n`,
    );
  });
}

main();
