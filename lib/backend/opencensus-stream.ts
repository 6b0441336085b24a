// One long-lived OpenCensus agent Export stream (traces or metrics): writes
// requests in order, applies the protocol's inheritance rule (a message
// without Node or Resource reuses the previous one on the stream), and maps
// the server's answers back to the exports that wait on them.
//
// Acknowledgements: the stream's responses carry no identifier, so with
// 'response' they are matched to messages first-in first-out (a server
// answers in order). With 'none' the server never answers (the OpenCensus
// Service and the OpenTelemetry Collector's opencensus receiver only read),
// so an export is ok once its messages were written and the stream survived
// a short settle time.
import { isDeepStrictEqual } from 'node:util';
import { status as GrpcStatus, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import type { OcNode, OcResource } from '../protocol/opencensus/index.js';
import { decodeRpcStatusProto } from '../protocol/rpc-status.js';
import { ABORTED, type ExportResult } from './backend.js';
import { resultFromGrpcStatus } from './classify.js';

export type Acknowledgements = 'response' | 'none';

/** What both agent requests share: the per-stream sticky parts. */
export interface OcRequest {
  node: OcNode | undefined;
  resource: OcResource | undefined;
}

export interface OcStreamOptions<R extends OcRequest> {
  call: ClientDuplexStream<Buffer, Buffer>;
  encode: (request: R) => Uint8Array;
  acknowledgements: Acknowledgements;
  /** With 'none': how long the stream must survive the last write. */
  settleMs: number;
  /** An export was acknowledged (the backend is healthy). */
  onSuccess: () => void;
  /** The stream is over; `failed` when it took exports down with it. */
  onEnd: (failed: boolean, reason: string) => void;
}

/** An export in flight: its result is decided once, by whoever comes first. */
interface Waiter {
  unacked: number;
  settle(result: ExportResult): void;
}

// An absent Node or Resource would inherit the previous one, so a request
// without them must send these empty ones to reset what the stream carries.
const EMPTY_NODE: OcNode = { identifier: undefined, libraryInfo: undefined, serviceInfo: undefined, attributes: [] };
const EMPTY_RESOURCE: OcResource = { type: '', labels: [] };
const OK: ExportResult = Object.freeze({ status: 'ok' });

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class OcExportStream<R extends OcRequest> {
  private readonly o: OcStreamOptions<R>;
  private readonly waiters = new Set<Waiter>();
  /** One entry per message written, oldest first ('response' only). */
  private readonly acks: Waiter[] = [];
  private readonly idleListeners: (() => void)[] = [];
  private readonly endListeners: (() => void)[] = [];
  private sentNode: OcNode | undefined; // undefined until the first message
  private sentResource: OcResource = EMPTY_RESOURCE;
  private blocked = false;
  private halfClosed = false;
  private endedFlag = false;
  private statusSeen = false;

  constructor(options: OcStreamOptions<R>) {
    this.o = options;
    const call = options.call;
    call.on('data', () => this.acknowledge());
    call.on('error', () => {}); // the 'status' event carries the same, with the trailers
    call.on('drain', () => (this.blocked = false));
    // Responses are pushed through a Readable and may still be queued when
    // 'status' fires; settle after them so that no ack is lost.
    call.on('status', (status: StatusObject) => {
      this.statusSeen = true;
      setImmediate(() => this.finish(status));
    });
  }

  /** No longer usable for new exports (those waiting may still be settling). */
  get ended(): boolean {
    return this.endedFlag || this.statusSeen;
  }

  /** Sends the requests in order; ok once every one is acknowledged. */
  export(requests: readonly R[], signal: AbortSignal, timeoutMs: number): Promise<ExportResult> {
    if (signal.aborted) return Promise.resolve(ABORTED);
    return new Promise<ExportResult>((resolve) => {
      let settled = false;
      const waiter: Waiter = {
        unacked: requests.length,
        settle: (result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          resolve(result);
          this.checkIdle();
        },
      };
      // A server that does not answer in time is stuck: give up on the whole stream.
      const timer = setTimeout(() => this.fail(`DEADLINE_EXCEEDED: no acknowledgement within ${timeoutMs} ms`), timeoutMs);
      const onAbort = () => waiter.settle(ABORTED);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      void this.write(requests, waiter, () => settled);
    });
  }

  /** Half-close: the server finishes what it has, then ends the stream. */
  end(): void {
    if (this.endedFlag || this.halfClosed) return;
    this.halfClosed = true;
    this.o.call.end();
  }

  /** Resolves once no export waits on this stream, or it ended. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleListeners.push(resolve);
      this.checkIdle();
    });
  }

  /** Ends the stream now; every export waiting on it gets a retryable result. */
  fail(reason: string): void {
    if (this.endedFlag) return;
    this.finishWith({ status: 'retryable', reason }, true, reason);
    this.o.call.cancel();
  }

  private async write(requests: readonly R[], waiter: Waiter, settled: () => boolean): Promise<void> {
    for (const [i, request] of requests.entries()) {
      // Respect back-pressure: grpc-js would otherwise buffer without bound.
      while (this.blocked && !this.ended && !settled()) await this.drainOrEnd();
      if (this.ended || settled()) return;
      let bytes: Buffer;
      try {
        bytes = toBuffer(this.o.encode(this.inherit(request)));
      } catch (err) {
        return waiter.settle({ status: 'rejected', reason: `cannot encode: ${err instanceof Error ? err.message : String(err)}` });
      }
      const last = i === requests.length - 1;
      if (this.o.acknowledgements === 'response') this.acks.push(waiter);
      const onWritten = last && this.o.acknowledgements === 'none' ? () => this.settleLater(waiter) : undefined;
      if (!this.o.call.write(bytes, onWritten)) this.blocked = true;
    }
  }

  // The protocol's inheritance rule: send Node and Resource only when they
  // differ from what this stream carries (the first message always has a Node).
  private inherit(request: R): R {
    const node = request.node ?? EMPTY_NODE;
    const resource = request.resource ?? EMPTY_RESOURCE;
    const sameNode = this.sentNode !== undefined && isDeepStrictEqual(node, this.sentNode);
    const sameResource = isDeepStrictEqual(resource, this.sentResource);
    this.sentNode = node;
    this.sentResource = resource;
    return { ...request, node: sameNode ? undefined : node, resource: sameResource ? undefined : resource };
  }

  private drainOrEnd(): Promise<void> {
    return new Promise((resolve) => {
      this.o.call.once('drain', resolve);
      this.endListeners.push(resolve);
    });
  }

  private settleLater(waiter: Waiter): void {
    setTimeout(() => {
      if (this.ended) return; // finish() decides
      waiter.settle(OK);
      this.o.onSuccess();
    }, this.o.settleMs);
  }

  private acknowledge(): void {
    if (this.o.acknowledgements !== 'response') return;
    const waiter = this.acks.shift();
    if (waiter === undefined) return; // more answers than messages: nothing to match
    if (--waiter.unacked > 0) return;
    waiter.settle(OK);
    this.o.onSuccess();
  }

  private finish(status: StatusObject): void {
    if (this.endedFlag) return;
    // A stream that ends while idle (a server restarting) failed no export: no backoff.
    const pending = this.waiters.size > 0;
    if (status.code !== GrpcStatus.OK) {
      const result = resultFromStatus(status);
      this.finishWith(result, pending, result.status === 'ok' ? '' : result.reason);
      return;
    }
    // After our half-close, a server that never answers has read everything
    // before it ends the stream; otherwise an unacknowledged message is lost.
    if (this.halfClosed && this.o.acknowledgements === 'none') return this.finishWith(OK, false, '');
    const reason = 'the server ended the stream before acknowledging';
    this.finishWith({ status: 'retryable', reason }, pending, reason);
  }

  private finishWith(result: ExportResult, failed: boolean, reason: string): void {
    this.endedFlag = true;
    for (const waiter of [...this.waiters]) waiter.settle(result);
    this.acks.length = 0;
    for (const listener of this.endListeners.splice(0)) listener();
    this.checkIdle();
    this.o.onEnd(failed, reason);
  }

  private checkIdle(): void {
    if (!this.endedFlag && this.waiters.size > 0) return;
    for (const listener of this.idleListeners.splice(0)) listener();
  }
}

/** Classified like otlp-grpc: the status code, with the RetryInfo delay when sent. */
function resultFromStatus(status: StatusObject): ExportResult {
  let retryAfterMs: number | undefined;
  const details = status.metadata?.get('grpc-status-details-bin')[0];
  if (Buffer.isBuffer(details)) {
    try {
      retryAfterMs = decodeRpcStatusProto(details).retryAfterMs;
    } catch {
      // A malformed detail only loses the hint; the status code still classifies.
    }
  }
  return resultFromGrpcStatus(status.code, status.details, retryAfterMs);
}
