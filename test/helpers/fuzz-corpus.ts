// Every wire decoder of the receivers, by a stable id, each the receiver's
// whole path from bytes to the model (decode, then translate), and the one
// check the fuzz tests run them through: a decoder returns or throws
// InvalidInputError with a message; anything else is a crash, and the input
// that caused it is kept under test/fuzz-corpus/<id>/ so that a crash found by
// a random run in CI is not lost: the failure names the file to commit with
// the fix, and test/lib/protocol/fuzz-corpus.test.ts replays it for ever.
//
// The ids are the directory names of the corpus: renaming one orphans its
// regressions, which the replay test refuses.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, InvalidInputError } from '../../lib/errors.js';
import { decodeJaegerAgentDatagram, decodeJaegerProto, decodeBatchThrift, tracesFromJaeger } from '../../lib/protocol/jaeger/index.js';
import {
  decodeLibraryConfigProto,
  decodeMetricsRequestJson,
  decodeMetricsRequestProto,
  decodeTraceRequestJson,
  decodeTraceRequestProto,
  metricsFromOc,
  tracesFromOc,
} from '../../lib/protocol/opencensus/index.js';
import { decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto, scanTracesProto } from '../../lib/protocol/otlp/index.js';
import { decodeZipkinV1Json, decodeZipkinV1Thrift, decodeZipkinV2Json, decodeZipkinV2Proto } from '../../lib/protocol/zipkin/index.js';
import { parseFrame } from '../../lib/spool/frame.js';

/** Runs of each fuzz property; OCSVC_FUZZ_RUNS=100000 (`npm run fuzz`) for a long local run. */
export const FUZZ_RUNS = runsFromEnv(process.env.OCSVC_FUZZ_RUNS, 300);

