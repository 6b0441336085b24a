// A pending trace decoded for its decision: each buffered record decoded
// once, when the trace is decided (records are only scanned on arrival, see
// lib/protocol/otlp/scan-traces.ts), and the summary the operator page shows.
import type { ConsumedRecord } from '../lib/bus/bus.js';
import { attr } from '../lib/model/common.js';
import { spanCount, StatusCode, type ResourceSpans } from '../lib/model/trace.js';
import { decodeTracesProto } from '../lib/protocol/otlp/index.js';
import type { PendingTrace } from './partition-state.js';
import { traceDurationMs } from './policies/latency.js';
import type { TraceView } from './policies/index.js';

export interface DecodedTrace {
  view: TraceView;
  /** The records that passed the arrival scan but not the full decode: dropped and counted. */
  bad: { record: ConsumedRecord; spans: number }[];
  /** The records that decoded, to be forwarded if the trace is kept. */
  good: ConsumedRecord[];
}

export function decodeTrace(trace: PendingTrace): DecodedTrace {
  const resourceSpans: ResourceSpans[] = [];
  const bad: DecodedTrace['bad'] = [];
  const good: ConsumedRecord[] = [];
  let spans = 0;
  let bytes = 0;
  trace.records.forEach((record, i) => {
    try {
      const decoded = decodeTracesProto(record.value);
      resourceSpans.push(...decoded.resourceSpans);
      spans += spanCount(decoded);
      bytes += record.value.length;
      good.push(record);
    } catch {
      bad.push({ record, spans: trace.spansPerRecord[i] ?? 0 });
    }
  });
  return { view: { traceId: trace.traceId, resourceSpans, spanCount: spans, bytes }, bad, good };
}

/** What the operator page says about a decided trace. */
export interface TraceSummary {
  /** service.name of the root span's resource; "" without a root span. */
  rootService: string;
  /** The root span's name; "" without a root span. */
  rootOperation: string;
  spans: number;
  durationMs: number;
  /** Any span with status ERROR. */
  error: boolean;
}

export function summarize(view: TraceView): TraceSummary {
  let rootService = '';
  let rootOperation = '';
  let error = false;
  let rootFound = false;
  for (const rs of view.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        if (span.status.code === StatusCode.ERROR) error = true;
        if (!rootFound && span.parentSpanId === '') {
          rootFound = true;
          rootOperation = span.name;
          const service = attr(rs.resource.attributes, 'service.name');
          rootService = service?.kind === 'string' ? service.value : '';
        }
      }
    }
  }
  return { rootService, rootOperation, spans: view.spanCount, durationMs: traceDurationMs(view) ?? 0, error };
}
