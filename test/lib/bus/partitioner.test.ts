// Pins lib/bus/partitioner.ts to Apache Kafka's Java murmur2 and toPositive.
// The golden file always runs; when Kafka's jars are on this machine (the test
// harness caches them; under CI always), the same inputs also go through the real
// org.apache.kafka.common.utils.Utils, so the file itself is checked.
// Regenerate the file from the jar with OCSVC_UPDATE_GOLDEN=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { murmur2, partitionFor } from '../../../lib/bus/partitioner.js';
import { cacheDir, ensureKafkaJars } from '../../harness/kafka-jars.js';

const VECTORS_PATH = new URL('./murmur2-vectors.json', import.meta.url);
const PARTITION_COUNTS = [1, 3, 12, 16, 64, 100] as const;

interface Vector {
  name: string;
  /** The key bytes, hex. */
  hex: string;
  murmur2: number;
  /** Kafka's partition for each of PARTITION_COUNTS, in order. */
  partitions: number[];
}

function text(s: string): { name: string; hex: string } {
  return { name: JSON.stringify(s), hex: Buffer.from(s).toString('hex') };
}

/** The inputs: Kafka's own UtilsTest strings, every tail length, and 16-byte trace IDs. */
function inputs(): { name: string; hex: string }[] {
  const out = [
    ...['21', 'foobar', 'a-little-bit-long-string', 'a-little-bit-longer-string',
      'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', 'abc'].map(text),
    { name: 'empty', hex: '' },
    // High bits in every position of the body and of each tail length (Java bytes are signed).
    ...['80', 'ff', 'ff7f', '80ff7f', 'ffffffff', '80ffff7f01', 'fe80ff7f0102', '00ff80fe7f0102'].map((hex) => ({ name: `bytes ${hex}`, hex })),
    ...[
      '4bf92f3577b34da6a3ce929d0e0e4736', // the W3C trace-context example
      '0af7651916cd43dd8448eb211c80319c',
      '00000000000000000000000000000001',
      '0000000000000000463ac35c9f6413ad', // a 64-bit Zipkin ID, left-padded
      'ffffffffffffffffffffffffffffffff',
      '000102030405060708090a0b0c0d0e0f',
      '80808080808080808080808080808080',
    ].map((hex) => ({ name: `trace ${hex}`, hex })),
  ];
  for (let i = 0; i < 24; i++) {
    const hex = createHash('sha256').update(`ocsvc-trace-${i}`).digest('hex').slice(0, 32);
    out.push({ name: `trace ${hex}`, hex });
  }
  return out;
}

function loadVectors(): Vector[] {
  return (JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { vectors: Vector[] }).vectors;
}

test('murmur2 matches Kafka UtilsTest values', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('murmur2 and partitionFor match every golden vector', () => {
  const vectors = loadVectors();
  assert.ok(vectors.length >= inputs().length, 'the golden file covers every input');
  for (const v of vectors) {
    const key = Buffer.from(v.hex, 'hex');
    assert.equal(murmur2(key), v.murmur2, v.name);
    assert.deepEqual(PARTITION_COUNTS.map((n) => partitionFor(key, n)), v.partitions, v.name);
  }
});

test('partitionFor reads a view into a larger buffer by its own bytes only', () => {
  const traceId = Buffer.from('4bf92f3577b34da6a3ce929d0e0e4736', 'hex');
  const big = Buffer.concat([Buffer.from([1, 2, 3]), traceId, Buffer.from([9])]);
  assert.equal(partitionFor(big.subarray(3, 19), 12), partitionFor(traceId, 12));
});

test('partitionFor rejects a partition count below one', () => {
  assert.throws(() => partitionFor(Buffer.from('a'), 0), RangeError);
  assert.throws(() => partitionFor(Buffer.from('a'), 1.5), RangeError);
});

/**
 * Kafka's jars as the broker harness caches them; under CI, fetched if they
 * are not there yet (nothing may skip there); locally, undefined to skip.
 */
async function kafkaClasspath(): Promise<string | undefined> {
  const cache = cacheDir();
  if (existsSync(cache)) {
    // Folders appear only once complete (kafka-jars.ts renames them into place).
    for (const dir of readdirSync(cache).filter((d) => d.startsWith('kafka-')).sort().reverse()) {
      const libs = join(cache, dir, 'libs');
      if (existsSync(libs) && readdirSync(libs).some((f) => /^kafka-clients-.*\.jar$/.test(f))) return join(libs, '*');
    }
  }
  if (process.env.CI === 'true') return join((await ensureKafkaJars()).libsDir, '*');
  return undefined;
}

const JAVA_SOURCE = `
import org.apache.kafka.common.utils.Utils;
import java.util.HexFormat;

public class Murmur {
  public static void main(String[] args) {
    int[] counts = {${PARTITION_COUNTS.join(', ')}};
    for (String arg : args) {
      String hex = arg.equals("-") ? "" : arg;
      byte[] key = HexFormat.of().parseHex(hex);
      StringBuilder line = new StringBuilder(arg).append(' ').append(Utils.murmur2(key));
      for (int n : counts) line.append(' ').append(Utils.toPositive(Utils.murmur2(key)) % n);
      System.out.println(line);
    }
  }
}
`;

async function javaVectors(classpath: string): Promise<Vector[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-murmur-'));
  try {
    writeFileSync(join(dir, 'Murmur.java'), JAVA_SOURCE);
    const list = inputs();
    const { stdout } = await promisify(execFile)('java', ['-cp', classpath, 'Murmur.java', ...list.map((i) => i.hex || '-')], {
      cwd: dir,
      timeout: 60_000 /* 1 minute: compiling the source takes a few seconds */,
    });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, list.length, 'one line per input');
    return list.map((input, i) => {
      const [, hash, ...partitions] = lines[i]!.split(' ');
      return { ...input, murmur2: Number(hash), partitions: partitions.map(Number) };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the golden vectors and partitionFor agree with Kafka's own jar", async (t) => {
  const classpath = await kafkaClasspath();
  if (classpath === undefined) return t.skip('Kafka jars are not cached (the Kafka test harness downloads them)');
  const fromJava = await javaVectors(classpath);
  if (process.env.OCSVC_UPDATE_GOLDEN === '1') {
    const header = "Apache Kafka's Utils.murmur2 and toPositive(murmur2) % n for n in partitionCounts; generated by test/lib/bus/partitioner.test.ts with OCSVC_UPDATE_GOLDEN=1";
    // One vector a line, so that a diff shows which input changed.
    const lines = fromJava.map((v) => `  ${JSON.stringify(v)}`).join(',\n');
    writeFileSync(VECTORS_PATH, `{\n "comment": ${JSON.stringify(header)},\n "partitionCounts": ${JSON.stringify(PARTITION_COUNTS)},\n "vectors": [\n${lines}\n ]\n}\n`);
  }
  assert.deepEqual(loadVectors(), fromJava);
  for (const v of fromJava) {
    const key = Buffer.from(v.hex, 'hex');
    assert.equal(murmur2(key), v.murmur2, v.name);
    assert.deepEqual(PARTITION_COUNTS.map((n) => partitionFor(key, n)), v.partitions, v.name);
  }
});

test('partitionFor always gives a partition in range, the same one each time', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 10_000 }), (key, n) => {
      const p = partitionFor(key, n);
      return Number.isInteger(p) && p >= 0 && p < n && p === partitionFor(Uint8Array.from(key), n) && (murmur2(key) | 0) === murmur2(key);
    }),
  );
});
