// TraceService.Export and MetricsService.Export: bidirectional streams of
// export requests. Messages are processed strictly in order, one at a time;
// nothing more is read while the consumer works, so a slow Kafka slows the
// client through gRPC flow control instead of filling our memory.
//
// Acknowledgements: a client that asks for them (request metadata
// `ocsvc-acks: per-message`, as the ocsvc opencensus exporter does) gets one
// empty Export*ServiceResponse per message, in message order, written once the
// consumer accepted the message (the data is in Kafka). The protocol defines
// no per-message answer, and stock OpenCensus exporters (Go's ocagent) never
// read their Export stream: answering them anyway would fill the stream's
// HTTP/2 window after some thousand messages and stall it for good. So without
// the metadata nothing is written, as the OpenCensus Service did.
//
// A message the consumer did not accept ends the stream with its status
// (INVALID_ARGUMENT, or UNAVAILABLE / RESOURCE_EXHAUSTED with RetryInfo): no
// later message is acknowledged, so the sender resends everything after its
// last acknowledgement. A client that half-closes gets the acknowledgements of
// everything it sent, then OK. One that asks for acknowledgements and does not
// read them stalls its own stream (we wait for the write buffer to drain).
import * as grpc from '@grpc/grpc-js';
import type { Outcome } from '../../pipeline/consumer.js';
import { callerOf, endStream, nextMessage, retryMetadata, writeResponse } from '../grpc-server.js';
import { grpcCodeFor, outcomeMessage } from '../outcome.js';
import type { ExportDeps } from '../otlp/export.js';
import { exportMessage, newStreamState, type OcRequest, type OcSignal } from './export.js';

/** Export*ServiceResponse has no fields: its encoding is zero bytes. */
const ACK = Buffer.alloc(0);

/** The request metadata by which a client asks for one response per accepted message. */
export const ACK_METADATA = { key: 'ocsvc-acks', value: 'per-message' } as const;

export interface ExportStreamOptions {
  deps: ExportDeps;
  /** Aborted when the receiver closes: the message in hand is finished, then the stream ends UNAVAILABLE. */
  closing: AbortSignal;
}

/** The retryable answer to streams still open at shutdown: reconnect (to another instance). */
export const SHUTTING_DOWN: Outcome = { status: 'retryable', reason: 'shutting_down', message: 'the receiver is shutting down', retryAfterMs: 1_000 };

export async function serveExportStream<R extends OcRequest, D>(
  call: grpc.ServerDuplexStream<Buffer, Buffer>,
  sig: OcSignal<R, D>,
  options: ExportStreamOptions,
): Promise<void> {
  const state = newStreamState();
  const peer = call.getPeer();
  // The whole stream is one caller: its token was checked when it opened.
  const { tenant } = callerOf(call);
  const acks = call.metadata.get(ACK_METADATA.key).includes(ACK_METADATA.value);
  for (;;) {
    const message = await nextMessage(call, options.closing);
    if (message === undefined) break;
    const ctx = { protocol: 'opencensus/grpc', peer, receivedAtMs: Date.now(), tenant };
    const outcome = await exportMessage(sig, 'proto', message, state, ctx, options.deps);
    if (call.cancelled || call.destroyed) return;
    if (outcome.status !== 'ok') return endWithOutcome(call, outcome);
    // The consumer answered ok even if we are closing: acknowledge it.
    if (acks && !(await writeResponse(call, ACK))) return;
  }
  if (call.cancelled || call.destroyed) return;
  if (options.closing.aborted) endWithOutcome(call, SHUTTING_DOWN);
  // Half-closed by the client: OK after the acknowledgements already written.
  else endStream(call, grpc.status.OK, 'OK');
}

export function endWithOutcome(call: grpc.ServerDuplexStream<Buffer, Buffer>, outcome: Outcome): void {
  const code = grpcCodeFor(outcome);
  const details = outcomeMessage(outcome);
  if (outcome.status === 'retryable') endStream(call, code, details, retryMetadata(code, details, outcome.retryAfterMs));
  else endStream(call, code, details);
}
