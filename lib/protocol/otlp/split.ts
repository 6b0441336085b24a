// Regrouping spans: by trace ID (the bus key, and the sampler's unit) and back
// into one batch. Resource, scope and span objects are shared with the input,
// not copied: treat both input and output as read-only.
import type { InstrumentationScope, Resource, ResourceSpans, ScopeSpans, TraceId, Traces } from '../../model/index.js';

interface Group {
  traces: Traces;
  /** The resource and scope positions (in the input) the last pushed span came from. */
  r: number;
  s: number;
  scope: ScopeSpans | undefined;
}

/**
 * One Traces per trace ID, in first-seen order, each holding only that trace's
 * spans under their original resource and scope (and schema URLs). No empty
 * resource or scope entries appear in the output.
 */
export function splitTracesByTraceId(t: Traces): Map<TraceId, Traces> {
  const groups = new Map<TraceId, Group>();
  const rsList = t.resourceSpans;
  for (let r = 0; r < rsList.length; r++) {
    const rs = rsList[r]!;
    for (let s = 0; s < rs.scopeSpans.length; s++) {
      const ss = rs.scopeSpans[s]!;
      for (const span of ss.spans) {
        let g = groups.get(span.traceId);
        if (g === undefined) {
          g = { traces: { resourceSpans: [] }, r: -1, s: -1, scope: undefined };
          groups.set(span.traceId, g);
        }
        // Input is walked in order, so a trace's spans from one (resource,
        // scope) pair arrive together: comparing with the last pair suffices.
        if (g.r !== r) {
          g.traces.resourceSpans.push({ resource: rs.resource, scopeSpans: [], schemaUrl: rs.schemaUrl });
          g.r = r;
          g.s = -1;
        }
        if (g.s !== s) {
          g.scope = { scope: ss.scope, spans: [], schemaUrl: ss.schemaUrl };
          g.traces.resourceSpans[g.traces.resourceSpans.length - 1]!.scopeSpans.push(g.scope);
          g.s = s;
        }
        g.scope!.spans.push(span);
      }
    }
  }
  const out = new Map<TraceId, Traces>();
  for (const [id, g] of groups) out.set(id, g.traces);
  return out;
}

/**
 * All resourceSpans of `list` in one Traces. Entries that share the same
 * resource object (and schema URL), as the pieces of one split request do, are
 * merged back into one, and likewise scopes within them; resources that are
 * merely equal in content stay separate (correct, if less compact).
 */
export function mergeTraces(list: readonly Traces[]): Traces {
  const resourceSpans: ResourceSpans[] = [];
  const byResource = new Map<Resource, { out: ResourceSpans; byScope: Map<InstrumentationScope, ScopeSpans[]> }[]>();
  for (const t of list) {
    for (const rs of t.resourceSpans) {
      let candidates = byResource.get(rs.resource);
      if (candidates === undefined) byResource.set(rs.resource, (candidates = []));
      let entry = candidates.find((c) => c.out.schemaUrl === rs.schemaUrl);
      if (entry === undefined) {
        entry = { out: { resource: rs.resource, scopeSpans: [], schemaUrl: rs.schemaUrl }, byScope: new Map() };
        candidates.push(entry);
        resourceSpans.push(entry.out);
      }
      for (const ss of rs.scopeSpans) {
        let scopes = entry.byScope.get(ss.scope);
        if (scopes === undefined) entry.byScope.set(ss.scope, (scopes = []));
        let target = scopes.find((c) => c.schemaUrl === ss.schemaUrl);
        if (target === undefined) {
          target = { scope: ss.scope, spans: [], schemaUrl: ss.schemaUrl };
          scopes.push(target);
          entry.out.scopeSpans.push(target);
        }
        for (const span of ss.spans) target.spans.push(span);
      }
    }
  }
  return { resourceSpans };
}
