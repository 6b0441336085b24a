// Codec micro-benchmarks on one realistic 100-span request (bench/traffic.ts):
// what the agent and the sampler pay per span before any I/O. Each case runs
// for a fixed time after a warm-up, in this process; prints markdown rows.
//
//   tsx bench/codec.ts [--seconds 2] [--spans-per-request 100] [--shape app|testbed]
//
// "wire scan" is not ocsvc code: it is a minimal protobuf walk written here to
// show what reading only the trace IDs (and keeping each span's raw bytes)
// would cost, the path DESIGN.md's "don't build objects you don't need" points
// to for the agent.
import { parseArgs } from 'node:util';
import { idToBytes } from '../lib/model/ids.js';
import type { Traces } from '../lib/model/trace.js';
import {
  decodeTracesJson,
  decodeTracesProto,
  encodeTracesJson,
  encodeTracesProto,
  splitTracesByTraceId,
} from '../lib/protocol/otlp/index.js';
import { buildTestbedTraces, buildTraces } from './traffic.js';
import { machine } from './stack.js';

// ---- a minimal wire scan (bench only) ----

function varint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** Calls `each(start, end)` for every length-delimited field `field` in buf[start, end). */
function fields(buf: Uint8Array, start: number, end: number, field: number, each: (s: number, e: number) => void): void {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const wire = key & 7;
    if (wire === 2) {
      let len;
      [len, pos] = varint(buf, pos);
      if (key >>> 3 === field) each(pos, pos + len);
      pos += len;
    } else if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`wire type ${wire}`);
  }
}

/** Trace ID (hex) -> span byte ranges, without decoding anything else. */
function scanTraceIds(buf: Uint8Array): Map<string, [number, number][]> {
  const byTrace = new Map<string, [number, number][]>();
  fields(buf, 0, buf.length, 1, (rs, re) =>
    fields(buf, rs, re, 2, (ss, se) =>
      fields(buf, ss, se, 2, (s, e) =>
        fields(buf, s, e, 1, (ts, te) => {
          const id = Buffer.from(buf.buffer, buf.byteOffset + ts, te - ts).toString('hex');
          let list = byTrace.get(id);
          if (!list) byTrace.set(id, (list = []));
          list.push([s, e]);
        }),
      ),
    ),
  );
  return byTrace;
}

// ---- the cases ----

interface Case {
  name: string;
  what: string;
  run: () => unknown;
}

function time(c: Case, seconds: number, spans: number): { spansPerS: number; usPerRequest: number } {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) c.run();
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1_000;
  let now = t0;
  while (now < end) {
    for (let i = 0; i < 10; i++) c.run();
    n += 10;
    now = performance.now();
  }
  const s = (now - t0) / 1_000;
  return { spansPerS: (n * spans) / s, usPerRequest: (s * 1e6) / n };
}

function main(): void {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '2' }, 'spans-per-request': { type: 'string', default: '100' }, shape: { type: 'string', default: 'app' } },
  });
  const seconds = Number(values.seconds);
  const spans = Number(values['spans-per-request']);
  if (values.shape !== 'app' && values.shape !== 'testbed') throw new Error('--shape must be app or testbed');
  // app: traces of 5 spans; testbed: one trace per request, as the Collector testbed sends.
  const model: Traces = values.shape === 'app' ? buildTraces(spans, 5) : buildTestbedTraces(spans, spans);
  const proto = Buffer.from(encodeTracesProto(model));
  const json = encodeTracesJson(model);
  const jsonBytes = Buffer.from(json);
  const decoded = decodeTracesProto(proto);
  const cases: Case[] = [
    { name: 'decodeTracesProto', what: 'protobuf bytes -> model', run: () => decodeTracesProto(proto) },
    { name: 'encodeTracesProto', what: 'model -> protobuf bytes', run: () => encodeTracesProto(decoded) },
    { name: 'decodeTracesJson', what: 'OTLP/JSON bytes -> model', run: () => decodeTracesJson(jsonBytes) },
    { name: 'encodeTracesJson', what: 'model -> OTLP/JSON', run: () => encodeTracesJson(decoded) },
    { name: 'splitTracesByTraceId', what: 'model -> one model per trace', run: () => splitTracesByTraceId(decoded) },
    {
      name: 'agent path (publisher)',
      what: 'decode + split + encode each trace (what lib/pipeline/publisher.ts does per request)',
      run: () => {
        const out = [];
        for (const [id, one] of splitTracesByTraceId(decodeTracesProto(proto))) out.push([idToBytes(id), Buffer.from(encodeTracesProto(one))]);
        return out;
      },
    },
    { name: 'wire scan (bench only)', what: 'trace IDs and span byte ranges, nothing decoded', run: () => scanTraceIds(proto) },
  ];
  // The scan must agree with the decoder, or its number means nothing.
  const scanned = scanTraceIds(proto);
  const split = splitTracesByTraceId(decoded);
  if (scanned.size !== split.size || [...split.keys()].some((id) => !scanned.has(id))) throw new Error('wire scan disagrees with the decoder');

  const rows = cases.map((c) => {
    const r = time(c, seconds, spans);
    const row = `| ${c.name} | ${c.what} | ${Math.round(r.spansPerS).toLocaleString('en')} | ${r.usPerRequest.toFixed(0)} |`;
    process.stderr.write(`${row}\n`);
    return row;
  });
  return void machine().then((m) => {
    process.stdout.write(
      `\n<!-- bench/codec.ts, ${new Date().toISOString()}, ${m}; request: ${values.shape} shape, ${spans} spans, ${proto.length} bytes protobuf, ${jsonBytes.length} bytes JSON -->\n` +
        `| operation | what | spans/s (one core) | µs per ${spans}-span request |\n|---|---|---:|---:|\n${rows.join('\n')}\n`,
    );
  });
}

main();
