// A stand-in Jaeger collector for tests: a real gRPC server (@grpc/grpc-js) on
// 127.0.0.1 port 0 serving CollectorService.PostSpans, which decodes each
// request with protobufjs straight from proto/jaeger (independently of
// lib/protocol/jaeger, so that it can judge it) into plain objects: IDs as
// hex, int64 as strings, enums as names. It records the metadata and the
// compression of every call and can be told to fail or hang the next ones.
// A real Jaeger cannot be told to fail or hang, or show what metadata and
// compression a call had: test/interop/jaeger/jaeger-server.test.ts checks
// what a real one stores.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { encodeRpcStatusProto } from '../../lib/protocol/rpc-status.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
const PATH = '/jaeger.api_v2.CollectorService/PostSpans';
const ENCODING_KEY = 'x-test-grpc-encoding';

export interface CollectedTag {
  key: string;
  vType: string;
  vStr?: string;
  vBool?: boolean;
  vInt64?: string;
  vFloat64?: number;
  vBinary?: string;
}
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  operationName: string;
  references: { traceId: string; spanId: string; refType: string }[];
  flags: number;
  startTime: { seconds: string; nanos: number };
  duration: { seconds: string; nanos: number };
  tags: CollectedTag[];
  logs: { timestamp: { seconds: string; nanos: number }; fields: CollectedTag[] }[];
  process?: { serviceName: string; tags: CollectedTag[] };
}
export interface CollectedRequest {
  /** The request as it arrived (decompressed). */
  body: Buffer;
  metadata: Record<string, string>;
  compression: string;
  process: { serviceName: string; tags: CollectedTag[] } | undefined;
  spans: CollectedSpan[];
}

type Plan = { kind: 'fail'; code: grpc.status; message: string; retryAfterMs?: number } | { kind: 'hang' };

interface Cleanup {
  after(fn: () => Promise<void> | void): void;
}

function requestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : join(PROTO_DIR, target));
  root.loadSync('jaeger/api_v2/collector.proto');
  return root.lookupType('jaeger.api_v2.PostSpansRequest');
}

export class JaegerCollector {
  readonly requests: CollectedRequest[] = [];
  endpoint = '';
  private readonly type = requestType();
  private readonly plan: Plan[] = [];
  private readonly server = new grpc.Server({
    // grpc-js hides grpc-encoding from handlers; pass it on under another name.
    interceptors: [
      (_method, call) => {
        // Not public API (as in otlp-sink.ts): grpc-js keeps the header here before stripping it.
        const encoding = (call as unknown as { incomingEncoding?: unknown }).incomingEncoding;
        return new grpc.ServerInterceptingCall(call, {
          start: (next) =>
            next({
              onReceiveMetadata: (metadata, nextMd) => {
                metadata.set(ENCODING_KEY, typeof encoding === 'string' ? encoding : 'unknown');
                nextMd(metadata);
              },
            }),
        });
      },
    ],
  });
  private readonly hung: grpc.sendUnaryData<Buffer>[] = [];

  /** With `tls`, the server speaks TLS; with its `clientCa`, clients must present a certificate it signed. */
  static async start(t: Cleanup, tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer }): Promise<JaegerCollector> {
    const c = new JaegerCollector();
    await c.listen(
      tls ? grpc.ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined) : grpc.ServerCredentials.createInsecure(),
    );
    t.after(() => c.close());
    return c;
  }

  /** Answer the next `n` calls with this status (and a RetryInfo delay). */
  failNext(n: number, code: grpc.status, message = '', retryAfterMs?: number): void {
    for (let i = 0; i < n; i++) this.plan.push({ kind: 'fail', code, message, retryAfterMs });
  }

  /** Never answer the next `n` calls. */
  hangNext(n: number): void {
    for (let i = 0; i < n; i++) this.plan.push({ kind: 'hang' });
  }

  spans(): CollectedSpan[] {
    return this.requests.flatMap((r) => r.spans);
  }

  private async listen(credentials: grpc.ServerCredentials): Promise<void> {
    const identity = (b: Buffer) => b;
    this.server.addService(
      { PostSpans: { path: PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      {
        PostSpans: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          const metadata: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) if (k !== ENCODING_KEY) metadata[k] = String(v);
          const message = this.type.toObject(this.type.decode(call.request), { longs: String, enums: String, bytes: String, defaults: true }) as {
            batch?: { process?: CollectedRequest['process']; spans: CollectedSpan[] };
          };
          const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
          const spans = (message.batch?.spans ?? []).map((s) => ({
            ...s,
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            references: s.references.map((r) => ({ ...r, traceId: hex(r.traceId), spanId: hex(r.spanId) })),
            process: s.process ?? undefined,
          }));
          this.requests.push({ body: call.request, metadata, compression: String(call.metadata.get(ENCODING_KEY)[0] ?? 'identity'), process: message.batch?.process ?? undefined, spans });
          const plan = this.plan.shift();
          if (plan?.kind === 'hang') return void this.hung.push(callback);
          if (plan?.kind === 'fail') {
            const trailers = new grpc.Metadata();
            if (plan.retryAfterMs !== undefined) {
              const status = encodeRpcStatusProto({ code: plan.code, message: plan.message, retryAfterMs: plan.retryAfterMs });
              trailers.set('grpc-status-details-bin', Buffer.from(status));
            }
            return callback({ code: plan.code, details: plan.message, metadata: trailers });
          }
          callback(null, Buffer.alloc(0));
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.endpoint = `127.0.0.1:${port}`;
  }

  close(): Promise<void> {
    for (const callback of this.hung.splice(0)) callback({ code: grpc.status.UNAVAILABLE, details: 'collector closing' });
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
