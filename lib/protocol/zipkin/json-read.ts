// Readers for Zipkin's JSON bodies (v1 and v2 share types and conventions).
// Every reader checks the type of what it reads, since a body can hold any
// JSON value, and names the field in its error; null reads as absent, as
// Zipkin's own reader treats it. Where Zipkin's reader is lenient (short
// identifiers, an address in the other family's field, a negative port) so is
// this one, so that what Zipkin takes is taken here too. Identifiers are
// lowercased; times are bigint microseconds.
import { errorMessage } from '../../errors.js';
import { invalid, at } from './errors.js';
import { ipv6FromBytes, ipv6ToBytes } from './ip.js';
import { isEmptyEndpoint, MAX_MICROS, type ZipkinEndpoint } from './types.js';
import { isIPv4 } from 'node:net';

export type JsonObject = Record<string, unknown>;

export function parseJsonBody(body: Uint8Array | string, label: string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    // A byte order mark is not JSON, but some clients write one.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw invalid('', `invalid ${label}: ${errorMessage(err)}`);
  }
}

export function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** A short rendering of a bad value for an error message. */
export function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  const s = JSON.stringify(v);
  if (s === undefined) return typeOf(v);
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

export function object(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(path, `must be an object, got ${typeOf(v)}`);
  return v as JsonObject;
}

export function array(v: unknown, path: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(path, `must be an array, got ${typeOf(v)}`);
  return v;
}

export function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(path, `must be a string, got ${typeOf(v)}`);
  return v;
}

export function boolean(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw invalid(path, `must be true or false, got ${typeOf(v)}`);
  return v;
}

const DIGITS = /^\d{1,20}$/;

/**
 * Microseconds: a non-negative integral JSON number (exact only up to 2^53,
 * which covers every date until the year 2255) or, as Zipkin's reader also
 * takes, a decimal string. 0n when absent.
 */
export function micros(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  let n: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) n = BigInt(v);
  else if (typeof v === 'string' && DIGITS.test(v)) n = BigInt(v);
  if (n === undefined || n > MAX_MICROS) {
    throw invalid(path, `must be a non-negative integer of microseconds, got ${preview(v)}`);
  }
  return n;
}

const HEX = /^[0-9a-fA-F]+$/;
const ZEROS = /^0+$/;

/**
 * A trace ID: 1 to 32 hex digits, left-padded with zeros to 16 or 32 as
 * Zipkin's own reader does (some clients drop leading zeros), any case.
 */
export function traceId(v: unknown, path: string): string {
  const s = string(v, path);
  if (s.length === 0 || s.length > 32 || !HEX.test(s)) {
    throw invalid(path, `must be 16 or 32 hex digits, got ${s === '' ? 'none' : preview(v)}`);
  }
  if (ZEROS.test(s)) throw invalid(path, 'must not be all zeros');
  return s.toLowerCase().padStart(s.length <= 16 ? 16 : 32, '0');
}

/**
 * A span ID: 1 to 16 hex digits, left-padded to 16 as Zipkin's reader does;
 * '' when absent and not `required`. All zeros reads as absent for a parent.
 */
export function spanId(v: unknown, path: string, required: boolean): string {
  const s = string(v, path);
  if (s === '' && !required) return '';
  if (s.length === 0 || s.length > 16 || !HEX.test(s)) throw invalid(path, `must be 16 hex digits, got ${s === '' ? 'none' : preview(v)}`);
  if (ZEROS.test(s)) {
    if (required) throw invalid(path, 'must not be all zeros');
    return '';
  }
  return s.toLowerCase().padStart(16, '0');
}

/** A port: 1..65535; absent, 0 or negative (an i16 written signed) read as 0. */
export function port(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v > 0xffff) {
    throw invalid(path, `must be a port number (0 to 65535), got ${preview(v)}`);
  }
  return v < 0 ? 0 : v;
}

/**
 * An endpoint; undefined when absent or empty. As Zipkin's reader does, an
 * address goes to ipv4 or ipv6 by what it is, whichever field carried it, and
 * text that is no IP address (a host name, a zone ID) is left out rather than
 * failing the request. IPv6 text is made canonical (RFC 5952), so that every
 * encoding gives the same attribute values.
 */
export function endpoint(v: unknown, path: string): ZipkinEndpoint | undefined {
  const o = object(v, path);
  if (o === undefined) return undefined;
  return at(path, () => {
    const e: ZipkinEndpoint = { serviceName: string(o.serviceName, 'serviceName'), ipv4: '', ipv6: '', port: port(o.port, 'port') };
    for (const key of ['ipv4', 'ipv6'] as const) {
      const text = string(o[key], key);
      if (isIPv4(text)) e.ipv4 = text;
      else {
        const bytes = text.length > 2 ? ipv6ToBytes(text) : undefined;
        if (bytes !== undefined) e.ipv6 = ipv6FromBytes(bytes);
      }
    }
    return isEmptyEndpoint(e) ? undefined : e;
  });
}
