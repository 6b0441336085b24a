// Text renderings of traces and metrics for the debug backend, close to the
// OpenTelemetry Collector's debug exporter so that its users read them at once.
import type { AnyValue, KeyValue } from '../model/common.js';
import type { ExponentialBuckets, Metric, Metrics, NumberValue } from '../model/metrics.js';
import type { Span, Traces } from '../model/trace.js';

export function spanSummary(span: Span): string {
  return `${span.traceId} ${span.spanId} ${span.name} ${durationMs(span.startTimeUnixNano, span.endTimeUnixNano)}ms`;
}

export function metricSummary(metric: Metric): string {
  const points = metric.data.kind === 'empty' ? 0 : metric.data.dataPoints.length;
  return `${metric.name} ${metric.data.kind}${metric.unit ? ` (${metric.unit})` : ''} ${points} points`;
}

export function traceDetailLines(traces: Traces): string[] {
  const out: string[] = [];
  traces.resourceSpans.forEach((rs, i) => {
    out.push(`ResourceSpans #${i}`, `Resource SchemaURL: ${rs.schemaUrl}`, ...attributeLines('Resource attributes', rs.resource.attributes));
    rs.scopeSpans.forEach((ss, j) => {
      out.push(`ScopeSpans #${j}`, `ScopeSpans SchemaURL: ${ss.schemaUrl}`);
      out.push(`InstrumentationScope ${ss.scope.name} ${ss.scope.version}`.trimEnd());
      ss.spans.forEach((span, k) => {
        out.push(
          `Span #${k}`,
          `    Trace ID       : ${span.traceId}`,
          `    Parent ID      : ${span.parentSpanId}`,
          `    ID             : ${span.spanId}`,
          `    Name           : ${span.name}`,
          `    Kind           : ${span.kind}`,
          `    Start time     : ${formatTime(span.startTimeUnixNano)}`,
          `    End time       : ${formatTime(span.endTimeUnixNano)}`,
          `    Status code    : ${span.status.code}`,
          `    Status message : ${span.status.message}`,
          ...attributeLines('Attributes', span.attributes),
        );
        span.events.forEach((event, e) => {
          out.push(`SpanEvent #${e}`, `     -> Name: ${event.name}`, `     -> Timestamp: ${formatTime(event.timeUnixNano)}`);
          out.push(...attributeLines('     -> Attributes', event.attributes));
        });
        span.links.forEach((link, l) => {
          out.push(`SpanLink #${l}`, `     -> Trace ID: ${link.traceId}`, `     -> ID: ${link.spanId}`);
          out.push(...attributeLines('     -> Attributes', link.attributes));
        });
      });
    });
  });
  return out;
}

export function attributeLines(title: string, attributes: readonly KeyValue[]): string[] {
  if (attributes.length === 0) return [];
  return [`${title}:`, ...attributes.map((kv) => `     -> ${kv.key}: ${formatValue(kv.value)}`)];
}

export function formatValue(value: AnyValue): string {
  switch (value.kind) {
    case 'string':
      return `Str(${value.value})`;
    case 'bool':
      return `Bool(${value.value})`;
    case 'int':
      return `Int(${value.value})`;
    case 'double':
      return `Double(${value.value})`;
    case 'bytes':
      return `Bytes(${Buffer.from(value.value).toString('base64')})`;
    case 'array':
      return `Slice([${value.value.map(formatValue).join(', ')}])`;
    case 'kvlist':
      return `Map({${value.value.map((kv) => `${kv.key}: ${formatValue(kv.value)}`).join(', ')}})`;
    case 'empty':
      return 'Empty()';
  }
}

/** ISO 8601 with all nine digits of the nanoseconds. */
export function formatTime(unixNano: bigint): string {
  const iso = new Date(Number(unixNano / 1_000_000n)).toISOString();
  const nanos = (((unixNano % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return iso.replace(/\.\d{3}Z$/, `.${nanos}Z`);
}

function durationMs(startNano: bigint, endNano: bigint): string {
  return (Number(endNano - startNano) / 1e6).toFixed(3);
}

export function metricDetailLines(metrics: Metrics): string[] {
  const out: string[] = [];
  metrics.resourceMetrics.forEach((rm, i) => {
    out.push(`ResourceMetrics #${i}`, `Resource SchemaURL: ${rm.schemaUrl}`, ...attributeLines('Resource attributes', rm.resource.attributes));
    rm.scopeMetrics.forEach((sm, j) => {
      out.push(`ScopeMetrics #${j}`, `ScopeMetrics SchemaURL: ${sm.schemaUrl}`);
      out.push(`InstrumentationScope ${sm.scope.name} ${sm.scope.version}`.trimEnd());
      sm.metrics.forEach((metric, k) => {
        out.push(
          `Metric #${k}`,
          'Descriptor:',
          `     -> Name: ${metric.name}`,
          `     -> Description: ${metric.description}`,
          `     -> Unit: ${metric.unit}`,
          `     -> DataType: ${metric.data.kind}`,
          ...pointLines(metric),
        );
      });
    });
  });
  return out;
}

function pointLines(metric: Metric): string[] {
  const data = metric.data;
  if (data.kind === 'empty') return [];
  const out: string[] = [];
  if ('aggregationTemporality' in data) out.push(`     -> AggregationTemporality: ${data.aggregationTemporality}`);
  if (data.kind === 'sum') out.push(`     -> IsMonotonic: ${data.isMonotonic}`);
  data.dataPoints.forEach((point, i) => {
    out.push(
      `DataPoint #${i}`,
      ...attributeLines('Data point attributes', point.attributes),
      `StartTimestamp: ${formatTime(point.startTimeUnixNano)}`,
      `Timestamp: ${formatTime(point.timeUnixNano)}`,
    );
    if ('value' in point) out.push(`Value: ${formatNumber(point.value)}`);
    if ('count' in point) out.push(`Count: ${point.count}`, `Sum: ${point.sum ?? ''}`);
    if ('explicitBounds' in point) {
      out.push(`ExplicitBounds: [${point.explicitBounds.join(', ')}]`, `Buckets: [${point.bucketCounts.join(', ')}]`);
    }
    if ('scale' in point) {
      out.push(`Scale: ${point.scale}`, `ZeroCount: ${point.zeroCount}`);
      out.push(`Positive: ${formatBuckets(point.positive)}`, `Negative: ${formatBuckets(point.negative)}`);
    }
    if ('quantileValues' in point) {
      for (const q of point.quantileValues) out.push(`QuantileValue: ${q.quantile} -> ${q.value}`);
    }
  });
  return out;
}

const formatNumber = (value: NumberValue | undefined): string => (value === undefined ? '' : String(value.value));
const formatBuckets = (b: ExponentialBuckets): string => `offset ${b.offset} [${b.bucketCounts.join(', ')}]`;
