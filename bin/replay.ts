// `ocsvc replay`: re-consume a range of a topic (by time or by offsets), and
// either
//
// - send it to one configured exporter backend (--backend): to backfill a new
//   or recovered backend from spans.sampled, or to re-drive what a backend
//   refused once its cause is fixed; it runs the exporter's own
//   BackendPipeline (same batching, retries, commit-after-accept, dead-letter
//   topic); or
// - take it through a sampler with the configuration's policies into another
//   topic (--resample --output-topic): to try new policies on history. That
//   sampler decides on its own, in memory, by the records' own time (a trace
//   waits its decision wait of record time, however fast the replay reads),
//   and decides what it still holds at the end of the range.
//
// Either way a fresh consumer group positioned at the range's start reads
// through a RangeReader that hands on only the range. The range's end is fixed
// when the replay starts, so it finishes while the topic keeps growing.
// Progress goes to stderr; the exit code is 0 once the whole range was
// handled, 1 on failure, 2 on a usage error, 130 when interrupted.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { backendPipelines, deadLetterTopics } from '../exporter/service.js';
import { resolveRange, RangeReader, type RangeBound, type RangeProgress } from '../lib/bus/range.js';
import type { Bus } from '../lib/bus/bus.js';
import { ConfigError, loadConfig } from '../lib/config/index.js';
import type { ReplayConfig } from '../lib/config/schemas.js';
import { errorMessage, InvalidInputError } from '../lib/errors.js';
import { closeAll, closeOnce, type Component } from '../lib/lifecycle.js';
import { kafkaBus } from '../lib/service/kafka.js';
import { createRuntime, startAdmin, type Runtime } from '../lib/service/runtime.js';
import { MemoryDecisionStore } from '../lib/store/memory-store.js';
import type { Signal } from '../lib/telemetry/stats.js';
import { samplerPart } from '../sampler/service.js';

export const REPLAY_USAGE = `Usage: ocsvc replay --topic TOPIC --backend NAME [--from WHEN] [--to WHEN] [--signal traces|metrics] [--config FILE]
       ocsvc replay --topic TOPIC --resample --output-topic TOPIC [--from WHEN] [--to WHEN] [--config FILE]

Re-exports the records of TOPIC between --from and --to to the exporter backend NAME
(one of exporter.backends in the configuration), or, with --resample, takes the spans
through a sampler with the configuration's sampler.policies into --output-topic.

  WHEN is earliest, latest, a time (2026-12-01T10:00:00Z, or milliseconds since the epoch),
  or offsets per partition (0:1200,1:1180; partitions not named: the log start or end).
  --from defaults to earliest, --to to latest (the end when the replay starts).
  --signal defaults to metrics for the configured metrics topic and dead-letter topics
  ending in .metrics, else traces.
  To re-drive a backend's dead-letter topic: --topic ocsvc.dlq.NAME.traces --backend NAME.
  --progress-ms N   how often progress is printed (default 1000; 0: never)`;

export function parseBound(text: string, what: string): RangeBound {
  if (text === 'earliest' || text === 'latest') return text;
  if (/^\d+:\d+(,\d+:\d+)*$/.test(text)) {
    const offsets = new Map<number, bigint>();
    for (const pair of text.split(',')) {
      const [p, o] = pair.split(':') as [string, string];
      if (offsets.has(Number(p))) throw new InvalidInputError(`${what}: partition ${p} is given twice`);
      offsets.set(Number(p), BigInt(o));
    }
    return { offsets };
  }
  const timeMs = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(timeMs)) {
    throw new InvalidInputError(`${what}: "${text}" is not earliest, latest, a time (ISO 8601 or epoch ms) or partition:offset pairs`);
  }
  return { timeMs };
}

export function formatProgress(p: RangeProgress, startedMs: number, nowMs: number): string {
  const pct = p.total === 0n ? 100 : Number((p.handled * 1000n) / p.total) / 10;
  const seconds = Math.max(0.001, (nowMs - startedMs) / 1000);
  const rate = Number(p.handled) / seconds;
  const left = rate > 0 ? Math.ceil(Number(p.total - p.handled) / rate) : undefined;
  return (
    `replay: ${p.handled}/${p.total} records (${pct.toFixed(1)}%), ` +
    `partitions done ${p.partitionsDone}/${p.partitions}, ${Math.round(rate)} records/s` +
    (left !== undefined && p.handled < p.total ? `, about ${left} s left` : '')
  );
}

type Target = { kind: 'backend'; name: string } | { kind: 'resample'; outputTopic: string };

interface ReplayArgs {
  topic: string;
  target: Target;
  from: RangeBound;
  to: RangeBound;
  signal: Signal | undefined;
  progressMs: number;
  config: string | undefined;
}

