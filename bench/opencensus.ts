// OpenCensus codec and translation benchmarks, beside OTLP's on the same
// data: what a receiver pays per span and per data point before any I/O, and
// the heap one decoded item holds. One core, in this process; prints markdown.
//
//   tsx bench/opencensus.ts [--seconds 2]
//
// Traces: the 100-span app request of bench/codec.ts (traces of 5 spans),
// converted to OpenCensus with tracesToOc, so both protocols carry the same
// spans. Metrics: a request like a Go service's views (counters, gauges and
// latency distributions over a few label combinations), 200 points.
import { parseArgs } from 'node:util';
import type { Metrics } from '../lib/model/metrics.js';
import type { Traces } from '../lib/model/trace.js';
import {
  OcMetricType,
  decodeMetricsRequestJson,
  decodeMetricsRequestProto,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  encodeMetricsRequestJson,
  encodeMetricsRequestProto,
  encodeTraceRequestJson,
  encodeTraceRequestProto,
  metricsFromOc,
  metricsToOc,
  tracesFromOc,
  tracesToOc,
  type OcExportMetricsRequest,
  type OcMetric,
} from '../lib/protocol/opencensus/index.js';
import { decodeMetricsProto, decodeTracesProto, encodeMetricsProto, encodeTracesProto } from '../lib/protocol/otlp/index.js';
import { heapPerItem, ratePerS } from './micro.js';
import { machine } from './stack.js';
import { buildTraces } from './traffic.js';

interface Case {
  name: string;
  what: string;
  run: () => unknown;
}

const NS = 1_700_000_000_000_000_000n;

function ocMetricsRequest(): OcExportMetricsRequest {
  const labelKeys = [
    { key: 'method', description: '' },
    { key: 'status', description: '' },
  ];
  const series = (points: (i: number) => OcMetric['timeseries'][number]['points']) =>
    Array.from({ length: 10 }, (_, i) => ({
      startTimestamp: NS,
      labelValues: [
        { value: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'][i % 5]!, hasValue: true },
        { value: i < 5 ? 'OK' : 'ERROR', hasValue: true },
      ],
      points: points(i),
    }));
  const bounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];
  const metrics: OcMetric[] = [];
  for (let m = 0; m < 20; m++) {
    const kind = m % 4;
    const type = [OcMetricType.CUMULATIVE_INT64, OcMetricType.GAUGE_DOUBLE, OcMetricType.CUMULATIVE_DISTRIBUTION, OcMetricType.CUMULATIVE_DOUBLE][kind]!;
    metrics.push({
      metricDescriptor: { name: `app/metric_${m}`, description: 'A measure of the app', unit: kind === 2 ? 'ms' : '1', type, labelKeys },
      resource: undefined,
      timeseries: series((i) => [
        {
          timestamp: NS + 10_000_000_000n,
          value:
            kind === 0
              ? { kind: 'int64', value: BigInt(1000 + i) }
              : kind === 2
                ? {
                    kind: 'distribution',
                    value: {
                      count: 110n,
                      sum: 5_432.5,
                      sumOfSquaredDeviation: 0,
                      bucketOptions: { explicit: { bounds } },
                      buckets: Array.from({ length: bounds.length + 1 }, () => ({ count: 10n, exemplar: undefined })),
                    },
                  }
                : { kind: 'double', value: 0.5 + i },
        },
      ]),
    });
  }
  return {
    node: {
      identifier: { hostName: 'web-1', pid: 4242, startTimestamp: NS },
      libraryInfo: { language: 4, exporterVersion: '0.1.11', coreLibraryVersion: '0.24.0' },
      serviceInfo: { name: 'checkout' },
      attributes: [],
    },
    resource: { type: 'host', labels: [{ key: 'cloud.zone', value: 'eu-west-1a' }] },
    metrics,
  };
}

