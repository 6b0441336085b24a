// Sends a few traces with the OpenTelemetry JS SDK over OTLP/gRPC, the way an
// instrumented application would. Used by the README's quick start:
//   node scripts/send-traces.mjs [endpoint=127.0.0.1:4317] [traces=3]
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const endpoint = process.argv[2] ?? '127.0.0.1:4317';
const count = Number(process.argv[3] ?? 3);

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'quickstart' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${endpoint}` }))],
});
const tracer = provider.getTracer('ocsvc-quickstart', '1.0.0');

for (let i = 0; i < count; i++) {
  const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 } });
  const ctx = trace.setSpan(context.active(), root);
  const db = tracer.startSpan('INSERT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, ctx);
  db.addEvent('row inserted', { 'order.id': 1000 + i });
  db.end();
  root.setStatus({ code: SpanStatusCode.OK });
  root.end();
  console.log(`trace ${root.spanContext().traceId}`);
}
await provider.forceFlush();
await provider.shutdown();
console.log(`sent ${count * 2} spans to ${endpoint}`);
