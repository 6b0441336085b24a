// Sampler benchmarks, on a real Kafka and Redis with the sampler as its own
// process. Prints markdown rows for docs/performance.md.
//
// --mode backlog (default): the spans topic is filled first with N spans,
// produced the way the agent's publisher does (one record per trace, key =
// the 16 trace ID bytes, value = OTLP protobuf of that trace's spans); then
// one sampler starts (always_sample, short decision wait) and works through
// the backlog. Measured: wall time and the sampler's CPU until its group has
// committed everything and spans.sampled holds every kept span.
//
// --mode rate: agent + sampler at a fixed OTLP/gRPC rate (10k spans/s) for a
// duration, the CPU and memory of both, and how far the sampler lags.
//
// --mode scale: 1, 2 and 3 samplers (--samplers) on the same backlog, with a
// policy set (--policies always|mixed); --mode buffer: one sampler holding a
// whole backlog undecided, its memory per buffered span (sampler-scale.ts).
//
//   tsx bench/sampler.ts [--mode backlog|rate|scale|buffer] [--spans 200000] [--decision-wait-ms 1000]
//                        [--samplers 1,2,3] [--policies always|mixed]
//                        [--rate 10000] [--duration 30] [--rate-concurrency 64] [--brokers H:P] [--redis URL] [--runtime auto|dist|tsx]
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaBus } from '../lib/bus/kafka-bus.js';
import type { OutRecord } from '../lib/bus/bus.js';
import { idToBytes } from '../lib/model/ids.js';
import { HEADER } from '../lib/pipeline/headers.js';
import { encodeTracesProto, splitTracesByTraceId } from '../lib/protocol/otlp/index.js';
import { freePorts } from '../test/harness/free-port.js';
import { waitFor } from '../test/harness/wait-for.js';
import { formatLoadResult, runLoad } from './load.js';
import { mib, sampleUsage, type UsageSampler } from './measure.js';
import { bufferRun, POLICY_SETS, scaleRun, type ScaleContext, type ScaleRow } from './sampler-scale.js';
import { infraPids, kafka, log, machine, onCleanup, redis, runBounded, scrape, serviceRuntime, startService, uniqueName, type ServiceProcess } from './stack.js';
import { buildRequestPool, buildTraces } from './traffic.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'backlog' },
    spans: { type: 'string', default: '200000' },
    'spans-per-trace': { type: 'string', default: '5' },
    'decision-wait-ms': { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '12' },
    rate: { type: 'string', default: '10000' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    'rate-concurrency': { type: 'string', default: '64' },
    brokers: { type: 'string' },
    redis: { type: 'string' },
    runtime: { type: 'string', default: 'auto' },
    'timeout-s': { type: 'string', default: '100' },
    samplers: { type: 'string', default: '1,2,3' },
    policies: { type: 'string', default: 'mixed' },
  },
});

const SENT = 'ocsvc_component_sent_items_total';
const RECEIVED = 'ocsvc_component_received_items_total';

function admin(brokers: string[]): Promise<Admin> {
  const a = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  onCleanup(() => a.disconnect());
  return a.connect().then(() => a);
}

