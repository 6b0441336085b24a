// The transport-independent half of an OTLP Export call: decode, count, hand
// to the consumer, count again. The transports turn the Outcome into their
// own status (see ../outcome.ts). malformed() and consumeCounted() are shared
// with the other receivers (OpenCensus), so that every one counts alike.
import { InvalidInputError, errorMessage } from '../../errors.js';
import type { Outcome, ReceiveContext, TelemetryConsumer } from '../../pipeline/consumer.js';
import type { ComponentStats, Registry, Signal } from '../../telemetry/stats.js';
import { outcomeFromError } from '../outcome.js';
import type { OtlpFormat, OtlpSignal } from './signals.js';

export interface ExportDeps {
  consumer: TelemetryConsumer;
  registry: Registry;
  stats: ComponentStats;
}

const MALFORMED = 'ocsvc_receiver_malformed_requests_total';
const MALFORMED_HELP = 'Requests refused because they could not be decoded (their item count is unknown).';

export async function handleExport<T>(
  sig: OtlpSignal<T>,
  format: OtlpFormat,
  body: Uint8Array,
  ctx: ReceiveContext,
  deps: ExportDeps,
): Promise<Outcome> {
  let data: T;
  try {
    data = sig.decode(format, body);
  } catch (err) {
    const what = format === 'proto' ? 'protobuf' : 'JSON';
    return malformed(deps, sig.signal, `malformed OTLP/${what} ${sig.signal} request`, err);
  }
  const items = sig.count(data);
  // Nothing to hand on (an SDK's empty flush): succeed without troubling the pipeline.
  if (items === 0) return { status: 'ok' };
  return consumeCounted(deps, sig.signal, items, () => sig.consume(deps.consumer, data, ctx));
}

/**
 * Counts a request that could not be decoded (its item count is unknown) and
 * returns the rejection naming the problem: "<what>: <decoder's message>".
 */
export function malformed(deps: ExportDeps, signal: Signal, what: string, err: unknown): Outcome {
  // Decoders throw InvalidInputError; anything else is still caused by these
  // bytes, and the client deserves a 400 rather than a 500 either way.
  deps.registry.add(MALFORMED, MALFORMED_HELP, { component: deps.stats.component, signal }, 1);
  const detail = err instanceof InvalidInputError ? err.message : `decoder failed: ${errorMessage(err)}`;
  return { status: 'rejected', reason: `${what}: ${detail}` };
}

/** Hands `items` decoded items on with `consume`, counting them received, then sent or refused. */
export async function consumeCounted(deps: ExportDeps, signal: Signal, items: number, consume: () => Promise<Outcome>): Promise<Outcome> {
  deps.stats.received(items, signal);
  let outcome: Outcome;
  try {
    outcome = await consume();
  } catch (err) {
    outcome = outcomeFromError(err);
  }
  if (outcome.status === 'ok') deps.stats.sent(items, signal);
  else if (outcome.status === 'retryable') deps.stats.refused(items, outcome.reason, signal);
  // The reason of a rejection describes the data; the label stays one fixed word.
  else if (outcome.status === 'rejected') deps.stats.refused(items, 'invalid', signal);
  return outcome;
}
