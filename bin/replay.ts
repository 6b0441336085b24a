// `ocsvc replay`: re-consume a range of a topic (by time or by offsets) into
// one configured exporter backend: to backfill a new or recovered backend from
// spans.sampled, or to re-drive what a backend refused once its cause is fixed.
//
// It runs the exporter's own BackendPipeline (same batching, retries, and
// commit-after-accept) on a fresh consumer group positioned at the range's
// start, reading through a RangeReader that hands it only the range. The
// range's end is fixed when the replay starts, so it finishes even while the
// topic keeps growing. Progress goes to stderr; the exit code is 0 once the
// whole range was handled, 1 on failure, 130 when interrupted.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { BackendPipeline } from '../exporter/backend-pipeline.js';
import { backendPipelines, deadLetterTopics } from '../exporter/service.js';
import { resolveRange, RangeReader, type RangeBound, type RangeProgress } from '../lib/bus/range.js';
import { ConfigError, loadConfig } from '../lib/config/index.js';
import type { ReplayConfig } from '../lib/config/schemas.js';
import { errorMessage, InvalidInputError } from '../lib/errors.js';
import { closeAll } from '../lib/lifecycle.js';
import { kafkaBus } from '../lib/service/kafka.js';
import { createRuntime, startAdmin } from '../lib/service/runtime.js';
import type { Signal } from '../lib/telemetry/stats.js';

export const REPLAY_USAGE = `Usage: ocsvc replay --topic TOPIC --backend NAME [--from WHEN] [--to WHEN] [--signal traces|metrics] [--config FILE]

Re-exports the records of TOPIC between --from and --to to the exporter backend NAME
(one of exporter.backends in the configuration).

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

interface ReplayArgs {
  topic: string;
  backend: string;
  from: RangeBound;
  to: RangeBound;
  signal: Signal | undefined;
  progressMs: number;
  config: string | undefined;
}

function parseReplayArgs(argv: string[]): ReplayArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c' },
      topic: { type: 'string' },
      backend: { type: 'string' },
      from: { type: 'string', default: 'earliest' },
      to: { type: 'string', default: 'latest' },
      signal: { type: 'string' },
      'progress-ms': { type: 'string', default: '1000' },
    },
  });
  void positionals;
  if (!values.topic) throw new InvalidInputError('--topic is required');
  if (!values.backend) throw new InvalidInputError('--backend is required');
  if (values.signal !== undefined && values.signal !== 'traces' && values.signal !== 'metrics') {
    throw new InvalidInputError(`--signal must be traces or metrics, got "${values.signal}"`);
  }
  const progressMs = Number(values['progress-ms']);
  if (!Number.isInteger(progressMs) || progressMs < 0) throw new InvalidInputError(`--progress-ms must be an integer >= 0, got "${values['progress-ms']}"`);
  return {
    topic: values.topic,
    backend: values.backend,
    from: parseBound(values.from, '--from'),
    to: parseBound(values.to, '--to'),
    signal: values.signal,
    progressMs,
    config: values.config ?? process.env.OCSVC_CONFIG,
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
  const cfg = config.exporter.backends.find((b) => b.name === args.backend);
  if (!cfg) {
    const names = config.exporter.backends.map((b) => b.name).join(', ') || 'none configured';
    process.stderr.write(`no backend named "${args.backend}" in exporter.backends (${names})\n`);
    return 2;
  }
  const { deadLetter } = config.exporter;
  const metricsTopic = args.topic === config.kafka.topics.metrics || (args.topic.startsWith(deadLetter.topicPrefix) && args.topic.endsWith('.metrics'));
  const signal = args.signal ?? (metricsTopic ? 'metrics' : 'traces');
  if (!cfg.signals.includes(signal)) {
    process.stderr.write(`backend "${cfg.name}" does not take ${signal} (its signals: ${cfg.signals.join(', ')})\n`);
    return 2;
  }

  const rt = createRuntime('replay', config);
  const bus = kafkaBus(config.kafka, config.service.name, rt.log);
  const admin = startAdmin(rt, config.admin);
  let pipeline: BackendPipeline | undefined;
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
      backend: cfg.name,
      signal,
      group: `ocsvc-replay-${runId}-${cfg.name}`,
      ranges: ranges.map((r) => `${r.partition}:${r.start}-${r.end}`).join(' '),
    });
    // The topic stands in for the one this signal is normally exported from.
    const topics = { ...config.kafka.topics, [signal === 'traces' ? 'spansSampled' : 'metrics']: args.topic };
    const section = { ...config.exporter, groupPrefix: `ocsvc-replay-${runId}`, backends: [{ ...cfg, signals: [signal] }] };
    // What the backend still refuses goes to its dead-letter topic, as with the exporter.
    const { partitions, replicationFactor, createTopics } = config.kafka;
    if (createTopics) await bus.ensureTopics(deadLetterTopics(section).map((topic) => ({ topic, partitions, replicationFactor })));
    [pipeline] = backendPipelines(rt, section, reader.bus(bus), topics);
    const startedMs = Date.now();
    const report = () => process.stderr.write(`${formatProgress(reader.progress(), startedMs, Date.now())}\n`);
    if (args.progressMs > 0) timer = setInterval(report, args.progressMs);
    await pipeline!.start();
    const outcome = await Promise.race([reader.done.then(() => 'done' as const), interrupted]);
    clearInterval(timer);
    report();
    if (outcome === 'interrupted') {
      rt.log.warn('replay interrupted; what was exported is committed, run it again with --from at the offsets above to go on');
      return 130;
    }
    rt.log.info('replay done', { records: String(reader.progress().handled), seconds: (Date.now() - startedMs) / 1000 });
    return 0;
  } catch (err) {
    rt.log.error('replay failed', { err });
    return 1;
  } finally {
    clearInterval(timer);
    await closeAll([pipeline, bus, admin].filter((c) => c !== undefined)).catch((err: unknown) => rt.log.warn('errors while stopping', { err }));
  }
}