function main(): void {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
  const seconds = Number(values.seconds);

  const traces: Traces = buildTraces(100, 5);
  const ocTraces = tracesToOc(traces);
  if (ocTraces.length !== 1) throw new Error('expected one resource in the bench request');
  const ocTraceProto = Buffer.from(encodeTraceRequestProto(ocTraces[0]!));
  const ocTraceJson = Buffer.from(encodeTraceRequestJson(ocTraces[0]!));
  const otlpTraceProto = Buffer.from(encodeTracesProto(tracesFromOc(decodeTraceRequestProto(ocTraceProto))));
  const spans = 100;

  const ocMetrics = ocMetricsRequest();
  const ocMetricsProto = Buffer.from(encodeMetricsRequestProto(ocMetrics));
  const ocMetricsJson = Buffer.from(encodeMetricsRequestJson(ocMetrics));
  const model: Metrics = metricsFromOc(ocMetrics);
  const otlpMetricsProto = Buffer.from(encodeMetricsProto(model));
  const points = 200;

  const traceCases: Case[] = [
    { name: 'OC protobuf decode', what: 'bytes -> OC messages', run: () => decodeTraceRequestProto(ocTraceProto) },
    { name: 'OC protobuf -> model', what: 'decode + tracesFromOc (the receiver path)', run: () => tracesFromOc(decodeTraceRequestProto(ocTraceProto)) },
    { name: 'OC JSON -> model', what: 'gateway decode + tracesFromOc', run: () => tracesFromOc(decodeTraceRequestJson(ocTraceJson)) },
    { name: 'model -> OC protobuf', what: 'tracesToOc + encode (the exporter path)', run: () => tracesToOc(traces).map(encodeTraceRequestProto) },
    { name: 'OTLP protobuf -> model', what: 'decodeTracesProto, same spans', run: () => decodeTracesProto(otlpTraceProto) },
  ];
  const metricCases: Case[] = [
    { name: 'OC protobuf decode', what: 'bytes -> OC messages', run: () => decodeMetricsRequestProto(ocMetricsProto) },
    { name: 'OC protobuf -> model', what: 'decode + metricsFromOc (the receiver path)', run: () => metricsFromOc(decodeMetricsRequestProto(ocMetricsProto)) },
    { name: 'OC JSON -> model', what: 'gateway decode + metricsFromOc', run: () => metricsFromOc(decodeMetricsRequestJson(ocMetricsJson)) },
    { name: 'model -> OC protobuf', what: 'metricsToOc + encode (the exporter path)', run: () => metricsToOc(model).map(encodeMetricsRequestProto) },
    { name: 'OTLP protobuf -> model', what: 'decodeMetricsProto, same points', run: () => decodeMetricsProto(otlpMetricsProto) },
  ];

  const row = (c: Case, items: number, unit: string, heap: boolean) => {
    const perS = ratePerS(c.run, seconds) * items;
    const bytes = heap ? heapPerItem(c.run, items) : NaN;
    const line = `| ${c.name} | ${c.what} | ${Math.round(perS).toLocaleString('en')} | ${Number.isNaN(bytes) ? '' : Math.round(bytes).toLocaleString('en')} |`;
    process.stderr.write(`${line}\n`);
    return line;
  };
  const heapFor = (c: Case) => c.name.endsWith('-> model') || c.name.endsWith('decode');
  const traceRows = traceCases.map((c) => row(c, spans, 'spans', heapFor(c)));
  const metricRows = metricCases.map((c) => row(c, points, 'points', heapFor(c)));

  void machine().then((m) => {
    const head = (unit: string) => `| operation | what | ${unit}/s (one core) | heap bytes per ${unit.slice(0, -1)} held |\n|---|---|---:|---:|\n`;
    process.stdout.write(
      `\n<!-- bench/opencensus.ts, ${new Date().toISOString()}, ${m}; traces: ${spans} spans, OC ${ocTraceProto.length} B protobuf / ${ocTraceJson.length} B JSON, OTLP ${otlpTraceProto.length} B; metrics: ${points} points, OC ${ocMetricsProto.length} B / ${ocMetricsJson.length} B JSON, OTLP ${otlpMetricsProto.length} B -->\n` +
        `Traces:\n\n${head('spans')}${traceRows.join('\n')}\n\nMetrics:\n\n${head('points')}${metricRows.join('\n')}\n`,
    );
  });
}

main();
