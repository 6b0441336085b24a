// Zipkin v1 span -> v2 spans, with the semantics of openzipkin's
// V1SpanConverter (the reference the OpenTelemetry specification names):
//
// | v1                                   | v2                                                    |
// | ------------------------------------ | ----------------------------------------------------- |
// | annotation/binary annotation host    | the span of that host (same service name) is its      |
// |                                      | localEndpoint; a second host forks a second span       |
// | "cs"/"cr" (with a host)              | kind CLIENT; cs is the start, cr - cs the duration     |
// | "sr"/"ss" (with a host)              | kind SERVER; sr is the start, ss - sr the duration     |
// | "ms" / "mr" ("ws" / "wr")            | PRODUCER / CONSUMER; ws, wr refine their times         |
// | cs and sr in one span (shared span)  | a CLIENT span and a SERVER span with shared: true      |
// | span timestamp/duration              | win over annotation times when both are set            |
// | only sr, no span timestamp           | shared: true (v1's convention for a joined span)       |
// | other annotations                    | annotations of the host's span                         |
// | binary annotation with a string      | tag ("lc" with an empty value is dropped: a marker)    |
// | "sa" / "ca" / "ma" address (true)    | remoteEndpoint of the client / server / messaging span |
// | incomplete RPC (cs without cr, ...)  | start from cs/sr; cr/ss kept as annotations            |
//
// Negative derived durations read as absent, as Zipkin clamps them to zero.
import { isEmptyEndpoint, type V1Annotation, type V1Span, type ZipkinAnnotation, type ZipkinEndpoint, type ZipkinKind, type ZipkinSpan } from './types.js';

interface Builder {
  localEndpoint: ZipkinEndpoint | undefined;
  remoteEndpoint: ZipkinEndpoint | undefined;
  kind: ZipkinKind | undefined;
  timestamp: bigint;
  duration: bigint;
  shared: boolean;
  annotations: ZipkinAnnotation[];
  tags: Map<string, string>;
}

const newBuilder = (localEndpoint: ZipkinEndpoint | undefined): Builder => ({
  localEndpoint,
  remoteEndpoint: undefined,
  kind: undefined,
  timestamp: 0n,
  duration: 0n,
  shared: false,
  annotations: [],
  tags: new Map(),
});

const clamp = (n: bigint): bigint => (n < 0n ? 0n : n);
const sameService = (a: ZipkinEndpoint | undefined, b: ZipkinEndpoint | undefined): boolean =>
  (a?.serviceName ?? '') === (b?.serviceName ?? '');
const sameEndpoint = (a: ZipkinEndpoint, b: ZipkinEndpoint | undefined): boolean =>
  b !== undefined && a.serviceName === b.serviceName && a.ipv4 === b.ipv4 && a.ipv6 === b.ipv6 && a.port === b.port;

