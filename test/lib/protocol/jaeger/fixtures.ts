// A batch as jaeger-client-node writes one (process tags, sampler tags on the
// root span, span.kind and error tags, logs with event and message fields, a
// FOLLOWS_FROM span), and its shortcuts, for the Jaeger protocol tests.
import type { JaegerBatch, JaegerSpan, JaegerTag, JaegerValue } from '../../../../lib/protocol/jaeger/index.js';

export const TRACE = '00000000000000005b8efff798038103';
export const TRACE_128 = '5b8efff798038103d269b633813fc60c';
export const ROOT = 'eee19b7ec3c1b174';
export const CHILD = 'eee19b7ec3c1b175';
export const LATER = 'eee19b7ec3c1b176';
export const NO_PARENT = '0000000000000000';
export const T0 = 1_700_000_000_123_456_000n;
export const us = (n: number): bigint => T0 + BigInt(n) * 1000n;

export const s = (value: string): JaegerValue => ({ kind: 'string', value });
export const tag = (key: string, value: JaegerValue | string | number | boolean | bigint): JaegerTag => ({
  key,
  value:
    typeof value === 'string'
      ? s(value)
      : typeof value === 'number'
        ? { kind: 'double', value }
        : typeof value === 'boolean'
          ? { kind: 'bool', value }
          : typeof value === 'bigint'
            ? { kind: 'int', value }
            : value,
});

export function jSpan(over: Partial<JaegerSpan> = {}): JaegerSpan {
  return {
    traceId: TRACE,
    spanId: ROOT,
    parentSpanId: NO_PARENT,
    operationName: 'GET /cart',
    references: [],
    flags: 1,
    startTimeUnixNano: us(0),
    durationNano: 25_000_000n,
    tags: [],
    logs: [],
    process: undefined,
    ...over,
  };
}

export const PROCESS = {
  serviceName: 'cart',
  tags: [tag('jaeger.version', 'Node-3.19.0'), tag('hostname', 'cart-5d8f'), tag('ip', '10.0.0.7'), tag('client-uuid', '4f2a0c1e9b7d3a55')],
};

export function clientBatch(): JaegerBatch {
  return {
    process: PROCESS,
    spans: [
      jSpan({
        tags: [tag('sampler.type', 'const'), tag('sampler.param', true), tag('span.kind', 'server'), tag('http.method', 'GET'), tag('http.status_code', 200n)],
        logs: [{ timeUnixNano: us(1_000), fields: [tag('event', 'cache miss'), tag('key', 'cart:42')] }],
      }),
      jSpan({
        spanId: CHILD,
        parentSpanId: ROOT,
        operationName: 'SELECT cart',
        references: [{ refType: 0, traceId: TRACE, spanId: ROOT }],
        startTimeUnixNano: us(2_000),
        durationNano: 12_000_000n,
        tags: [tag('span.kind', 'client'), tag('db.type', 'sql'), tag('error', true), tag('retry.after', 0.25), tag('payload', { kind: 'bytes', value: new Uint8Array([0xca, 0xfe]) })],
        logs: [{ timeUnixNano: us(13_000), fields: [tag('event', 'error'), tag('error.object', 'Error: timeout'), tag('message', 'query timed out')] }],
      }),
      jSpan({
        spanId: LATER,
        parentSpanId: ROOT,
        operationName: 'publish cart.updated',
        references: [{ refType: 1, traceId: TRACE, spanId: ROOT }],
        flags: 3,
        startTimeUnixNano: us(30_000),
        durationNano: 1_000_000n,
        tags: [tag('span.kind', 'producer')],
      }),
    ],
  };
}

/** JSON with bigints as strings and bytes as hex, for golden files and messages. */
export function render(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    2,
  )}\n`;
}
