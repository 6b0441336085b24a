// The sampler benchmarks that run several samplers or hold many traces, for
// bench/sampler.ts (--mode scale and --mode buffer):
//
// scale: for each N in --samplers (1,2,3), a fresh pair of topics pre-filled
// with the same backlog; N sampler processes start at once and work through
// it. Measured over a window that opens once every sampler is ready and the
// group has spread the partitions, and closes when 90% of the backlog is
// decided: spans decided per second (the cluster's throughput), the samplers'
// CPU in that window (spans per CPU-second), and over the whole run Redis
// commands per trace (INFO commandstats, commands inside scripts included).
//
// buffer: one sampler with a decision wait longer than the run takes a
// backlog of --spans spans (50k traces of 5 by default) and holds it all;
// measured: its resident memory before and with every trace buffered, per
// buffered span, beside the bytes of the records themselves.
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import type { PolicyConfig } from '../lib/config/policies.js';
import { waitFor } from '../test/harness/wait-for.js';
import { mib, readCpuS, readRssBytes } from './measure.js';
import { log, scrape, startService, uniqueName, type Runtime, type ServiceProcess } from './stack.js';

export const POLICY_SETS: Record<string, PolicyConfig[]> = {
  always: [{ name: 'always_sample', type: 'always_sample' }],
  // Four policies of the kinds production sets use: errors, latency, a
  // sampled share of one route under a budget (and: regex, probabilistic, and
  // a rate limit large enough not to bind, whose Redis path still runs), and
  // a drop. About 12% of the bench's traces are kept (2% errors, 10% share).
  mixed: [
    { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    { name: 'slow', type: 'latency', latency: { threshold_ms: 1_000 } },
    {
      name: 'orders-10pct',
      type: 'and',
      and: {
        and_sub_policy: [
          { name: 'route', type: 'string_attribute', string_attribute: { key: 'http.route', values: ['^/api/orders'], enabled_regex_matching: true } },
          { name: 'share', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
          { name: 'budget', type: 'rate_limiting', rate_limiting: { spans_per_second: 1_000_000 } },
        ],
      },
    },
    { name: 'no-health', type: 'drop', drop: { drop_sub_policy: [{ name: 'health', type: 'string_attribute', string_attribute: { key: 'url.path', values: ['/health'] } }] } },
  ],
};

export interface ScaleContext {
  brokers: string[];
  redisUrl: string;
  runtime: Runtime;
  admin: Admin;
  partitions: number;
  decisionWaitMs: number;
  policies: PolicyConfig[];
  /** Fills a new spans topic with the backlog; returns its record count. */
  prefill(spansTopic: string, sampledTopic: string): Promise<{ records: number; traces: number; spans: number; bytes: number }>;
}

function samplerEnv(c: ScaleContext, id: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OCSVC_KAFKA_BROKERS: c.brokers.join(','),
    OCSVC_KAFKA_PARTITIONS: String(c.partitions),
    OCSVC_KAFKA_TOPICS_SPANS: `${id}.spans`,
    OCSVC_KAFKA_TOPICS_METRICS: `${id}.metrics`,
    OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: `${id}.spans.sampled`,
    OCSVC_KAFKA_SESSION_TIMEOUT_MS: '10000',
    OCSVC_REDIS_URL: c.redisUrl,
    OCSVC_REDIS_KEY_PREFIX: `${id}:`,
    OCSVC_SAMPLER_GROUP_ID: `${id}-sampler`,
    OCSVC_SAMPLER_DECISION_WAIT_MS: String(c.decisionWaitMs),
    OCSVC_SAMPLER_ROOT_QUIET_MS: '0',
    OCSVC_SAMPLER_TICK_MS: '100',
    OCSVC_SAMPLER_POLICIES: JSON.stringify(c.policies),
    ...extra,
  };
}

/** Total commands Redis has run (INFO commandstats). */
async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

const decided = async (ps: ServiceProcess[]) => {
  const counts = await Promise.all(ps.map((p) => Promise.all([scrape(p, 'ocsvc_component_sent_items_total', { component: 'sampler' }), scrape(p, 'ocsvc_component_dropped_items_total', { component: 'sampler', reason: 'sampled_out' })])));
  return counts.reduce((sum, [sent, dropped]) => sum + sent + dropped, 0);
};

export interface ScaleRow {
  samplers: number;
  windowS: number;
  spansPerS: number;
  cpuCores: number;
  spansPerCpuS: number;
  redisCommandsPerTrace: number;
  keptPercent: number;
}

export async function scaleRun(c: ScaleContext, n: number): Promise<ScaleRow> {
  await warmGroupCoordinator(c.admin);
  const id = uniqueName(`bench-scale${n}`);
  const backlog = await c.prefill(`${id}.spans`, `${id}.spans.sampled`);
  const redis = new Redis(c.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    const commands0 = await redisCommands(redis);
    const procs = await Promise.all(Array.from({ length: n }, () => startService('sampler', samplerEnv(c, id), c.runtime)));
    // The window opens once the group has spread every partition over the N samplers.
    const assigned = async () => (await Promise.all(procs.map(async (p) => (await (await fetch(p.metricsUrl)).text()).split('\n').filter((l) => l.startsWith('ocsvc_kafka_consumer_lag{') && l.includes('.spans"')).length))).reduce((a, b) => a + b, 0);
    await waitFor(async () => (await assigned()) === c.partitions, { timeoutMs: 60_000, intervalMs: 100, what: 'every partition assigned' });
    const t0 = performance.now();
    const cpu0 = procs.map((p) => readCpuS(p.pid));
    const done0 = await decided(procs);
    if (done0 > backlog.spans * 0.5) log(`warning: ${done0} of ${backlog.spans} spans decided before the window opened: use a larger --spans`);
    const doneAt = await waitFor(async () => ((await decided(procs)) >= backlog.spans * 0.9 ? performance.now() : false), { timeoutMs: 300_000, intervalMs: 100, what: '90% of the backlog decided' });
    const done1 = await decided(procs);
    const cpu1 = procs.map((p) => readCpuS(p.pid));
    const windowS = (doneAt - t0) / 1_000;
    const cpuS = cpu1.reduce((s, v, i) => s + v - cpu0[i]!, 0);
    await waitFor(async () => (await decided(procs)) >= backlog.spans, { timeoutMs: 300_000, intervalMs: 100, what: 'the whole backlog decided' });
    const kept = (await Promise.all(procs.map((p) => scrape(p, 'ocsvc_component_sent_items_total', { component: 'sampler' })))).reduce((a, b) => a + b, 0);
    const commands = (await redisCommands(redis)) - commands0;
    for (const p of procs) {
      const code = await p.stop();
      if (code !== 0) log(`a sampler exited with ${code}:\n${p.output.slice(-10).join('\n')}`);
    }
    const row = {
      samplers: n,
      windowS,
      spansPerS: (done1 - done0) / windowS,
      cpuCores: cpuS / windowS,
      spansPerCpuS: (done1 - done0) / cpuS,
      redisCommandsPerTrace: commands / backlog.traces,
      keptPercent: (100 * kept) / backlog.spans,
    };
    log(`${n} sampler(s): ${Math.round(row.spansPerS)} spans/s over ${windowS.toFixed(1)} s, ${row.cpuCores.toFixed(2)} cores, ${Math.round(row.spansPerCpuS)} spans per CPU-s, ${row.redisCommandsPerTrace.toFixed(2)} Redis commands per trace, ${row.keptPercent.toFixed(1)}% kept`);
    return row;
  } finally {
    redis.disconnect();
  }
}

export interface BufferRow {
  traces: number;
  spans: number;
  recordBytes: number;
  rssBeforeBytes: number;
  rssBufferedBytes: number;
  bufferedBytes: number;
}

/**
 * On a fresh broker the first group lookup creates __consumer_offsets, and a
 * consumer joining meanwhile is told "no coordinator" (which KafkaJS does
 * not retry): look a group up until that answers, before any sampler starts.
 */
async function warmGroupCoordinator(admin: Admin): Promise<void> {
  await waitFor(() => admin.describeGroups(['bench-warm-up']).then(() => true, () => false), { timeoutMs: 60_000, intervalMs: 500, what: 'the group coordinator' });
}

export async function bufferRun(c: ScaleContext): Promise<BufferRow> {
  await warmGroupCoordinator(c.admin);
  const id = uniqueName('bench-buffer');
  // The sampler first (it creates the topics), so that its RSS is read before any record arrives.
  const proc = await startService('sampler', samplerEnv(c, id, { OCSVC_SAMPLER_DECISION_WAIT_MS: '600000', OCSVC_SAMPLER_MAX_BUFFERED_BYTES: String(4 * 1024 * 1024 * 1024) }), c.runtime);
  const rssAtReady = readRssBytes(proc.pid);
  const backlog = await c.prefill(`${id}.spans`, `${id}.spans.sampled`);
  await waitFor(async () => (await scrape(proc, 'ocsvc_sampler_buffered_traces')) >= backlog.traces, { timeoutMs: 300_000, intervalMs: 200, what: `${backlog.traces} traces buffered` });
  // Let V8 settle (a few GCs at rest) before reading RSS.
  let last = 0;
  await waitFor(
    () => {
      const rss = readRssBytes(proc.pid);
      const steady = Math.abs(rss - last) < 2 * 1024 * 1024;
      last = rss;
      return steady;
    },
    { timeoutMs: 30_000, intervalMs: 1_000, what: 'RSS steady' },
  );
  const row = { traces: backlog.traces, spans: backlog.spans, recordBytes: backlog.bytes, rssBeforeBytes: rssAtReady, rssBufferedBytes: last, bufferedBytes: await scrape(proc, 'ocsvc_sampler_buffered_bytes') };
  await proc.stop(2_000);
  log(`buffered ${row.traces} traces (${row.spans} spans, ${mib(row.bufferedBytes)} MiB of records): RSS ${mib(row.rssBeforeBytes)} -> ${mib(row.rssBufferedBytes)} MiB`);
  return row;
}