export function v1ToV2(source: V1Span): ZipkinSpan[] {
  const first = newBuilder(undefined);
  const forks: Builder[] = [];
  const fork = (e: ZipkinEndpoint | undefined): Builder => {
    const b = newBuilder(e);
    forks.push(b);
    return b;
  };
  // A builder without a host takes the first host offered; otherwise hosts match by service name.
  const closeEnough = (b: Builder, e: ZipkinEndpoint): boolean => {
    if (b.localEndpoint === undefined) {
      b.localEndpoint = e;
      return true;
    }
    return sameService(b.localEndpoint, e);
  };
  const forEndpoint = (e: ZipkinEndpoint | undefined): Builder => {
    if (e === undefined || closeEnough(first, e)) return first;
    for (const b of forks) if (closeEnough(b, e)) return b;
    return fork(e);
  };
  const note = (a: V1Annotation): void => {
    forEndpoint(a.endpoint).annotations.push({ timestamp: a.timestamp, value: a.value });
  };
  /** The span's own timestamp and duration when both are set, else the annotations'. */
  const timeFrom = (begin: V1Annotation, end: V1Annotation | undefined): void => {
    const span = forEndpoint(begin.endpoint);
    if (source.timestamp !== 0n && source.duration !== 0n) {
      span.timestamp = source.timestamp;
      span.duration = source.duration;
    } else {
      span.timestamp = begin.timestamp;
      if (end !== undefined) span.duration = clamp(end.timestamp - begin.timestamp);
    }
  };

  let cs: V1Annotation | undefined, sr: V1Annotation | undefined, ss: V1Annotation | undefined, cr: V1Annotation | undefined;
  let ms: V1Annotation | undefined, mr: V1Annotation | undefined, ws: V1Annotation | undefined, wr: V1Annotation | undefined;
  const KIND_OF: Record<string, ZipkinKind> = { cs: 'CLIENT', cr: 'CLIENT', sr: 'SERVER', ss: 'SERVER', ms: 'PRODUCER', mr: 'CONSUMER' };
  for (const a of source.annotations) {
    const span = forEndpoint(a.endpoint);
    // Core annotations need a host: without one they are ordinary annotations.
    const core = a.value.length === 2 && a.endpoint !== undefined ? a.value : '';
    if (Object.hasOwn(KIND_OF, core)) span.kind = KIND_OF[core];
    if (core === 'cs') cs = a;
    else if (core === 'sr') sr = a;
    else if (core === 'ss') ss = a;
    else if (core === 'cr') cr = a;
    else if (core === 'ms') ms = a;
    else if (core === 'mr') mr = a;
    else if (core === 'ws') ws = a;
    else if (core === 'wr') wr = a;
    else span.annotations.push({ timestamp: a.timestamp, value: a.value });
  }

  // Bridged from an event model, a span may lack its start annotation but say where it ended.
  const endsAtDuration = (end: V1Annotation | undefined): end is V1Annotation =>
    end !== undefined && source.timestamp !== 0n && source.duration !== 0n && source.timestamp + source.duration === end.timestamp;
  if (cs === undefined && endsAtDuration(cr)) cs = { timestamp: source.timestamp, value: 'cs', endpoint: cr.endpoint };
  if (sr === undefined && endsAtDuration(ss)) sr = { timestamp: source.timestamp, value: 'sr', endpoint: ss.endpoint };

  if (cs !== undefined && sr !== undefined) {
    // A shared span: the client side owns the span's timestamp and duration.
    timeFrom(cs, cr);
    const client = forEndpoint(cs.endpoint);
    let server: Builder;
    if (sameService(cs.endpoint, sr.endpoint)) {
      // Loopback: client and server are the same service, so fork the server side explicitly.
      client.kind = 'CLIENT';
      server = fork(sr.endpoint);
      server.kind = 'SERVER';
    } else {
      server = forEndpoint(sr.endpoint);
    }
    server.shared = true;
    server.timestamp = sr.timestamp;
    if (ss !== undefined) server.duration = clamp(ss.timestamp - sr.timestamp);
    if (cr === undefined && source.duration === 0n) client.duration = 0n; // one-way: no duration
  } else if (cs !== undefined && cr !== undefined) {
    timeFrom(cs, cr);
  } else if (sr !== undefined && ss !== undefined) {
    timeFrom(sr, ss);
  } else {
    // An incomplete RPC: start from what there is; an end without its start stays an annotation.
    for (const b of [first, ...forks]) {
      if (b.kind === 'CLIENT') {
        if (cs !== undefined) b.timestamp = cs.timestamp;
        if (cr !== undefined) b.annotations.push({ timestamp: cr.timestamp, value: cr.value });
      } else if (b.kind === 'SERVER') {
        if (sr !== undefined) b.timestamp = sr.timestamp;
        if (ss !== undefined) b.annotations.push({ timestamp: ss.timestamp, value: ss.value });
      }
    }
    if (source.timestamp !== 0n) {
      first.timestamp = source.timestamp;
      first.duration = source.duration;
    }
  }

  // v1 had no shared flag: a server side without the span's timestamp (or its duration) was joined.
  if (cs === undefined && sr !== undefined && (source.timestamp === 0n || (ss !== undefined && source.duration === 0n))) {
    forEndpoint(sr.endpoint).shared = true;
  }

  if (ms !== undefined && mr !== undefined) {
    const producer = forEndpoint(ms.endpoint);
    let consumer: Builder;
    if (sameService(ms.endpoint, mr.endpoint)) {
      producer.kind = 'PRODUCER';
      consumer = fork(mr.endpoint);
      consumer.kind = 'CONSUMER';
    } else {
      consumer = forEndpoint(mr.endpoint);
    }
    consumer.shared = true;
    consumer.timestamp = (wr ?? mr).timestamp;
    if (wr !== undefined) consumer.duration = clamp(mr.timestamp - wr.timestamp);
    producer.timestamp = ms.timestamp;
    producer.duration = ws !== undefined ? clamp(ws.timestamp - ms.timestamp) : 0n;
  } else if (ms !== undefined) {
    timeFrom(ms, ws);
  } else if (mr !== undefined) {
    if (wr !== undefined) timeFrom(wr, mr);
    else timeFrom(mr, undefined);
  } else {
    if (ws !== undefined) note(ws);
    if (wr !== undefined) note(wr);
  }

  let ca: ZipkinEndpoint | undefined, sa: ZipkinEndpoint | undefined, ma: ZipkinEndpoint | undefined;
  for (const b of source.binaryAnnotations) {
    if (b.value === undefined) {
      if (b.key === 'ca') ca = b.endpoint;
      else if (b.key === 'sa') sa = b.endpoint;
      else if (b.key === 'ma') ma = b.endpoint;
      continue;
    }
    const span = forEndpoint(b.endpoint);
    if (b.key === 'lc' && b.value === '') continue; // a marker of local spans, not a tag
    span.tags.set(b.key, b.value);
  }
  addresses(ca, sa, ma);

  function addresses(ca: ZipkinEndpoint | undefined, sa: ZipkinEndpoint | undefined, ma: ZipkinEndpoint | undefined): void {
    if (cs === undefined && cr === undefined && ss === undefined && sr === undefined && (ca !== undefined || sa !== undefined)) {
      // No core annotations: the addresses alone say which side this is.
      if (ca !== undefined && sa !== undefined) forEndpoint(ca).remoteEndpoint = sa;
      else if (sa !== undefined) forEndpoint(undefined).remoteEndpoint = sa; // "sa" alone does not make a client
      else {
        first.kind = 'SERVER';
        first.remoteEndpoint = ca;
      }
      return;
    }
    const server = sr ?? ss;
    if (ca !== undefined && server !== undefined && !sameEndpoint(ca, server.endpoint)) {
      // Finagle puts the client socket in "ca" under the server's service name: drop the name,
      // or the span would look like a call from the service to itself.
      let peer: ZipkinEndpoint | undefined = ca;
      if (sameService(ca, server.endpoint)) {
        peer = { ...ca, serviceName: '' };
        if (isEmptyEndpoint(peer)) peer = undefined;
      }
      forEndpoint(server.endpoint).remoteEndpoint = peer;
    }
    if (sa !== undefined) {
      if (cs !== undefined) forEndpoint(cs.endpoint).remoteEndpoint = sa;
      else if (cr !== undefined) forEndpoint(cr.endpoint).remoteEndpoint = sa;
    }
    if (ma !== undefined) {
      // Both sides get the broker, in case a messaging span was shared by mistake.
      if (ms !== undefined) forEndpoint(ms.endpoint).remoteEndpoint = ma;
      if (mr !== undefined) forEndpoint(mr.endpoint).remoteEndpoint = ma;
    }
  }

  return [first, ...forks].map(
    (b): ZipkinSpan => ({
      traceId: source.traceId,
      id: source.id,
      parentId: source.parentId,
      kind: b.kind,
      name: source.name,
      timestamp: b.timestamp,
      duration: b.duration,
      localEndpoint: b.localEndpoint,
      remoteEndpoint: b.remoteEndpoint,
      annotations: b.annotations,
      tags: b.tags,
      debug: source.debug,
      shared: b.shared,
    }),
  );
}
