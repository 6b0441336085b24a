// The agent's spool (lib/spool/) on this machine's disk: how fast produce()
// calls are made durable while Kafka is away, per fsync policy, and how fast
// a full spool drains, into the in-memory bus (the spool's own cost) and into
// a real Kafka broker. Prints markdown rows for docs/performance.md.
//
// A call is one OTLP request of 100 spans as the publisher hands it on: 20
// records (one per trace of 5 spans, bench/traffic.ts's app shape), ~1.8 KB
// each with the publisher's headers. "callers" is how many requests are in
// flight at once (appends that queue behind a running write share its fsync).
//
//   tsx bench/spool.ts [--seconds 5] [--drain-records 100000] [--dir DIR] [--no-kafka] [--brokers H:P]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bus } from '../lib/bus/bus.js';
import { KafkaBus } from '../lib/bus/kafka-bus.js';
import { MemoryBus } from '../lib/bus/memory-bus.js';
import { idToBytes } from '../lib/model/ids.js';
import { HEADER } from '../lib/pipeline/headers.js';
import { encodeTracesProto, splitTracesByTraceId } from '../lib/protocol/otlp/index.js';
import type { SpoolRecord } from '../lib/spool/frame.js';
import { SegmentLog, type FsyncPolicy } from '../lib/spool/segment-log.js';
import { SpoolingBus } from '../lib/spool/spooling-bus.js';
import { createLogger } from '../lib/telemetry/log.js';
import { waitFor } from '../test/harness/wait-for.js';
import { kafka, log, machine, onCleanup, runBounded } from './stack.js';
import { buildTraces } from './traffic.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'drain-records': { type: 'string', default: '100000' },
    dir: { type: 'string' },
    'no-kafka': { type: 'boolean', default: false },
    brokers: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const drainRecords = Number(values['drain-records']);
const TOPIC = 'spans';
const GiB = 1024 * 1024 * 1024;
const quiet = createLogger({ level: 'error', stream: process.stderr });

/** 32 requests' worth of records, made the way the publisher makes them. */
function requestPool(): SpoolRecord[][] {
  return Array.from({ length: 32 }, (_, i) => {
    const headers = { [HEADER.protocol]: 'otlp/grpc', [HEADER.sender]: 'agent-bench', [HEADER.receivedAtMs]: String(Date.now()) };
    return [...splitTracesByTraceId(buildTraces(100, 5, i))].map(([id, one]) => ({ topic: TOPIC, key: idToBytes(id), value: Buffer.from(encodeTracesProto(one)), headers }));
  });
}

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(values.dir ?? tmpdir(), 'ocsvc-bench-spool-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function appendCase(pool: SpoolRecord[][], fsync: FsyncPolicy, callers: number): Promise<string> {
  const dir = await freshDir();
  const spool = new SegmentLog({ directory: dir, maxBytes: 8 * GiB, segmentBytes: 16 * 1024 * 1024, fsync, logger: quiet });
  await spool.open();
  const latenciesMs: number[] = [];
  let records = 0;
  let calls = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1_000;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = c; performance.now() < end; i += callers) {
        const batch = pool[i % pool.length]!;
        const start = performance.now();
        await spool.append(batch);
        latenciesMs.push(performance.now() - start);
        records += batch.length;
        calls += 1;
      }
    }),
  );
  const s = (performance.now() - t0) / 1_000;
  const bytes = spool.counters.appendedBytes;
  await spool.close();
  await rm(dir, { recursive: true, force: true });
  latenciesMs.sort((a, b) => a - b);
  const policy = fsync.mode === 'always' ? 'always' : `interval (${fsync.intervalMs} ms)`;
  return `| append | ${policy} | ${callers} | ${Math.round(records / s).toLocaleString('en')} | ${Math.round((records * 5) / s).toLocaleString('en')} | ${(bytes / s / 1024 / 1024).toFixed(1)} | ${percentile(latenciesMs, 50).toFixed(2)} / ${percentile(latenciesMs, 99).toFixed(2)} | ${calls.toLocaleString('en')} calls |`;
}

/** Fills a spool with `n` records (Kafka away), then times a spooling bus draining it into `inner`. */
async function drainCase(pool: SpoolRecord[][], what: string, inner: Bus): Promise<string> {
  const dir = await freshDir();
  const fill = new SegmentLog({ directory: dir, maxBytes: 8 * GiB, segmentBytes: 16 * 1024 * 1024, fsync: { mode: 'interval', intervalMs: 1_000 }, logger: quiet });
  await fill.open();
  let records = 0;
  for (let i = 0; records < drainRecords; i++) {
    const batch = pool[i % pool.length]!;
    await fill.append(batch);
    records += batch.length;
  }
  const bytes = fill.counters.appendedBytes;
  await fill.close();
  await inner.start();
  await inner.ensureTopics([{ topic: TOPIC, partitions: 12, replicationFactor: 1 }]);
  const bus = new SpoolingBus({
    inner,
    spool: { directory: dir, maxBytes: 8 * GiB, segmentBytes: 16 * 1024 * 1024, fsync: { mode: 'always' } },
    kafkaTimeoutMs: 5_000,
    drainBatchRecords: 1_000,
    drainBatchBytes: 768 * 1024,
    logger: quiet,
  });
  const t0 = performance.now();
  await bus.start(); // recovery (reads every segment once) is part of the drain
  await waitFor(() => bus.log.readable === 0, { timeoutMs: 600_000, intervalMs: 10, what: 'the spool to drain' });
  const s = (performance.now() - t0) / 1_000;
  await bus.close();
  await rm(dir, { recursive: true, force: true });
  return `| drain | into ${what} | | ${Math.round(records / s).toLocaleString('en')} | ${Math.round((records * 5) / s).toLocaleString('en')} | ${(bytes / s / 1024 / 1024).toFixed(1)} | | ${records.toLocaleString('en')} records in ${s.toFixed(1)} s, recovery included |`;
}

async function main(): Promise<void> {
  const pool = requestPool();
  const recordBytes = pool.flat().reduce((n, r) => n + r.value.length + (r.key?.length ?? 0), 0) / pool.flat().length;
  log(`records of ${Math.round(recordBytes)} bytes on average, 20 per call; spool in ${values.dir ?? tmpdir()}`);
  const rows: string[] = [];
  const say = (row: string) => {
    log(row);
    rows.push(row);
  };
  for (const fsync of [{ mode: 'always' }, { mode: 'interval', intervalMs: 1_000 }] as FsyncPolicy[]) {
    for (const callers of [1, 16, 64]) say(await appendCase(pool, fsync, callers));
  }
  say(await drainCase(pool, 'the in-memory bus', new MemoryBus({ maxBytes: 2 * GiB, retainBytes: 64 * 1024 * 1024 })));
  if (!values['no-kafka']) {
    const brokers = await kafka(values.brokers);
    say(await drainCase(pool, 'Kafka (one local broker, acks=all)', new KafkaBus({ brokers, clientId: 'bench-spool', logger: quiet })));
  }
  process.stdout.write(
    [
      `<!-- bench/spool.ts, ${new Date().toISOString()}, ${await machine()}; records of ~${Math.round(recordBytes)} bytes, 20 per call -->`,
      '',
      '| what | fsync | callers | records/s | spans/s | MB/s | call latency p50 / p99 (ms) | |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

runBounded('bench/spool', 300 + 6 * Number(values.seconds), main);
