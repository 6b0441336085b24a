// TraceService.Config: a library sends its CurrentLibraryConfig; we answer
// with an UpdatedLibraryConfig carrying the TraceConfig it should apply, and
// push the new one down every open stream whenever it changes. The Node is not
// required here (the protocol asks for it, but the answer does not depend on
// it); the library's last Node is echoed in the answers.
//
// One CurrentLibraryConfig is not answered: one that reports the very sampler
// we last sent on that stream. Libraries send that to confirm an update (Go's
// ocagent exporter after each one); answering it would ping-pong forever.
//
// A library that does not read its stream cannot make us buffer: while a
// stream's write buffer is full, only the fact that a newer config is due is
// remembered, and the latest config is written once it drains.
import { isDeepStrictEqual } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import {
  OC_TRACE_CONFIG_PATH,
  decodeLibraryConfigProto,
  encodeLibraryConfigProto,
  type OcNode,
  type OcTraceConfig,
} from '../../protocol/opencensus/index.js';
import { endStream, nextMessage } from '../grpc-server.js';
import { malformed, type ExportDeps } from '../otlp/export.js';
import { endWithOutcome, SHUTTING_DOWN } from './export-stream.js';

export { OC_TRACE_CONFIG_PATH };

interface ConfigStream {
  call: grpc.ServerDuplexStream<Buffer, Buffer>;
  node: OcNode | undefined;
  /** A write is waiting for 'drain'. */
  blocked: boolean;
  /** The config changed (or was asked for) while blocked. */
  due: boolean;
  /** The config last written to this stream. */
  sent: OcTraceConfig | undefined;
}

export class ConfigStreams {
  private config: OcTraceConfig;
  private readonly streams = new Set<ConfigStream>();
  private readonly deps: ExportDeps;
  private readonly closing: AbortSignal;

  constructor(initial: OcTraceConfig, deps: ExportDeps, closing: AbortSignal) {
    this.config = initial;
    this.deps = deps;
    this.closing = closing;
    // Shutdown ends every open stream; clients reconnect (to another instance).
    closing.addEventListener('abort', () => {
      for (const s of this.streams) endWithOutcome(s.call, SHUTTING_DOWN);
      this.streams.clear();
    });
  }

  /** Open Config streams. */
  get size(): number {
    return this.streams.size;
  }

  get current(): OcTraceConfig {
    return this.config;
  }

  /** Sets the config and pushes it down every open stream. */
  set(config: OcTraceConfig): void {
    this.config = config;
    for (const s of this.streams) this.push(s);
  }

  async serve(call: grpc.ServerDuplexStream<Buffer, Buffer>): Promise<void> {
    if (this.closing.aborted) return endWithOutcome(call, SHUTTING_DOWN);
    const stream: ConfigStream = { call, node: undefined, blocked: false, due: false, sent: undefined };
    this.streams.add(stream);
    try {
      for (;;) {
        const message = await nextMessage(call, this.closing);
        if (message === undefined) break;
        let current;
        try {
          current = decodeLibraryConfigProto(message);
        } catch (err) {
          const outcome = malformed(this.deps, 'traces', 'malformed OpenCensus/protobuf CurrentLibraryConfig', err);
          return endWithOutcome(call, outcome);
        }
        if (current.node !== undefined) stream.node = current.node;
        const confirms = stream.sent !== undefined && isDeepStrictEqual(current.config?.sampler, stream.sent.sampler);
        if (!confirms) this.push(stream);
      }
      // Half-closed by the library: nothing more to push to it.
      if (!this.closing.aborted && !call.cancelled) endStream(call, grpc.status.OK, 'OK');
    } finally {
      this.streams.delete(stream);
    }
  }

  private push(s: ConfigStream): void {
    if (s.call.destroyed || s.call.writableEnded) return;
    if (s.blocked) {
      s.due = true;
      return;
    }
    s.sent = this.config;
    const bytes = encodeLibraryConfigProto({ node: s.node, config: this.config });
    if (s.call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) return;
    s.blocked = true;
    s.call.once('drain', () => {
      s.blocked = false;
      if (s.due) {
        s.due = false;
        this.push(s);
      }
    });
  }
}
