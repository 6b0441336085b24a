// The agent as operators run it, pointed at a private Kafka broker that is
// killed for a while: OTLP requests sent during the outage are acknowledged
// (200) from the agent's spool, and once the broker is back every span a
// client saw acknowledged is on the spans topic, the spans of each trace in
// the order they were sent. Then the agent is killed with SIGKILL while
// Kafka is down again: what it acknowledged arrives after it restarts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaBus } from '../../lib/bus/kafka-bus.js';
import type { SpanId, TraceId, Traces } from '../../lib/model/index.js';
import { decodeTracesProto, encodeTracesProto } from '../../lib/protocol/otlp/index.js';
import { createLogger } from '../../lib/telemetry/log.js';
import { deferStack } from '../harness/defer.js';
import { kafkaBrokers, uniqueName } from '../harness/env.js';
import { freePorts } from '../harness/free-port.js';
import { startKafka } from '../harness/kafka.js';
import { waitFor } from '../harness/wait-for.js';
import { scrape, startService } from '../helpers/service-process.js';
import { collectTopic, tempDir } from '../lib/spool/helpers.js';
import { spanOf } from '../helpers/trace-builder.js';

const TRACES = 6;
const SPANS_PER_REQUEST = 4;

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const traceId = (t: number) => `${'5eed'.padEnd(24, '0')}${hex(t, 8)}` as TraceId;

/** Request r: SPANS_PER_REQUEST spans named "r/i", spread over the TRACES traces so that every trace gets spans from many requests. */
function request(r: number): Traces {
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) =>
    spanOf({
      traceId: traceId((r + i) % TRACES),
      spanId: hex(r * SPANS_PER_REQUEST + i + 1, 16) as SpanId,
      flags: 1,
      name: `${r}/${i}`,
      kind: 1 as const,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(r),
      endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(r) + 1_000n,
    }),
  );
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { kind: 'string', value: 'spool-e2e' } }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'e2e', version: '', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

async function post(endpoint: string, r: number): Promise<number> {
  const res = await fetch(`http://${endpoint}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: encodeTracesProto(request(r)),
    signal: AbortSignal.timeout(30_000),
  });
  await res.arrayBuffer();
  return res.status;
}

test('spans the agent acknowledged while Kafka was down (and across a SIGKILL of the agent) all reach the spans topic, in order per trace', { timeout: 300_000 }, async (t) => {
  if (!kafkaBrokers(t)) return; // gated like the shared broker: a --unit run starts no JVM
  const defer = deferStack(t);
  const kafka = await startKafka();
  defer(() => kafka.stop()); // last
  const spoolDir = await tempDir(t, 'ocsvc-e2e-spool-');
  const [http] = await freePorts(1);
  const endpoint = `127.0.0.1:${http}`;
  const topic = uniqueName('e2e-spool');
  const env = {
    OCSVC_KAFKA_BROKERS: kafka.brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: '3',
    OCSVC_KAFKA_TOPICS_SPANS: topic,
    OCSVC_KAFKA_TOPICS_METRICS: `${topic}.metrics`,
    OCSVC_KAFKA_CONNECTION_TIMEOUT_MS: '500',
    OCSVC_KAFKA_REQUEST_TIMEOUT_MS: '3000',
    OCSVC_RECEIVERS_OTLP_GRPC_ENABLED: 'false',
    OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoint,
    OCSVC_SPOOL_DIRECTORY: spoolDir,
    OCSVC_SPOOL_KAFKA_TIMEOUT_MS: '1000',
  };
  let agent = await startService(t, 'agent', env);
  const acknowledged: number[] = [];
  const send = async (from: number, to: number) => {
    for (let r = from; r < to; r++) {
      const status = await post(endpoint, r);
      assert.equal(status, 200, `request ${r} answered ${status}\n${agent.output.slice(-20).join('\n')}`);
      acknowledged.push(r);
    }
  };

  await send(0, 10);
  assert.equal(await scrape(agent, 'ocsvc_spool_appended_records_total'), 0, 'Kafka up: nothing spooled');

  await kafka.stop({ kill: true, keepData: true });
  await send(10, 40);
  assert.ok((await scrape(agent, 'ocsvc_spool_records')) > 0, 'the outage is in the spool');
  assert.equal(await scrape(agent, 'ocsvc_spool_active'), 1);

  await kafka.start();
  await send(40, 50);
  await waitFor(async () => (await scrape(agent, 'ocsvc_spool_records')) === 0, { timeoutMs: 120_000, what: 'the spool to drain' });
  assert.equal(await scrape(agent, 'ocsvc_spool_active'), 0);

  // Kafka down again, and the agent crashes with records in its spool: they are sent after it restarts.
  await kafka.stop({ kill: true, keepData: true });
  await send(50, 60);
  await agent.kill();
  await kafka.start();
  agent = await startService(t, 'agent', env);
  await send(60, 65);
  await waitFor(async () => (await scrape(agent, 'ocsvc_spool_records')) === 0, { timeoutMs: 120_000, what: 'the spool to drain after the restart' });
  assert.ok((await scrape(agent, 'ocsvc_spool_recovered_records_total')) > 0, 'the restarted agent found records in its spool');
  assert.equal(await agent.stop(), 0, 'SIGTERM: exit 0');

  // Everything on the topic, read back by a consumer of our own.
  const reader = new KafkaBus({ brokers: kafka.brokers, clientId: uniqueName('e2e-reader'), logger: createLogger({ level: 'error', stream: process.stderr }), consumer: { maxWaitTimeMs: 200 } });
  defer(() => reader.close());
  const got = await collectTopic(reader, topic, defer);
  const names = () => got.flatMap((r) => decodeTracesProto(r.value).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
  const expected = acknowledged.flatMap((r) => Array.from({ length: SPANS_PER_REQUEST }, (_, i) => `${r}/${i}`));
  const missing = await waitFor(
    () => {
      const seen = new Set(names());
      const lost = expected.filter((n) => !seen.has(n));
      return lost.length === 0 ? [] : undefined;
    },
    { timeoutMs: 60_000, what: `${expected.length} acknowledged spans on ${topic}` },
  ).catch((err: unknown) => {
    const seen = new Set(names());
    return [String(err), ...expected.filter((n) => !seen.has(n))];
  });
  assert.deepEqual(missing, [], 'every acknowledged span arrived');
  // Per trace, spans arrive in the order their requests were sent (first copies; a retry may add duplicates).
  const lastPerTrace = new Map<string, number>();
  const seen = new Set<string>();
  for (const r of got) {
    for (const s of decodeTracesProto(r.value).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) {
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      const n = Number(s.name.split('/')[0]);
      assert.ok(n >= (lastPerTrace.get(s.traceId) ?? -1), `trace ${s.traceId}: request ${n} after ${lastPerTrace.get(s.traceId)}`);
      lastPerTrace.set(s.traceId, n);
    }
  }
  t.diagnostic(`${expected.length} spans acknowledged, ${names().length} on the topic (${names().length - expected.length} duplicates)`);
});