function parseReplayArgs(argv: string[]): ReplayArgs {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      topic: { type: 'string' },
      backend: { type: 'string' },
      resample: { type: 'boolean', default: false },
      'output-topic': { type: 'string' },
      from: { type: 'string', default: 'earliest' },
      to: { type: 'string', default: 'latest' },
      signal: { type: 'string' },
      'progress-ms': { type: 'string', default: '1000' },
    },
  });
  if (!values.topic) throw new InvalidInputError('--topic is required');
  let target: Target;
  if (values.resample) {
    if (values.backend) throw new InvalidInputError('--backend and --resample exclude each other: a replay either exports or re-samples');
    const out = values['output-topic'];
    if (!out) throw new InvalidInputError('--resample needs --output-topic: where the spans it keeps go');
    if (out === values.topic) throw new InvalidInputError('--output-topic must differ from --topic');
    if (values.signal === 'metrics') throw new InvalidInputError('--resample takes spans: metrics are not sampled');
    target = { kind: 'resample', outputTopic: out };
  } else {
    if (!values.backend) throw new InvalidInputError('--backend (or --resample) is required');
    if (values['output-topic']) throw new InvalidInputError('--output-topic goes with --resample');
    target = { kind: 'backend', name: values.backend };
  }
  if (values.signal !== undefined && values.signal !== 'traces' && values.signal !== 'metrics') {
    throw new InvalidInputError(`--signal must be traces or metrics, got "${values.signal}"`);
  }
  const progressMs = Number(values['progress-ms']);
  if (!Number.isInteger(progressMs) || progressMs < 0) throw new InvalidInputError(`--progress-ms must be an integer >= 0, got "${values['progress-ms']}"`);
  return {
    topic: values.topic,
    target,
    from: parseBound(values.from, '--from'),
    to: parseBound(values.to, '--to'),
    signal: values.signal,
    progressMs,
    config: values.config ?? process.env.OCSVC_CONFIG,
  };
}

/** What a replay runs over the range: its part, and what its summary line adds. */
interface Job {
  part: Component;
  /** Called while the range is read, every second. */
  watch?: () => void;
  summary(): Record<string, unknown>;
}

/** The replay's target, checked against the configuration before anything starts; a message when it cannot be. */
function checkTarget(args: ReplayArgs, config: Readonly<ReplayConfig>): string | undefined {
  if (args.target.kind === 'resample') return undefined;
  const name = args.target.name;
  const cfg = config.exporter.backends.find((b) => b.name === name);
  if (!cfg) return `no backend named "${name}" in exporter.backends (${config.exporter.backends.map((b) => b.name).join(', ') || 'none configured'})`;
  const signal = signalOf(args, config);
  if (!cfg.signals.includes(signal)) return `backend "${cfg.name}" does not take ${signal} (its signals: ${cfg.signals.join(', ')})`;
  return undefined;
}

function signalOf(args: ReplayArgs, config: Readonly<ReplayConfig>): Signal {
  const prefix = config.exporter.deadLetter.topicPrefix;
  const metricsTopic = args.topic === config.kafka.topics.metrics || (args.topic.startsWith(prefix) && args.topic.endsWith('.metrics'));
  return args.signal ?? (metricsTopic ? 'metrics' : 'traces');
}

async function ensureTopics(bus: Bus, config: Readonly<ReplayConfig>, topics: string[]): Promise<void> {
  const { partitions, replicationFactor, createTopics } = config.kafka;
  if (createTopics && topics.length > 0) await bus.ensureTopics(topics.map((topic) => ({ topic, partitions, replicationFactor })));
}

async function exportJob(rt: Runtime, args: ReplayArgs, config: Readonly<ReplayConfig>, bus: Bus, reader: RangeReader, runId: string, name: string): Promise<Job> {
  const cfg = config.exporter.backends.find((b) => b.name === name)!;
  const signal = signalOf(args, config);
  // The topic stands in for the one this signal is normally exported from.
  const topics = { ...config.kafka.topics, [signal === 'traces' ? 'spansSampled' : 'metrics']: args.topic };
  const section = { ...config.exporter, groupPrefix: `ocsvc-replay-${runId}`, backends: [{ ...cfg, signals: [signal] }] };
  // What the backend still refuses goes to its dead-letter topic, as with the exporter.
  await ensureTopics(bus, config, deadLetterTopics(section));
  const [pipeline] = backendPipelines(rt, section, reader.bus(bus), topics);
  const component = `exporter/${cfg.name}`;
  return {
    part: pipeline!,
    summary: () => ({
      backend: cfg.name,
      sent: rt.registry.total('ocsvc_component_sent_items_total', { component }),
      dropped: rt.registry.total('ocsvc_component_dropped_items_total', { component }),
    }),
  };
}

