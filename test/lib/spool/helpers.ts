// Opening segment logs for tests, and reading everything a log still holds.
import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bus, ConsumedRecord } from '../../../lib/bus/bus.js';
import { SegmentLog, type LogEntry, type SegmentLogOptions } from '../../../lib/spool/segment-log.js';
import type { SpoolRecord } from '../../../lib/spool/frame.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { uniqueName } from '../../harness/env.js';

export const DIR = '/spool';

export interface TestLog {
  log: SegmentLog;
  /** Its log lines (JSON). */
  lines: string[];
}

export function lineCollector(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
  return { lines, stream };
}

export async function openLog(t: TestContext | undefined, options: Partial<SegmentLogOptions> = {}): Promise<TestLog> {
  const { lines, stream } = lineCollector();
  const log = new SegmentLog({
    directory: DIR,
    maxBytes: 1024 * 1024,
    segmentBytes: 1024,
    fsync: { mode: 'always' },
    logger: createLogger({ level: 'info', stream }),
    ...options,
  });
  await log.open();
  t?.after(() => log.close().catch(() => undefined));
  return { log, lines };
}

/** Reads and acknowledges everything readable, in batches of `batch`. */
export async function drainAll(log: SegmentLog, batch = 3): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  for (;;) {
    const entries: LogEntry[] = await log.read(batch, 1024 * 1024);
    if (entries.length === 0) return out;
    out.push(...entries.map((e) => e.record));
    await log.ack(entries.at(-1)!.next);
  }
}

/** Reads everything readable without acknowledging it. */
export async function peekAll(log: SegmentLog): Promise<SpoolRecord[]> {
  return (await log.read(1_000_000, 1024 * 1024 * 1024)).map((e) => e.record);
}

export async function tempDir(t: TestContext, prefix = 'ocsvc-spool-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts a consumer of `topic` from the beginning in a new group, that keeps
 * every record. (Right after a broker restart the join itself waits for the
 * group coordinator: lib/bus/kafka-consumer.ts tries again while that is transient.)
 */
export async function collectTopic(bus: Bus, topic: string, cleanup: (fn: () => Promise<void>) => void): Promise<ConsumedRecord[]> {
  const got: ConsumedRecord[] = [];
  const consumer = bus.consumer({ groupId: uniqueName('collect'), topics: [topic], fromBeginning: true, handler: async (b) => void got.push(...b.records) });
  cleanup(() => consumer.close());
  await consumer.start();
  return got;
}