export const CORPUS_DIR = fileURLToPath(new URL('../fuzz-corpus/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The spool's limit on one frame's body is its segment size; 1 MiB is as good
// as any for the frame reader's behaviour.
const SPOOL_MAX_BODY = 1024 * 1024;

/** id -> bytes to the model, as the receiver runs it. */
export const DECODERS = {
  'otlp-traces-proto': decodeTracesProto,
  'otlp-traces-json': decodeTracesJson,
  'otlp-metrics-proto': decodeMetricsProto,
  'otlp-metrics-json': decodeMetricsJson,
  // What the sampler reads of each Kafka record of spans, without decoding it whole.
  'otlp-traces-scan': scanTracesProto,
  // The receiver applies the stream's sticky node before translating; a
  // message without one translates with none, which the translators accept.
  'oc-traces-proto': (b) => tracesFromOc(decodeTraceRequestProto(b)),
  'oc-traces-json': (b) => tracesFromOc(decodeTraceRequestJson(b)),
  'oc-metrics-proto': (b) => metricsFromOc(decodeMetricsRequestProto(b)),
  'oc-metrics-json': (b) => metricsFromOc(decodeMetricsRequestJson(b)),
  'oc-config-proto': decodeLibraryConfigProto,
  'jaeger-batch-thrift-binary': (b) => tracesFromJaeger(decodeBatchThrift(b, 'binary')),
  'jaeger-batch-thrift-compact': (b) => tracesFromJaeger(decodeBatchThrift(b, 'compact')),
  'jaeger-emitbatch-compact': (b) => decodeJaegerAgentDatagram(b, 'compact'),
  'jaeger-emitbatch-binary': (b) => decodeJaegerAgentDatagram(b, 'binary'),
  'jaeger-postspans-proto': decodeJaegerProto,
  'zipkin-v1-json': decodeZipkinV1Json,
  'zipkin-v1-thrift': decodeZipkinV1Thrift,
  'zipkin-v2-json': decodeZipkinV2Json,
  'zipkin-v2-proto': decodeZipkinV2Proto,
  // The spool's reader never throws by design: a bad or cut frame is a status,
  // given here as InvalidInputError so that the one check serves.
  'spool-frame': (b) => {
    const parsed = parseFrame(Buffer.from(b.buffer, b.byteOffset, b.byteLength), 0, SPOOL_MAX_BODY);
    if (parsed.status === 'bad') throw new InvalidInputError(parsed.reason);
    if (parsed.status === 'incomplete') throw new InvalidInputError(`incomplete frame: ${parsed.need} bytes needed`);
    return parsed.record;
  },
} as const satisfies Record<string, (bytes: Uint8Array) => unknown>;

export type DecoderId = keyof typeof DECODERS;

export const DECODER_IDS = Object.keys(DECODERS) as DecoderId[];

export function isDecoderId(name: string): name is DecoderId {
  return Object.hasOwn(DECODERS, name);
}

/** A decoder's failure the receivers handle: InvalidInputError with something to tell the client. */
export function isRejection(err: unknown): err is InvalidInputError {
  return err instanceof InvalidInputError && err.message.length > 0;
}

export interface KeepOptions<T> {
  /**
   * What to run instead of the whole decoder: a part of it on the same input
   * (e.g. only the decoding before translation, when a property checks the
   * intermediate result), so that replaying the kept input through the
   * decoder reproduces the crash.
   */
  run?: () => T;
  /** Where the corpus is; a test of this helper points it elsewhere. */
  dir?: string;
}

// The file kept for each decoder in this process. fast-check shrinks a failing
// input to ever smaller ones and calls the property on each; only the
// smallest is kept, and its name is in the message fast-check reports last.
const keptThisRun = new Map<string, { path: string; size: number }>();

/**
 * Runs decoder `id` on `input` (or `options.run`, a part of it on the same
 * input): its result, or undefined when it rejected the input with
 * InvalidInputError. Anything else it throws keeps the input under the corpus
 * and fails with a message naming the file.
 */
export function decodesOrKeeps<I extends DecoderId>(id: I, input: Uint8Array | string): ReturnType<(typeof DECODERS)[I]> | undefined;
export function decodesOrKeeps<T>(id: DecoderId, input: Uint8Array | string, options: KeepOptions<T>): T | undefined;
export function decodesOrKeeps(id: DecoderId, input: Uint8Array | string, options: KeepOptions<unknown> = {}): unknown {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const run = options.run ?? ((): unknown => DECODERS[id](bytes));
  try {
    return run();
  } catch (err) {
    if (isRejection(err)) return undefined;
    const path = keep(id, bytes, options.dir ?? CORPUS_DIR);
    throw new Error(
      `decoder ${id} threw ${describe(err)} on ${bytes.length} bytes instead of InvalidInputError with a message; ` +
        `the smallest such input of this run is kept as ${relative(ROOT, path)}: commit it with the fix`,
      { cause: err },
    );
  }
}

/** Keeps `bytes` as the smallest crashing input of decoder `id` in this run; returns the kept file. */
function keep(id: DecoderId, bytes: Uint8Array, dir: string): string {
  const slot = `${dir}\0${id}`;
  const previous = keptThisRun.get(slot);
  if (previous !== undefined && previous.size <= bytes.length) return previous.path;
  const path = join(dir, id, `${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}.bin`);
  // A file already there is a committed regression: never touched.
  if (!exists(path)) {
    mkdirSync(join(dir, id), { recursive: true });
    writeFileSync(path, bytes);
    if (previous !== undefined) rmSync(previous.path, { force: true });
    keptThisRun.set(slot, { path, size: bytes.length });
  }
  return path;
}

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function describe(err: unknown): string {
  if (err instanceof InvalidInputError) return 'InvalidInputError without a message';
  return err instanceof Error ? `${err.name}: ${errorMessage(err).slice(0, 200)}` : `a non-Error (${String(err).slice(0, 200)})`;
}

function runsFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const runs = Number(value);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`OCSVC_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}
