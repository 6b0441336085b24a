// Jaeger codec and translation benchmarks, beside OTLP's on the same spans:
// what each Jaeger transport's receiver pays per span before any I/O, and the
// heap one decoded span holds. One core, in this process; prints markdown.
//
//   node --expose-gc --import tsx bench/jaeger.ts [--seconds 1] [--rounds 3]
//
// Each case is measured --rounds times, interleaved with the others, for
// --seconds each; the table gives the best round (see bestRates).
//
// The 100-span app request of bench/codec.ts (traces of 5 spans), converted
// with tracesToJaeger, so every format carries the same spans: as the
// Agent.emitBatch datagram of UDP 6831 (compact) and 6832 (binary), the
// Thrift Batch body of POST /api/traces, and the PostSpansRequest of gRPC 14250.
import { parseArgs } from 'node:util';
import type { Traces } from '../lib/model/trace.js';
import {
  decodeBatchThrift,
  decodeEmitBatch,
  decodePostSpansProto,
  encodeBatchThrift,
  encodeEmitBatch,
  encodePostSpansProto,
  tracesFromJaeger,
  tracesToJaeger,
} from '../lib/protocol/jaeger/index.js';
import { decodeTracesProto, encodeTracesProto } from '../lib/protocol/otlp/index.js';
import { bestRates, caseRow, type Case } from './micro.js';
import { machine } from './stack.js';
import { buildTraces } from './traffic.js';

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' } } });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);

  const traces: Traces = buildTraces(100, 5);
  const batches = tracesToJaeger(traces);
  if (batches.length !== 1) throw new Error('expected one resource in the bench request');
  const batch = batches[0]!;
  const compact = encodeEmitBatch(batch, 'compact');
  const binary = encodeEmitBatch(batch, 'binary');
  const httpBody = encodeBatchThrift(batch, 'binary');
  const proto = Buffer.from(encodePostSpansProto(batch));
  const otlp = Buffer.from(encodeTracesProto(tracesFromJaeger(decodePostSpansProto(proto))));
  const spans = 100;

  const cases: Case[] = [
    { name: 'compact Thrift decode', what: 'UDP 6831 datagram -> Jaeger messages', run: () => decodeEmitBatch(compact, 'compact') },
    { name: 'compact Thrift -> model', what: 'decode + tracesFromJaeger (UDP 6831 receiver path)', run: () => tracesFromJaeger(decodeEmitBatch(compact, 'compact')) },
    { name: 'binary Thrift decode', what: 'UDP 6832 datagram -> Jaeger messages', run: () => decodeEmitBatch(binary, 'binary') },
    { name: 'binary Thrift -> model', what: 'decode + tracesFromJaeger (UDP 6832 receiver path)', run: () => tracesFromJaeger(decodeEmitBatch(binary, 'binary')) },
    { name: 'HTTP Thrift Batch -> model', what: 'POST /api/traces body (14268 receiver path)', run: () => tracesFromJaeger(decodeBatchThrift(httpBody, 'binary')) },
    { name: 'protobuf decode', what: 'PostSpansRequest -> Jaeger messages', run: () => decodePostSpansProto(proto) },
    { name: 'protobuf -> model', what: 'decode + tracesFromJaeger (gRPC 14250 receiver path)', run: () => tracesFromJaeger(decodePostSpansProto(proto)) },
    { name: 'model -> protobuf', what: 'tracesToJaeger + encode (the jaeger exporter path)', run: () => encodePostSpansProto(tracesToJaeger(traces)[0]!) },
    { name: 'model -> compact Thrift', what: 'tracesToJaeger + emitBatch encode (tests, benches)', run: () => encodeEmitBatch(tracesToJaeger(traces)[0]!, 'compact') },
    { name: 'OTLP protobuf -> model', what: 'decodeTracesProto, same spans', run: () => decodeTracesProto(otlp) },
  ];
  const heapFor = (c: Case) => c.name.endsWith('-> model') || c.name.endsWith('decode');
  const rates = bestRates(cases, seconds, rounds);
  const rows = cases.map((c, i) => caseRow(c, spans, seconds, heapFor(c), rates[i]));

  void machine().then((m) => {
    process.stdout.write(
      `\n<!-- bench/jaeger.ts, ${new Date().toISOString()}, ${m}; best of ${rounds} rounds of ${seconds} s; ${spans} spans: compact ${compact.length} B, binary ${binary.length} B, protobuf ${proto.length} B, OTLP ${otlp.length} B -->\n` +
        `| operation | what | spans/s (one core) | heap bytes per span held |\n|---|---|---:|---:|\n${rows.join('\n')}\n`,
    );
  });
}

main();
