// A wire scan of OTLP TracesData (or ExportTraceServiceRequest: the same
// bytes): how many spans a record holds, whether one of them is a root span,
// and the first span's trace ID, without building any objects. The sampler
// runs it on every record it buffers; the full decode waits until the trace
// is decided, once per trace (see sampler/trace-view.ts). Only the path
// TracesData.resource_spans(1) > ResourceSpans.scope_spans(2) >
// ScopeSpans.spans(2) > Span.{trace_id(1), parent_span_id(4)} is read; every
// other field is skipped by its wire type. Malformed input throws
// InvalidInputError and nothing else.
import { InvalidInputError } from '../../errors.js';

export interface TracesScan {
  spans: number;
  /** Spans without a parent (parent_span_id absent, empty or all zeros). */
  roots: number;
  /** The trace ID of the first span, a view into the input; undefined without spans. */
  firstTraceId: Uint8Array | undefined;
}

const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(`invalid OTLP protobuf: ${message}`);
}

/** A cursor over buf[pos, end). */
class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as a number; lengths and tags fit in 32 bits, wider values are only skipped. */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw invalid('truncated varint');
      const b = this.buf[this.pos++]!;
      if (shift < 35) value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw invalid('varint longer than 10 bytes');
  }

  /** Reads a tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0 || tag > 0xffff_ffff) throw invalid(`bad field tag ${tag}`);
    return [field, tag % 8];
  }

  /** The bounds of a length-delimited field's body; moves past it. */
  len(): [number, number] {
    const n = this.varint();
    const start = this.pos;
    if (n > this.end - start) throw invalid(`length ${n} runs past the end of its message`);
    this.pos = start + n;
    return [start, start + n];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE.VARINT:
        this.varint();
        return;
      case WIRE.I64:
        this.advance(8);
        return;
      case WIRE.LEN:
        this.len();
        return;
      case WIRE.I32:
        this.advance(4);
        return;
      default:
        throw invalid(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw invalid('truncated fixed-width field');
    this.pos += n;
  }
}

/** Calls `each(start, end)` for every length-delimited field `field` of the message buf[start, end). */
function forEachMessage(buf: Uint8Array, start: number, end: number, field: number, each: (start: number, end: number) => void): void {
  const c = new Cursor(buf, start, end);
  while (!c.done) {
    const [f, wt] = c.tag();
    if (f === field) {
      if (wt !== WIRE.LEN) throw invalid(`field ${field} must be length-delimited, got wire type ${wt}`);
      const [s, e] = c.len();
      each(s, e);
    } else {
      c.skip(wt);
    }
  }
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

export function scanTracesProto(buf: Uint8Array): TracesScan {
  const out: TracesScan = { spans: 0, roots: 0, firstTraceId: undefined };
  const span = (start: number, end: number) => {
    const c = new Cursor(buf, start, end);
    let root = true;
    while (!c.done) {
      const [f, wt] = c.tag();
      if ((f === 1 || f === 4) && wt === WIRE.LEN) {
        const [s, e] = c.len();
        if (f === 1 && out.firstTraceId === undefined && e > s) out.firstTraceId = buf.subarray(s, e);
        if (f === 4) root = allZero(buf, s, e);
      } else {
        c.skip(wt);
      }
    }
    out.spans++;
    if (root) out.roots++;
  };
  forEachMessage(buf, 0, buf.length, 1, (rs, re) => forEachMessage(buf, rs, re, 2, (ss, se) => forEachMessage(buf, ss, se, 2, span)));
  return out;
}