async function resampleJob(rt: Runtime, args: ReplayArgs, config: Readonly<ReplayConfig>, bus: Bus, reader: RangeReader, runId: string, outputTopic: string): Promise<Job> {
  await ensureTopics(bus, config, [outputTopic]);
  // Record time: each trace waits its decision wait of its own time. When the
  // buffer is full of traces that are not yet due, reading pauses and record
  // time would stand still: then time is moved on a decision wait, which
  // decides the oldest traces on what has arrived (counted as stalls).
  let offsetMs = 0;
  let stalls = 0;
  const now = () => (reader.recordTimeMs() ?? Date.now()) + offsetMs;
  const section = { ...config.sampler, groupId: `ocsvc-replay-${runId}-sampler`, decideOnShutdown: true };
  const store = new MemoryDecisionStore({ nowMs: now });
  const topics = { ...config.kafka.topics, spans: args.topic, spansSampled: outputTopic };
  const sampler = samplerPart(rt, section, reader.bus(bus), store, topics, now);
  let last = { handled: -1n, atMs: Date.now() };
  return {
    part: {
      name: 'resample',
      start: async () => {
        await store.start();
        await sampler.start();
      },
      close: closeOnce(async () => {
        await sampler.close();
        await store.close();
      }),
    },
    watch: () => {
      const { handled } = reader.progress();
      if (handled !== last.handled) last = { handled, atMs: Date.now() };
      else if (Date.now() - last.atMs > 5_000 && sampler.bufferedBytes() >= section.maxBufferedBytes * 0.8) {
        offsetMs += section.decisionWaitMs;
        stalls++;
        last = { handled, atMs: Date.now() };
        rt.log.warn('the sampler buffer is full of traces not yet due: moving record time on a decision wait', { decisionWaitMs: section.decisionWaitMs });
      }
    },
    summary: () => ({
      outputTopic,
      keptTraces: rt.registry.total('ocsvc_sampler_decisions_total', { verdict: 'keep' }),
      droppedTraces: rt.registry.total('ocsvc_sampler_decisions_total', { verdict: 'drop' }),
      keptSpans: rt.registry.total('ocsvc_component_sent_items_total', { component: 'sampler' }),
      stalls,
    }),
  };
}

/** Runs a replay from the command line; resolves with the exit code. */
export async function replayMain(argv: string[]): Promise<number> {
  let args: ReplayArgs;
  let config: Readonly<ReplayConfig>;
  try {
    args = parseReplayArgs(argv);
    config = loadConfig('replay', { file: args.config });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`${errorMessage(err)}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  const refusal = checkTarget(args, config);
  if (refusal !== undefined) {
    process.stderr.write(`${refusal}\n`);
    return 2;
  }

  const rt = createRuntime('replay', config);
  const bus = kafkaBus(config.kafka, config.service.name, rt.log);
  const admin = startAdmin(rt, config.admin);
  let job: Job | undefined;
  let timer: NodeJS.Timeout | undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    process.once('SIGTERM', () => resolve('interrupted'));
  });
  try {
    await admin.start();
    await bus.start();
    const ranges = await resolveRange(bus, args.topic, args.from, args.to);
    const reader = new RangeReader(ranges);
    const runId = randomUUID().slice(0, 8);
    rt.log.info('replay starting', {
      topic: args.topic,
      target: args.target.kind === 'backend' ? `backend ${args.target.name}` : `resample into ${args.target.outputTopic}`,
      runId,
      ranges: ranges.map((r) => `${r.partition}:${r.start}-${r.end}`).join(' '),
    });
    job =
      args.target.kind === 'backend'
        ? await exportJob(rt, args, config, bus, reader, runId, args.target.name)
        : await resampleJob(rt, args, config, bus, reader, runId, args.target.outputTopic);
    const startedMs = Date.now();
    const report = () => process.stderr.write(`${formatProgress(reader.progress(), startedMs, Date.now())}\n`);
    let ticks = 0;
    timer = setInterval(() => {
      job?.watch?.();
      if (args.progressMs > 0 && ++ticks * 100 >= args.progressMs) {
        ticks = 0;
        report();
      }
    }, 100);
    await job.part.start();
    const outcome = await Promise.race([reader.done.then(() => 'done' as const), interrupted]);
    clearInterval(timer);
    report();
    if (outcome === 'interrupted') {
      rt.log.warn('replay interrupted; what was handled is committed, run it again with --from at the offsets above to go on');
      return 130;
    }
    // Closing finishes the work: the sampler decides what it still holds.
    await job.part.close();
    rt.log.info('replay done', { records: String(reader.progress().handled), seconds: (Date.now() - startedMs) / 1000, ...job.summary() });
    return 0;
  } catch (err) {
    rt.log.error('replay failed', { err });
    return 1;
  } finally {
    clearInterval(timer);
    await closeAll([job?.part, bus, admin].filter((c) => c !== undefined)).catch((err: unknown) => rt.log.warn('errors while stopping', { err }));
  }
}
