// Writes OTLP/JSON lines, one ExportTraceServiceRequest or
// ExportMetricsServiceRequest per line, as the OpenTelemetry Collector's file
// exporter does, so that its tools (and our codec) read the files back.
// Rotation is numbered like logrotate: path -> path.1 -> path.2 ...
import type { FileHandle } from 'node:fs/promises';
import { access, mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { OcsvcError, errorMessage } from '../errors.js';
import { closeOnce } from '../lifecycle.js';
import type { Metrics } from '../model/metrics.js';
import type { Traces } from '../model/trace.js';
import { encodeMetricsJson, encodeTracesJson } from '../protocol/otlp/index.js';
import { ABORTED, type Backend, type ExportResult } from './backend.js';

export interface FileOptions {
  name?: string;
  path: string;
  /** Rotate before a write would make the file larger than this; 0 never rotates. */
  rotateBytes?: number;
  /** Rotated files kept (path.1 is the newest); 0 keeps them all. */
  maxBackups?: number;
  /** Flush each write to the disk before reporting it done (slower, survives power loss). */
  fsync?: boolean;
}

export const FILE_DEFAULTS = { rotateBytes: 0, maxBackups: 0, fsync: false } as const;

const NEWLINE = 0x0a;

export class FileBackend implements Backend {
  readonly type = 'file';
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly path: string;
  private readonly rotateBytes: number;
  private readonly maxBackups: number;
  private readonly fsync: boolean;
  private handle: FileHandle | undefined;
  private size = 0;
  /** True when the file does not end with a newline (a failed write left half a line). */
  private needsNewline = false;
  /** Writes run one at a time, in call order, so lines never interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: FileOptions) {
    this.name = options.name ?? this.type;
    this.path = options.path;
    this.rotateBytes = options.rotateBytes ?? FILE_DEFAULTS.rotateBytes;
    this.maxBackups = options.maxBackups ?? FILE_DEFAULTS.maxBackups;
    this.fsync = options.fsync ?? FILE_DEFAULTS.fsync;
    this.close = closeOnce(async () => {
      this.closed = true;
      await this.queue;
      await this.closeHandle();
    });
  }

  /** Opens the file now, so that a wrong path or permission fails at start-up with a clear error. */
  async start(): Promise<void> {
    await this.serialized(() => this.ensureOpen());
  }

  exportTraces(traces: Traces, signal: AbortSignal): Promise<ExportResult> {
    return this.writeLine(() => encodeTracesJson(traces), signal);
  }

  exportMetrics(metrics: Metrics, signal: AbortSignal): Promise<ExportResult> {
    return this.writeLine(() => encodeMetricsJson(metrics), signal);
  }

  private async writeLine(encode: () => string, signal: AbortSignal): Promise<ExportResult> {
    if (this.closed) throw new OcsvcError('BACKEND_CLOSED', `${this.name}: export after close`);
    if (signal.aborted) return ABORTED;
    const line = Buffer.from(`${encode()}\n`);
    return this.serialized(async () => {
      if (signal.aborted) return ABORTED;
      try {
        await this.append(line);
        return { status: 'ok' } as const;
      } catch (err) {
        // A full disk or a revoked permission may be fixed by an operator:
        // retry, since Kafka holds the data meanwhile. Reopen next time.
        await this.closeHandle();
        const code = (err as NodeJS.ErrnoException).code;
        return { status: 'retryable', reason: code ? `${code}: ${errorMessage(err)}` : errorMessage(err) } as const;
      }
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(line: Buffer): Promise<void> {
    let handle = await this.ensureOpen();
    if (this.rotateBytes > 0 && this.size > 0 && this.size + line.length > this.rotateBytes) {
      await this.rotate();
      handle = await this.ensureOpen();
    }
    const data = this.needsNewline ? Buffer.concat([Buffer.of(NEWLINE), line]) : line;
    await handle.appendFile(data);
    this.size += data.length;
    this.needsNewline = false;
    if (this.fsync) await handle.datasync();
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(path.dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a+');
    try {
      const { size } = await handle.stat();
      this.size = size;
      this.needsNewline = false;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        this.needsNewline = last[0] !== NEWLINE;
      }
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
    this.handle = handle;
    return handle;
  }

  private async rotate(): Promise<void> {
    await this.closeHandle();
    let existing = 0;
    while ((this.maxBackups === 0 || existing < this.maxBackups) && (await exists(`${this.path}.${existing + 1}`))) {
      existing++;
    }
    // With a limit, the oldest kept backup is overwritten by the rename below it.
    const top = this.maxBackups > 0 ? Math.min(existing, this.maxBackups - 1) : existing;
    for (let i = top; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    await rename(this.path, `${this.path}.1`);
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
