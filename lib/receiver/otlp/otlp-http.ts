// OTLP/HTTP receiver: POST /v1/traces and /v1/metrics (4318 by default), in
// binary protobuf (application/x-protobuf) or OTLP/JSON (application/json),
// optionally gzip- or deflate-compressed. Answers follow the OTLP
// specification: 200 with an Export*ServiceResponse in the request's
// encoding; 400 with a google.rpc.Status naming the problem; 503, or 429 when
// we are out of room, with Retry-After; 413 past the body limit; 415 for an
// unsupported Content-Type or Content-Encoding; 404 and 405 from the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Outcome } from '../../pipeline/consumer.js';
import { mediaType, readBody, type BodyBounds } from '../body.js';
import { httpReceiverServer, type HttpReceiverOptions } from '../http-receiver.js';
import { answerUnauthenticated, HttpServer, send, type AuthRefusal, type HttpHandler } from '../http-server.js';
import { grpcCodeFor, httpStatusFor, outcomeMessage, retryAfterSeconds } from '../outcome.js';
import { encodeRpcStatusJson, encodeRpcStatusProto, type RpcStatus } from '../../protocol/rpc-status.js';
import { handleExport, type ExportDeps } from './export.js';
import { METRICS, TRACES, type OtlpFormat, type OtlpSignal } from './signals.js';

/** endpoint: the OTLP default is '0.0.0.0:4318'. name: default 'otlp/http'. */
export interface OtlpHttpReceiverOptions extends HttpReceiverOptions {
  tracesPath?: string;
  metricsPath?: string;
}

const CONTENT_TYPES: Record<OtlpFormat, string> = { proto: 'application/x-protobuf', json: 'application/json' };

export class OtlpHttpReceiver extends HttpServer {
  constructor(options: OtlpHttpReceiverOptions) {
    super(
      httpReceiverServer(
        options,
        options.name ?? 'otlp/http',
        (deps, bounds) => [
          { path: options.tracesPath ?? TRACES.httpPath, methods: ['POST'], handle: exportHandler(TRACES, deps, bounds) },
          { path: options.metricsPath ?? METRICS.httpPath, methods: ['POST'], handle: exportHandler(METRICS, deps, bounds) },
        ],
        { onUnauthenticated: unauthenticated },
      ),
    );
  }
}

function formatOf(req: IncomingMessage): OtlpFormat | undefined {
  const type = mediaType(req);
  if (type === CONTENT_TYPES.proto) return 'proto';
  if (type === CONTENT_TYPES.json) return 'json';
  return undefined;
}

/** OTLP/HTTP errors are a google.rpc.Status in the request's encoding, 401 included. */
function unauthenticated(req: IncomingMessage, res: ServerResponse, refusal: AuthRefusal): void {
  const format = formatOf(req) ?? 'json';
  const rpc: RpcStatus = { code: GrpcStatus.UNAUTHENTICATED, message: refusal.message };
  answerUnauthenticated(res, refusal, CONTENT_TYPES[format], format === 'proto' ? encodeRpcStatusProto(rpc) : encodeRpcStatusJson(rpc));
}

function exportHandler<T>(sig: OtlpSignal<T>, deps: ExportDeps, bounds: BodyBounds): HttpHandler {
  return async (req, res, caller) => {
    const format = formatOf(req);
    if (!format) {
      const message = `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}; use application/x-protobuf or application/json`;
      // The body is unread: close rather than drain an upload we will not use.
      sendStatus(res, 415, 'json', { code: GrpcStatus.INVALID_ARGUMENT, message }, { connection: 'close' });
      return;
    }
    const body = await readBody(req, bounds);
    if (!body.ok) {
      if (body.status === 'aborted') return;
      const extra: Record<string, string> = body.status === 413 ? { connection: 'close' } : {};
      const code = body.status === 413 ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.INVALID_ARGUMENT;
      sendStatus(res, body.status, format, { code, message: body.message }, extra);
      return;
    }
    const ctx = { protocol: 'otlp/http', peer: req.socket.remoteAddress, receivedAtMs: Date.now(), tenant: caller.tenant };
    const outcome = await handleExport(sig, format, body.body, ctx, deps);
    answer(res, format, outcome, sig);
  };
}

function answer<T>(res: ServerResponse, format: OtlpFormat, outcome: Outcome, sig: OtlpSignal<T>): void {
  const status = httpStatusFor(outcome);
  if (outcome.status === 'ok') {
    send(res, status, CONTENT_TYPES[format], sig.response(format));
    return;
  }
  const rpc: RpcStatus = { code: grpcCodeFor(outcome), message: outcomeMessage(outcome) };
  if (outcome.status === 'rejected') {
    sendStatus(res, status, format, rpc);
    return;
  }
  const seconds = retryAfterSeconds(outcome.retryAfterMs);
  sendStatus(res, status, format, { ...rpc, retryAfterMs: seconds * 1_000 }, { 'retry-after': String(seconds) });
}

function sendStatus(
  res: ServerResponse,
  httpStatus: number,
  format: OtlpFormat,
  rpc: RpcStatus,
  headers: Record<string, string> = {},
): void {
  const body = format === 'proto' ? encodeRpcStatusProto(rpc) : encodeRpcStatusJson(rpc);
  send(res, httpStatus, CONTENT_TYPES[format], body, headers);
}