async function endOffsetSum(a: Admin, topic: string): Promise<number> {
  return (await a.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
}

async function committedSum(a: Admin, groupId: string, topic: string): Promise<number> {
  const [t] = await a.fetchOffsets({ groupId, topics: [topic] });
  return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

/** Records of `spans` spans, as the agent publishes them. */
function records(spans: number, spansPerTrace: number): { records: OutRecord[]; bytes: number } {
  const out: OutRecord[] = [];
  let bytes = 0;
  const headers = { [HEADER.protocol]: 'otlp/grpc', [HEADER.sender]: 'bench', [HEADER.receivedAtMs]: String(Date.now()) };
  for (let left = spans; left > 0; left -= 100) {
    for (const [traceId, one] of splitTracesByTraceId(buildTraces(Math.min(100, left), spansPerTrace))) {
      const value = Buffer.from(encodeTracesProto(one));
      bytes += value.length;
      out.push({ key: idToBytes(traceId), value, headers });
    }
  }
  return { records: out, bytes };
}

function samplerEnv(brokers: string[], redisUrl: string, id: string): Record<string, string> {
  return {
    OCSVC_KAFKA_BROKERS: brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: values.partitions!,
    OCSVC_KAFKA_TOPICS_SPANS: `${id}.spans`,
    OCSVC_KAFKA_TOPICS_METRICS: `${id}.metrics`,
    OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: `${id}.spans.sampled`,
    OCSVC_REDIS_URL: redisUrl,
    OCSVC_REDIS_KEY_PREFIX: `${id}:`,
    OCSVC_SAMPLER_GROUP_ID: `${id}-sampler`,
    OCSVC_SAMPLER_DECISION_WAIT_MS: values['decision-wait-ms']!,
    OCSVC_SAMPLER_TICK_MS: '100',
  };
}

async function backlog(): Promise<void> {
  const runtime = serviceRuntime(values.runtime as 'auto' | 'dist' | 'tsx');
  log(`machine: ${await machine()}; sampler runs as: ${runtime.note}`);
  const [brokers, redisUrl] = await Promise.all([kafka(values.brokers), redis(values.redis)]);
  const id = uniqueName('bench');
  const spansTopic = `${id}.spans`;
  const sampledTopic = `${id}.spans.sampled`;
  const partitions = Number(values.partitions);

  const wanted = Number(values.spans);
  const { records: recs, bytes } = records(wanted, Number(values['spans-per-trace']));
  log(`pre-filling ${spansTopic}: ${wanted} spans in ${recs.length} records (${(bytes / recs.length).toFixed(0)} bytes each)`);
  const bus = new KafkaBus({ brokers, clientId: 'bench-prefill' });
  onCleanup(() => bus.close());
  await bus.start();
  await bus.ensureTopics([
    { topic: spansTopic, partitions },
    { topic: sampledTopic, partitions },
  ]);
  const t0 = performance.now();
  // One produce at a time: the publisher's idempotent producer is not safe with concurrent sends.
  for (let i = 0; i < recs.length; i += 1_000) await bus.produce(spansTopic, recs.slice(i, i + 1_000));
  log(`pre-filled in ${((performance.now() - t0) / 1_000).toFixed(1)} s`);
  await bus.close();
  const a = await admin(brokers);
  if ((await endOffsetSum(a, spansTopic)) !== recs.length) throw new Error('the spans topic does not hold every record');

  let usage: UsageSampler | undefined;
  const spawnedAt = performance.now();
  const sampler = await startService('sampler', samplerEnv(brokers, redisUrl, id), runtime, { onSpawn: (pid) => (usage = sampleUsage(pid)) });
  const readyAt = performance.now();
  const atReady = usage!.read();
  const receivedAtReady = await scrape(sampler, RECEIVED, { component: 'sampler' });
  log(`sampler pid ${sampler.pid} ready after ${((readyAt - spawnedAt) / 1_000).toFixed(1)} s, ${atReady.cpuS.toFixed(2)} CPU-s; ${receivedAtReady} spans received by then`);

  const groupId = `${id}-sampler`;
  let last = 0;
  const doneAt = await waitFor(
    async () => {
      const sent = await scrape(sampler, SENT, { component: 'sampler' });
      if (sent !== last) last = sent;
      if (sent < wanted) return false;
      const [sampled, committed] = await Promise.all([endOffsetSum(a, sampledTopic), committedSum(a, groupId, spansTopic)]);
      return sampled >= recs.length && committed >= recs.length ? performance.now() : false;
    },
    { timeoutMs: Number(values['timeout-s']) * 1_000, intervalMs: 100, what: `the sampler to forward ${wanted} spans (last count ${last})` },
  );
  const u = usage!.stop();
  const code = await sampler.stop();
  if (code !== 0) log(`sampler exited with ${code} on SIGTERM:\n${sampler.output.slice(-20).join('\n')}`);
  const warnings = sampler.output.filter((l) => /"level":"(warn|error)"/.test(l) && !l.includes('switched default partitioner'));
  if (warnings.length > 0) log(`sampler logged ${warnings.length} warnings/errors; last:\n${warnings.slice(-5).join('\n')}`);

  const wallS = (doneAt - readyAt) / 1_000;
  // All CPU from spawn counts: consumption starts before the health check says ready.
  const row =
    `| sampler | backlog of ${wanted.toLocaleString('en')} spans (${recs.length.toLocaleString('en')} traces), decision wait ${values['decision-wait-ms']} ms | ` +
    `${wallS.toFixed(1)} | ${Math.round(wanted / wallS).toLocaleString('en')} | ${u.cpuS.toFixed(1)} (${atReady.cpuS.toFixed(1)} before ready) | ` +
    `${Math.round(wanted / u.cpuS).toLocaleString('en')} | ${mib(u.avgRssBytes)} / ${mib(u.peakRssBytes)} |`;
  process.stdout.write(
    `\n<!-- bench/sampler.ts --mode backlog, ${new Date().toISOString()}, ${await machine()}, sampler: ${runtime.kind} -->\n` +
      '| service | work | wall s (ready → all committed) | spans/s | sampler CPU-s | spans per CPU-s | RSS mean / peak (MiB) |\n' +
      '|---|---|---:|---:|---:|---:|---:|\n' +
      `${row}\n`,
  );
}

async function rate(): Promise<void> {
  const runtime = serviceRuntime(values.runtime as 'auto' | 'dist' | 'tsx');
  log(`machine: ${await machine()}; services run as: ${runtime.note}`);
  const [brokers, redisUrl] = await Promise.all([kafka(values.brokers), redis(values.redis)]);
  const id = uniqueName('bench');
  const env = samplerEnv(brokers, redisUrl, id);
  const [grpcPort, httpPort] = await freePorts(2);
  const endpoint = `127.0.0.1:${grpcPort}`;
  const sampler = await startService('sampler', env, runtime);
  const agent: ServiceProcess = await startService(
    'agent',
    { ...env, OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoint, OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}` },
    runtime,
  );
  const pool = buildRequestPool({ spansPerTrace: Number(values['spans-per-trace']) });
  const target = Number(values.rate);
  const durationS = Number(values.duration);
  // One request at a time first (see bench/agent.ts: a fresh agent hit by concurrent requests breaks its producer).
  await runLoad({ endpoint, transport: 'grpc', durationS: 1, concurrency: 1, pool });
  if (Number(values.warmup) > 0) {
    log(`warm-up ${values.warmup} s`);
    await runLoad({ endpoint, transport: 'grpc', rate: target, durationS: Number(values.warmup), pool, concurrency: Number(values['rate-concurrency']) });
  }
  const published0 = await scrape(agent, SENT, { component: 'publisher' });
  const sent0 = await scrape(sampler, SENT, { component: 'sampler' });
  const usage = new Map<string, UsageSampler>([
    ['agent', sampleUsage(agent.pid)],
    ['sampler', sampleUsage(sampler.pid)],
  ]);
  if (infraPids.kafka) usage.set('Kafka broker (JVM)', sampleUsage(infraPids.kafka));
  if (infraPids.redis) usage.set('Redis', sampleUsage(infraPids.redis));
  const progress = setInterval(() => {
    void Promise.all([
      scrape(agent, SENT, { component: 'publisher' }),
      scrape(sampler, RECEIVED, { component: 'sampler' }),
      scrape(sampler, SENT, { component: 'sampler' }),
      scrape(sampler, 'ocsvc_sampler_buffered_traces'),
    ]).then(
      ([pub, rec, sent, buffered]) => log(`published ${pub - published0}, sampler received ${rec}, forwarded ${sent - sent0}, buffered traces ${buffered}`),
      () => undefined,
    );
  }, 2_000);
  log(`OTLP/grpc ${target} spans/s for ${durationS} s through agent and sampler`);
  const result = await runLoad({ endpoint, transport: 'grpc', rate: target, durationS, pool, concurrency: Number(values['rate-concurrency']) });
  const during = new Map([...usage].map(([name, u]) => [name, u.read()]));
  log(formatLoadResult(result));
  const published = (await scrape(agent, SENT, { component: 'publisher' })) - published0;
  const behind = published - ((await scrape(sampler, SENT, { component: 'sampler' })) - sent0);
  log(`agent published ${published} spans; the sampler was ${behind} spans behind when the load stopped`);
  // The sampler's cost per span counts until it has forwarded everything.
  const stopAt = performance.now();
  const caughtUp = await waitFor(async () => (await scrape(sampler, SENT, { component: 'sampler' })) - sent0 >= published, {
    timeoutMs: 60_000,
    intervalMs: 100,
    what: 'the sampler to catch up',
  }).then(
    () => (performance.now() - stopAt) / 1_000,
    (err: unknown) => (log(String(err)), undefined),
  );
  clearInterval(progress);
  const samplerAll = usage.get('sampler')!.stop();
  for (const u of usage.values()) u.stop();
  for (const p of [agent, sampler]) {
    const code = await p.stop();
    if (code !== 0) log(`${p.role} exited with ${code}:\n${p.output.slice(-20).join('\n')}`);
    const warnings = p.output.filter((l) => /"level":"(warn|error)"/.test(l) && !l.includes('switched default partitioner'));
    if (warnings.length > 0) log(`${p.role} logged ${warnings.length} warnings/errors; last:\n${warnings.slice(-5).join('\n')}`);
  }
  const lines = [...during].map(([name, u]) => {
    const perCpu = name === 'agent' ? Math.round(result.acceptedSpans / u.cpuS).toLocaleString('en') : '';
    return `| ${name} | ${u.cores.toFixed(2)} | ${perCpu} | ${mib(u.avgRssBytes)} / ${mib(u.peakRssBytes)} |`;
  });
  lines.push(`| load generator (this process) | ${(result.clientCpuS / result.elapsedS).toFixed(2)} | | |`);
  const catchUp = caughtUp === undefined ? 'did not catch up within 60 s' : `caught up ${caughtUp.toFixed(1)} s after the load stopped`;
  lines.push(
    `| sampler, until caught up | ${samplerAll.cores.toFixed(2)} | ${Math.round(published / samplerAll.cpuS).toLocaleString('en')} | ${mib(samplerAll.avgRssBytes)} / ${mib(samplerAll.peakRssBytes)} |`,
  );
  process.stdout.write(
    `\n<!-- bench/sampler.ts --mode rate, ${new Date().toISOString()}, ${await machine()}, services: ${runtime.kind} -->\n` +
      `OTLP/gRPC at ${target.toLocaleString('en')} spans/s for ${durationS} s: ${Math.round(result.achievedSpansPerS).toLocaleString('en')} spans/s accepted, ` +
      `${result.failedRequests} requests failed, p50 / p99 ${result.latency.p50Ms.toFixed(1)} / ${result.latency.p99Ms.toFixed(1)} ms; ` +
      `sampler ${behind.toLocaleString('en')} spans behind when the load stopped, ${catchUp}.\n\n` +
      '| process | CPU (cores) during the load | spans per CPU-s | RSS mean / peak (MiB) |\n|---|---:|---:|---:|\n' +
      `${lines.join('\n')}\n`,
  );
}

async function scaleContext(): Promise<{ c: ScaleContext; runtime: ReturnType<typeof serviceRuntime> }> {
  const runtime = serviceRuntime(values.runtime as 'auto' | 'dist' | 'tsx');
  log(`machine: ${await machine()}; samplers run as: ${runtime.note}`);
  const [brokers, redisUrl] = await Promise.all([kafka(values.brokers), redis(values.redis)]);
  const policies = POLICY_SETS[values.policies!];
  if (!policies) throw new Error(`--policies must be one of ${Object.keys(POLICY_SETS).join(', ')}`);
  const partitions = Number(values.partitions);
  const wanted = Number(values.spans);
  const { records: recs, bytes } = records(wanted, Number(values['spans-per-trace']));
  const bus = new KafkaBus({ brokers, clientId: 'bench-prefill' });
  onCleanup(() => bus.close());
  await bus.start();
  const a = await admin(brokers);
  const prefill = async (spansTopic: string, sampledTopic: string) => {
    await bus.ensureTopics([
      { topic: spansTopic, partitions },
      { topic: sampledTopic, partitions },
    ]);
    const t0 = performance.now();
    for (let i = 0; i < recs.length; i += 1_000) await bus.produce(spansTopic, recs.slice(i, i + 1_000));
    log(`pre-filled ${spansTopic}: ${wanted} spans in ${recs.length} records in ${((performance.now() - t0) / 1_000).toFixed(1)} s`);
    return { records: recs.length, traces: recs.length, spans: wanted, bytes };
  };
  return { c: { brokers, redisUrl, runtime, admin: a, partitions, decisionWaitMs: Number(values['decision-wait-ms']), policies, prefill }, runtime };
}

async function scale(): Promise<void> {
  const { c, runtime } = await scaleContext();
  const rows: ScaleRow[] = [];
  for (const n of values.samplers!.split(',').map(Number)) rows.push(await scaleRun(c, n));
  const base = rows[0]!;
  process.stdout.write(
    `\n<!-- bench/sampler.ts --mode scale --policies ${values.policies}, ${new Date().toISOString()}, ${await machine()}, samplers: ${runtime.kind} -->\n` +
      `Backlog of ${Number(values.spans).toLocaleString('en')} spans (traces of ${values['spans-per-trace']}), ${values.partitions} partitions, decision wait ${values['decision-wait-ms']} ms, policies: ${values.policies}.\n\n` +
      '| samplers | spans/s (cluster) | × one sampler | sampler CPU (cores) | spans per CPU-s | Redis commands per trace | kept |\n|---:|---:|---:|---:|---:|---:|---:|\n' +
      rows
        .map((r) => `| ${r.samplers} | ${Math.round(r.spansPerS).toLocaleString('en')} | ${(r.spansPerS / base.spansPerS).toFixed(2)} | ${r.cpuCores.toFixed(2)} | ${Math.round(r.spansPerCpuS).toLocaleString('en')} | ${r.redisCommandsPerTrace.toFixed(2)} | ${r.keptPercent.toFixed(1)}% |`)
        .join('\n') +
      '\n',
  );
}

async function buffer(): Promise<void> {
  const { c, runtime } = await scaleContext();
  const r = await bufferRun(c);
  process.stdout.write(
    `\n<!-- bench/sampler.ts --mode buffer, ${new Date().toISOString()}, ${await machine()}, sampler: ${runtime.kind} -->\n` +
      '| traces buffered | spans | record bytes per span | RSS at start / all buffered (MiB) | RSS per buffered span (bytes) |\n|---:|---:|---:|---:|---:|\n' +
      `| ${r.traces.toLocaleString('en')} | ${r.spans.toLocaleString('en')} | ${Math.round(r.bufferedBytes / r.spans)} | ${mib(r.rssBeforeBytes)} / ${mib(r.rssBufferedBytes)} | ${Math.round((r.rssBufferedBytes - r.rssBeforeBytes) / r.spans)} |\n`,
  );
}

const MODES = { backlog, rate, scale, buffer } as const;
const mode = values.mode as keyof typeof MODES;
if (!(mode in MODES)) throw new Error(`--mode must be one of ${Object.keys(MODES).join(', ')}`);
const limitS = mode === 'rate' ? 150 + 2 * Number(values.duration) : mode === 'scale' ? 600 : 150 + Number(values['timeout-s']);
runBounded(`bench/sampler --mode ${mode}`, limitS, MODES[mode]);
