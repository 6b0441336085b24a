// One spooled record on disk: a frame of
//
//   u32 body length | u32 CRC-32 of (the length bytes, then the body) | body
//
// body: u8 version (1) | i32 partition (-1: none) | u16 topic length, topic |
//       i32 key length (-1: null), key | u32 value length, value |
//       u16 header count, then per header u16 name length, name, u32 value length, value
//
// Big-endian, as Kafka's own formats. The CRC covers the length too, so that a
// flipped bit anywhere in a frame is caught; a zero length is never valid, so
// a zero-filled tail (what some file systems leave after a crash) is caught
// as well. Parsing never throws: it says whether the bytes hold a good frame,
// need more bytes, or are bad, and the segment log decides what to skip.
import { crc32 } from 'node:zlib';
import { InvalidInputError } from '../errors.js';
import type { Headers } from '../bus/bus.js';

export interface SpoolRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer;
  headers: Headers;
  /** Explicit partition, as OutRecord.partition. */
  partition?: number;
}

export const FRAME_HEADER_BYTES = 8;
const VERSION = 1;
// version, partition, topic length, key length, value length, header count
const BODY_FIXED_BYTES = 1 + 4 + 2 + 4 + 4 + 2;
const U16_MAX = 0xffff;

type NotOk =
  /** The frame runs past the end of `buf`: `need` bytes from `offset` (at least a header's worth when unknown). */
  | { status: 'incomplete'; need: number }
  | { status: 'bad'; reason: string };
export type FrameCheck = { status: 'ok'; bytes: number } | NotOk;
export type FrameParse = { status: 'ok'; record: SpoolRecord; bytes: number } | NotOk;

/** The frame of one record. Throws InvalidInputError for a record no frame can hold (a topic or header over 64 KiB). */
export function encodeFrame(record: SpoolRecord): Buffer {
  const topic = Buffer.from(record.topic, 'utf8');
  const headers = Object.entries(record.headers).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  if (topic.length > U16_MAX) throw new InvalidInputError('topic name over 65535 bytes', { code: 'SPOOL_RECORD_INVALID' });
  if (headers.length > U16_MAX) throw new InvalidInputError('more than 65535 headers', { code: 'SPOOL_RECORD_INVALID' });
  let size = BODY_FIXED_BYTES + topic.length + (record.key?.length ?? 0) + record.value.length;
  for (const [k, v] of headers) {
    if (k.length > U16_MAX) throw new InvalidInputError('header name over 65535 bytes', { code: 'SPOOL_RECORD_INVALID' });
    size += 2 + k.length + 4 + v.length;
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + size);
  frame.writeUInt32BE(size, 0);
  let pos = FRAME_HEADER_BYTES;
  pos = frame.writeUInt8(VERSION, pos);
  pos = frame.writeInt32BE(record.partition ?? -1, pos);
  pos = frame.writeUInt16BE(topic.length, pos);
  pos += topic.copy(frame, pos);
  if (record.key === null) {
    pos = frame.writeInt32BE(-1, pos);
  } else {
    pos = frame.writeInt32BE(record.key.length, pos);
    pos += record.key.copy(frame, pos);
  }
  pos = frame.writeUInt32BE(record.value.length, pos);
  pos += record.value.copy(frame, pos);
  pos = frame.writeUInt16BE(headers.length, pos);
  for (const [k, v] of headers) {
    pos = frame.writeUInt16BE(k.length, pos);
    pos += k.copy(frame, pos);
    pos = frame.writeUInt32BE(v.length, pos);
    pos += v.copy(frame, pos);
  }
  frame.writeUInt32BE(frameCrc(frame, 0, size), 4);
  return frame;
}

function frameCrc(buf: Buffer, offset: number, bodyBytes: number): number {
  const body = buf.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + bodyBytes);
  return crc32(body, crc32(buf.subarray(offset, offset + 4)));
}

/**
 * Whether the frame at `offset` of `buf` is whole and its checksum matches,
 * without decoding it (what recovery needs, at a fraction of the cost). A
 * body longer than maxBodyBytes is bad (a corrupt length must not make the
 * reader allocate gigabytes).
 */
export function checkFrame(buf: Buffer, offset: number, maxBodyBytes: number): FrameCheck {
  const available = buf.length - offset;
  if (available < FRAME_HEADER_BYTES) return { status: 'incomplete', need: FRAME_HEADER_BYTES };
  const size = buf.readUInt32BE(offset);
  if (size < BODY_FIXED_BYTES) return { status: 'bad', reason: `frame length ${size} is below the minimum` };
  if (size > maxBodyBytes) return { status: 'bad', reason: `frame length ${size} is over the limit of ${maxBodyBytes}` };
  if (available < FRAME_HEADER_BYTES + size) return { status: 'incomplete', need: FRAME_HEADER_BYTES + size };
  if (buf.readUInt32BE(offset + 4) !== frameCrc(buf, offset, size)) return { status: 'bad', reason: 'checksum mismatch' };
  return { status: 'ok', bytes: FRAME_HEADER_BYTES + size };
}

/** Checks, then decodes the frame at `offset` of `buf`. The record's buffers are copies: `buf` may be reused. */
export function parseFrame(buf: Buffer, offset: number, maxBodyBytes: number): FrameParse {
  const checked = checkFrame(buf, offset, maxBodyBytes);
  if (checked.status !== 'ok') return checked;
  const record = decodeBody(buf.subarray(offset + FRAME_HEADER_BYTES, offset + checked.bytes));
  if (typeof record === 'string') return { status: 'bad', reason: record };
  return { status: 'ok', record, bytes: checked.bytes };
}

/** The record in a body whose checksum matched, or what is wrong with it (another version, lengths that disagree). */
function decodeBody(body: Buffer): SpoolRecord | string {
  let pos = 0;
  const need = (n: number) => pos + n <= body.length;
  const take = (n: number) => {
    const out = Buffer.from(body.subarray(pos, pos + n));
    pos += n;
    return out;
  };
  const version = body.readUInt8(pos);
  if (version !== VERSION) return `unknown frame version ${version}`;
  const partition = body.readInt32BE(1);
  const topicLength = body.readUInt16BE(5);
  pos = 7;
  if (!need(topicLength + 4)) return 'topic runs past the frame';
  const topic = take(topicLength).toString('utf8');
  const keyLength = body.readInt32BE(pos);
  pos += 4;
  if (keyLength < -1 || !need(Math.max(0, keyLength) + 4)) return 'key runs past the frame';
  const key = keyLength === -1 ? null : take(keyLength);
  const valueLength = body.readUInt32BE(pos);
  pos += 4;
  if (!need(valueLength + 2)) return 'value runs past the frame';
  const value = take(valueLength);
  const headerCount = body.readUInt16BE(pos);
  pos += 2;
  const headers: [string, string][] = [];
  for (let i = 0; i < headerCount; i++) {
    if (!need(2)) return 'headers run past the frame';
    const nameLength = body.readUInt16BE(pos);
    pos += 2;
    if (!need(nameLength + 4)) return 'headers run past the frame';
    const name = take(nameLength).toString('utf8');
    const valueBytes = body.readUInt32BE(pos);
    pos += 4;
    if (!need(valueBytes)) return 'headers run past the frame';
    headers.push([name, take(valueBytes).toString('utf8')]);
  }
  if (pos !== body.length) return 'bytes left over after the headers';
  // fromEntries: a header named __proto__ stays a header.
  const record: SpoolRecord = { topic, key, value, headers: Object.fromEntries(headers) };
  if (partition !== -1) record.partition = partition;
  return record;
}
