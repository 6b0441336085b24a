// Reading an HTTP request body with bounds, for every HTTP receiver. The limit
// applies three times: to the declared Content-Length (refused before reading),
// to the bytes received (reading stops there), and to the decompressed size
// (inflation stops there), so that neither a large upload nor a gzip bomb
// can make us buffer more than maxBytes. A compression ratio bound stops a
// bomb earlier still: past 1 MiB, a body may inflate to at most maxInflateRatio
// times its compressed size.
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import { errorMessage } from '../errors.js';

/**
 * The default limit, equal to the gRPC receiver's message limit so that a
 * batch accepted on one transport is accepted on the other.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Real telemetry compresses 5-20×; a hundredfold is already suspicious. */
export const DEFAULT_MAX_INFLATE_RATIO = 100;
/** Below this, no ratio is too much: small bodies of repeated text compress extremely well. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; status: 400 | 413 | 415; message: string }
  /** The client went away; there is no one to answer. */
  | { ok: false; status: 'aborted'; message: string };

/** The media type without parameters, lower case: 'application/json; charset=utf-8' -> 'application/json'. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** The one content coding applied to the body, or undefined when we cannot undo it. */
export function contentEncoding(header: string | undefined): ContentEncoding | undefined {
  const codings = (header ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1) return undefined;
  const [coding] = codings;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') return 'deflate';
  return undefined;
}

/** How large a body may be, as sent and once decompressed, and how much it may inflate. */
export interface BodyBounds {
  maxBytes: number;
  maxInflateRatio?: number;
}

export async function readBody(req: IncomingMessage, options: BodyBounds): Promise<BodyResult> {
  const { maxBytes } = options;
  const encoding = contentEncoding(req.headers['content-encoding']);
  if (encoding === undefined) {
    return {
      ok: false,
      status: 415,
      message: `unsupported Content-Encoding ${JSON.stringify(req.headers['content-encoding'])}; use gzip, deflate or identity`,
    };
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return tooLarge(maxBytes, `Content-Length ${declared}`);
  const raw = await readRaw(req, maxBytes);
  if (!raw.ok || encoding === 'identity' || raw.body.length === 0) return raw;
  return inflate(raw.body, encoding, maxBytes, options.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO);
}

function tooLarge(maxBytes: number, what: string): BodyResult {
  return { ok: false, status: 413, message: `request body too large: ${what} exceeds the limit of ${maxBytes} bytes` };
}

function readRaw(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit stop keeping data. The stream stays flowing so that the
      // rest is discarded as it arrives and the client can read our 413.
      if (size > maxBytes) finish(tooLarge(maxBytes, `more than ${maxBytes} bytes received`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onGone = () => {
      if (!req.complete) finish({ ok: false, status: 'aborted', message: 'client closed the request' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function inflate(compressed: Buffer, encoding: 'gzip' | 'deflate', maxBytes: number, maxRatio: number): Promise<BodyResult> {
  // Node stops inflating once the output passes maxOutputLength.
  const byRatio = Math.max(RATIO_FLOOR_BYTES, compressed.length * maxRatio);
  const opts = { maxOutputLength: Math.max(1, Math.min(maxBytes, byRatio)) };
  return new Promise((resolve) => {
    const done = (err: Error | null, body: Buffer) => {
      if (!err) resolve({ ok: true, body });
      else if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        resolve(
          byRatio < maxBytes
            ? { ok: false, status: 413, message: `request body refused: ${compressed.length} compressed bytes decompress to more than ${byRatio} (more than ${maxRatio} times; a decompression bomb?)` }
            : tooLarge(maxBytes, `the body decompressed to more than ${maxBytes} bytes`),
        );
      } else resolve({ ok: false, status: 400, message: `cannot decompress ${encoding} body: ${errorMessage(err)}` });
    };
    if (encoding === 'gzip') zlib.gunzip(compressed, opts, done);
    // "deflate" should mean the zlib format (RFC 9110), but some clients send
    // raw deflate; the zlib header tells them apart.
    else if (isZlibHeader(compressed)) zlib.inflate(compressed, opts, done);
    else zlib.inflateRaw(compressed, opts, done);
  });
}

function isZlibHeader(b: Buffer): boolean {
  return b.length >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0;
}
