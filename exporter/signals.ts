// What the exporter needs to know per signal, in one table, so that one
// pipeline serves traces and metrics alike.
import type { Backend, ExportResult } from '../lib/backend/backend.js';
import { dataPointCount, type Metrics } from '../lib/model/metrics.js';
import { spanCount, type Traces } from '../lib/model/trace.js';
import { decodeMetricsProto, decodeTracesProto } from '../lib/protocol/otlp/index.js';
import type { Signal } from '../lib/telemetry/stats.js';

export interface SignalCodec<T> {
  decode(bytes: Uint8Array): T;
  count(data: T): number;
  merge(list: T[]): T;
  send(backend: Backend, data: T, signal: AbortSignal): Promise<ExportResult>;
}

export const SIGNAL_CODECS: { traces: SignalCodec<Traces>; metrics: SignalCodec<Metrics> } = {
  traces: {
    decode: decodeTracesProto,
    count: spanCount,
    merge: (list) => ({ resourceSpans: list.flatMap((t) => t.resourceSpans) }),
    send: (backend, data, signal) => backend.exportTraces(data, signal),
  },
  metrics: {
    decode: decodeMetricsProto,
    count: dataPointCount,
    merge: (list) => ({ resourceMetrics: list.flatMap((m) => m.resourceMetrics) }),
    send: (backend, data, signal) => backend.exportMetrics(data, signal),
  },
};

export type { Signal };
