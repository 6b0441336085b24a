// How far the spool has been drained: the sequence number of the first record
// Kafka has not acknowledged yet, in a small text file that an operator can
// read, with a CRC so that a torn or garbled file is never mistaken for a
// position. It is replaced in one step (write a temporary file, rename it
// over the old one), so a crash leaves either the old or the new one. It is
// not fsynced: after a power loss it may be older than the last drained batch,
// and those records are sent again (at least once), never skipped.
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import type { SpoolFs } from './spool-fs.js';

export const CHECKPOINT_FILE = 'checkpoint';
export const CHECKPOINT_TMP_FILE = 'checkpoint.tmp';
const PREFIX = 'ocsvc-spool-checkpoint 1';

export type CheckpointRead = { status: 'none' } | { status: 'ok'; seq: number } | { status: 'bad'; reason: string };

export function formatCheckpoint(seq: number): string {
  return `${PREFIX} ${seq} ${crc32(String(seq)).toString(16)}\n`;
}

export function parseCheckpoint(text: string): CheckpointRead {
  const m = /^ocsvc-spool-checkpoint 1 (\d{1,16}) ([0-9a-f]{1,8})\n$/.exec(text);
  if (!m) return { status: 'bad', reason: 'not a checkpoint line' };
  if (crc32(m[1]!).toString(16) !== m[2]) return { status: 'bad', reason: 'checksum mismatch' };
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq)) return { status: 'bad', reason: 'position out of range' };
  return { status: 'ok', seq };
}

export async function readCheckpoint(fs: SpoolFs, dir: string): Promise<CheckpointRead> {
  const bytes = await fs.readFile(join(dir, CHECKPOINT_FILE));
  return bytes === undefined ? { status: 'none' } : parseCheckpoint(bytes.toString('latin1'));
}

export async function writeCheckpoint(fs: SpoolFs, dir: string, seq: number): Promise<void> {
  const tmp = join(dir, CHECKPOINT_TMP_FILE);
  await fs.remove(tmp);
  const file = await fs.open(tmp, 'create');
  try {
    const data = Buffer.from(formatCheckpoint(seq), 'latin1');
    for (let done = 0; done < data.length; ) {
      const n = await file.write(data.subarray(done), done);
      if (n <= 0) throw new Error(`short write to ${tmp}`);
      done += n;
    }
  } finally {
    await file.close();
  }
  await fs.rename(tmp, join(dir, CHECKPOINT_FILE));
}
