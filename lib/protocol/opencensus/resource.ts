// OpenCensus Node and Resource <-> model Resource.
//
// RESOURCE_MAPPING is the whole mapping, one row per OpenCensus field: the
// OpenTelemetry semantic conventions where they name the same thing, and
// otherwise the keys of the OpenTelemetry Collector's old OpenCensus translator
// (opencensus.starttime, .exporterversion, .resourcetype), so that dashboards
// built on it keep working. A field is written only when it is not its default.
// Node.attributes and Resource.labels follow as string attributes with their
// own keys: first the node's, then the labels, each in wire order.
//
// OC -> model -> OC is exact. What the attributes above cannot show is carried
// by three marker attributes, written only when needed (a Node from a real
// OpenCensus library needs none):
//
// - opencensus.present (string[]): messages sent empty, whose presence nothing
//   else shows: "node", "identifier", "library_info", "service_info", "resource".
// - opencensus.nodeattributes (string[]): the keys of Node.attributes, in order;
//   without it every attribute no row claims is a Resource label.
// - opencensus.resourcelabels (string[]): the labels whose key is a row's or a
//   marker's key (a label literally named "host.name").
//
// A key shared by several of them is resolved by counting: its occurrences are,
// in order, the row's (at most one), the node attributes', then the labels'.
// Counting by key rather than by position keeps the reading sensible when a
// processor has added or removed attributes in between.
//
// Model -> OC for a resource from elsewhere (an OpenTelemetry SDK) reads the
// rows by key and makes every other attribute a label (non-strings as text);
// its droppedAttributesCount has no OpenCensus field and is lost.
import type { AnyValue, KeyValue, Resource } from '../../model/common.js';
import { OcLanguage, type OcLibraryInfo, type OcNode, type OcProcessIdentifier, type OcResource, type OcStringEntry } from './types.js';

export const OC_RESOURCE_KEYS = {
  serviceName: 'service.name',
  hostName: 'host.name',
  pid: 'process.pid',
  startTime: 'opencensus.starttime',
  language: 'telemetry.sdk.language',
  /** LibraryInfo.language numbers that telemetry.sdk.language has no value for. */
  languageNumber: 'opencensus.language',
  coreLibraryVersion: 'telemetry.sdk.version',
  exporterVersion: 'opencensus.exporterversion',
  resourceType: 'opencensus.resourcetype',
  present: 'opencensus.present',
  nodeAttributes: 'opencensus.nodeattributes',
  resourceLabels: 'opencensus.resourcelabels',
} as const;
const K = OC_RESOURCE_KEYS;

/** telemetry.sdk.language values by LibraryInfo.Language. */
const LANGUAGES: ReadonlyMap<number, string> = new Map([
  [OcLanguage.CPP, 'cpp'],
  [OcLanguage.C_SHARP, 'dotnet'],
  [OcLanguage.ERLANG, 'erlang'],
  [OcLanguage.GO_LANG, 'go'],
  [OcLanguage.JAVA, 'java'],
  [OcLanguage.NODE_JS, 'nodejs'],
  [OcLanguage.PHP, 'php'],
  [OcLanguage.PYTHON, 'python'],
  [OcLanguage.RUBY, 'ruby'],
  [OcLanguage.WEB_JS, 'webjs'],
]);
const LANGUAGE_NUMBERS = new Map([...LANGUAGES].map(([n, name]) => [name, n]));

type Message = 'identifier' | 'library_info' | 'service_info' | 'resource';

/** Every message filled in, absent ones with their defaults. */
interface Draft {
  identifier: OcProcessIdentifier;
  libraryInfo: OcLibraryInfo;
  serviceInfo: { name: string };
  resource: OcResource;
}

export interface ResourceFieldRule {
  /** The OpenCensus field, as the proto names it. */
  readonly field: string;
  readonly key: string;
  readonly message: Message;
  /** The attribute's value, or undefined for the field's default (then nothing is written). */
  readonly get: (d: Draft) => AnyValue | undefined;
  /** Sets the field from an attribute; false if the value cannot be this field's. */
  readonly set: (d: Draft, v: AnyValue) => boolean;
}

const text = (s: string): AnyValue | undefined => (s === '' ? undefined : { kind: 'string', value: s });
const stringSetter =
  (assign: (d: Draft, s: string) => void) =>
  (d: Draft, v: AnyValue): boolean => {
    if (v.kind !== 'string') return false;
    assign(d, v.value);
    return true;
  };
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

export const RESOURCE_MAPPING: readonly ResourceFieldRule[] = [
  {
    field: 'service_info.name',
    key: K.serviceName,
    message: 'service_info',
    get: (d) => text(d.serviceInfo.name),
    set: stringSetter((d, s) => (d.serviceInfo.name = s)),
  },
  {
    field: 'identifier.host_name',
    key: K.hostName,
    message: 'identifier',
    get: (d) => text(d.identifier.hostName),
    set: stringSetter((d, s) => (d.identifier.hostName = s)),
  },
  {
    field: 'identifier.pid',
    key: K.pid,
    message: 'identifier',
    get: (d) => (d.identifier.pid === 0 ? undefined : { kind: 'int', value: BigInt(d.identifier.pid >>> 0) }),
    set: (d, v) => {
      if (v.kind !== 'int' || v.value < 0n || v.value > 0xffff_ffffn) return false;
      d.identifier.pid = Number(v.value);
      return true;
    },
  },
  {
    field: 'identifier.start_timestamp',
    key: K.startTime,
    message: 'identifier',
    get: (d) => (d.identifier.startTimestamp === undefined ? undefined : { kind: 'string', value: formatTime(d.identifier.startTimestamp) }),
    set: (d, v) => {
      const t = v.kind === 'string' ? parseTime(v.value) : undefined;
      if (t === undefined) return false;
      d.identifier.startTimestamp = t;
      return true;
    },
  },
  {
    field: 'library_info.language',
    key: K.language,
    message: 'library_info',
    get: (d) => text(LANGUAGES.get(d.libraryInfo.language) ?? ''),
    set: (d, v) => {
      const n = v.kind === 'string' ? LANGUAGE_NUMBERS.get(v.value) : undefined;
      if (n === undefined) return false;
      d.libraryInfo.language = n;
      return true;
    },
  },
  {
    field: 'library_info.language (numbers without a name)',
    key: K.languageNumber,
    message: 'library_info',
    get: ({ libraryInfo: { language: n } }) => (n === 0 || LANGUAGES.has(n) ? undefined : { kind: 'int', value: BigInt(n | 0) }),
    set: (d, v) => {
      if (v.kind !== 'int' || v.value < INT32_MIN || v.value > INT32_MAX) return false;
      d.libraryInfo.language = Number(v.value);
      return true;
    },
  },
  {
    field: 'library_info.core_library_version',
    key: K.coreLibraryVersion,
    message: 'library_info',
    get: (d) => text(d.libraryInfo.coreLibraryVersion),
    set: stringSetter((d, s) => (d.libraryInfo.coreLibraryVersion = s)),
  },
  {
    field: 'library_info.exporter_version',
    key: K.exporterVersion,
    message: 'library_info',
    get: (d) => text(d.libraryInfo.exporterVersion),
    set: stringSetter((d, s) => (d.libraryInfo.exporterVersion = s)),
  },
  {
    field: 'resource.type',
    key: K.resourceType,
    message: 'resource',
    get: (d) => text(d.resource.type),
    set: stringSetter((d, s) => (d.resource.type = s)),
  },
];

const RULES_BY_KEY = new Map(RESOURCE_MAPPING.map((r) => [r.key, r]));
const MARKER_KEYS: readonly string[] = [K.present, K.nodeAttributes, K.resourceLabels];
/** Keys that a label must be listed in opencensus.resourcelabels to keep. */
const RESERVED = new Set<string>([...RULES_BY_KEY.keys(), ...MARKER_KEYS]);

function draftOf(node: OcNode | undefined, resource: OcResource | undefined): Draft {
  return {
    identifier: node?.identifier ?? { hostName: '', pid: 0, startTimestamp: undefined },
    libraryInfo: node?.libraryInfo ?? { language: 0, exporterVersion: '', coreLibraryVersion: '' },
    serviceInfo: node?.serviceInfo ?? { name: '' },
    resource: resource ?? { type: '', labels: [] },
  };
}

const strings = (key: string, values: string[]): KeyValue => ({
  key,
  value: { kind: 'array', value: values.map((value): AnyValue => ({ kind: 'string', value })) },
});

export function resourceFromOc(node: OcNode | undefined, resource: OcResource | undefined): Resource {
  const present = new Map<Message, boolean>([
    ['identifier', node?.identifier !== undefined],
    ['library_info', node?.libraryInfo !== undefined],
    ['service_info', node?.serviceInfo !== undefined],
    ['resource', resource !== undefined],
  ]);
  const draft = draftOf(node, resource);
  const attributes: KeyValue[] = [];
  const shown = new Set<Message>();
  for (const rule of RESOURCE_MAPPING) {
    const value = present.get(rule.message) ? rule.get(draft) : undefined;
    if (value === undefined) continue;
    attributes.push({ key: rule.key, value });
    shown.add(rule.message);
  }
  const nodeAttributes = node?.attributes ?? [];
  const labels = resource?.labels ?? [];
  for (const e of [...nodeAttributes, ...labels]) attributes.push({ key: e.key, value: { kind: 'string', value: e.value } });

  const sentEmpty: string[] = [];
  const parts = [node?.identifier, node?.libraryInfo, node?.serviceInfo];
  if (node !== undefined && parts.every((p) => p === undefined) && nodeAttributes.length === 0) sentEmpty.push('node');
  for (const m of ['identifier', 'library_info', 'service_info'] as const) if (present.get(m) && !shown.has(m)) sentEmpty.push(m);
  if (resource !== undefined && !shown.has('resource') && labels.length === 0) sentEmpty.push('resource');
  if (sentEmpty.length > 0) attributes.push(strings(K.present, sentEmpty));
  if (nodeAttributes.length > 0) attributes.push(strings(K.nodeAttributes, nodeAttributes.map((e) => e.key)));
  const reservedLabels = labels.filter((e) => RESERVED.has(e.key)).map((e) => e.key);
  if (reservedLabels.length > 0) attributes.push(strings(K.resourceLabels, reservedLabels));
  return { attributes, droppedAttributesCount: 0 };
}

function stringList(v: AnyValue): string[] | undefined {
  if (v.kind !== 'array') return undefined;
  const out: string[] = [];
  for (const x of v.value) {
    if (x.kind !== 'string') return undefined;
    out.push(x.value);
  }
  return out;
}

function countKeys(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

export function resourceToOc(resource: Resource): { node: OcNode | undefined; resource: OcResource | undefined } {
  const attrs = resource.attributes;
  // Markers: the last occurrence of their key that is a list of strings.
  const markers = new Map<string, string[]>();
  const markerAt = new Set<number>();
  for (let i = attrs.length - 1; i >= 0; i--) {
    const { key, value } = attrs[i]!;
    const list = MARKER_KEYS.includes(key) && !markers.has(key) ? stringList(value) : undefined;
    if (list === undefined) continue;
    markers.set(key, list);
    markerAt.add(i);
  }
  const nodeCounts = countKeys(markers.get(K.nodeAttributes) ?? []);
  const labelCounts = countKeys(markers.get(K.resourceLabels) ?? []);
  const totals = countKeys(attrs.filter((_, i) => !markerAt.has(i)).map((kv) => kv.key));

  const draft = draftOf(undefined, undefined);
  const shown = new Set<Message>();
  const nodeAttributes: OcStringEntry[] = [];
  const labels: OcStringEntry[] = [];
  const seen = new Map<string, number>();
  attrs.forEach(({ key, value }, i) => {
    if (markerAt.has(i)) return;
    const j = seen.get(key) ?? 0;
    seen.set(key, j + 1);
    const n = nodeCounts.get(key) ?? 0;
    const rule = RULES_BY_KEY.get(key);
    const rest = (totals.get(key) ?? 0) - n - (labelCounts.get(key) ?? 0);
    const fromRule = rule ? Math.max(0, Math.min(1, rest)) : 0;
    if (j < fromRule && rule!.set(draft, value)) shown.add(rule!.message);
    else (j >= fromRule && j < fromRule + n ? nodeAttributes : labels).push({ key, value: anyValueToString(value) });
  });

  const listed = new Set(markers.get(K.present) ?? []);
  const has = (m: Message): boolean => shown.has(m) || listed.has(m);
  const identifier = has('identifier') ? draft.identifier : undefined;
  const libraryInfo = has('library_info') ? draft.libraryInfo : undefined;
  const serviceInfo = has('service_info') ? draft.serviceInfo : undefined;
  const nodePresent = has('identifier') || has('library_info') || has('service_info') || nodeAttributes.length > 0 || listed.has('node');
  return {
    node: nodePresent ? { identifier, libraryInfo, serviceInfo, attributes: nodeAttributes } : undefined,
    resource: has('resource') || labels.length > 0 ? { type: draft.resource.type, labels } : undefined,
  };
}

// ---- helpers shared with traces.ts ----

const NS_PER_S = 1_000_000_000n;
const RFC3339_MIN_S = -62_135_596_800n; // 0001-01-01T00:00:00Z
const RFC3339_MAX_S = 253_402_300_799n; // 9999-12-31T23:59:59Z

/**
 * Unix nanoseconds as RFC 3339 in UTC with as many fraction digits as needed
 * (Go's RFC3339Nano, as the Collector wrote them); outside years 1-9999,
 * which RFC 3339 cannot write, as decimal nanoseconds.
 */
export function formatTime(ns: bigint): string {
  let s = ns / NS_PER_S;
  let frac = ns % NS_PER_S;
  if (frac < 0n) {
    frac += NS_PER_S;
    s -= 1n;
  }
  if (s < RFC3339_MIN_S || s > RFC3339_MAX_S) return ns.toString();
  const fraction = frac === 0n ? '' : `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}${fraction}Z`;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Reads what formatTime writes, and any RFC 3339 time with an offset; undefined if neither. */
export function parseTime(text: string): bigint | undefined {
  if (/^-?\d{1,30}$/.test(text)) return BigInt(text);
  const m = RFC3339.exec(text.toUpperCase());
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]!}${m[3]!}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms / 1000) * NS_PER_S + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** An attribute value as OpenCensus text: strings as they are, anything else as JSON. */
export function anyValueToString(v: AnyValue): string {
  return v.kind === 'string' ? v.value : v.kind === 'empty' ? '' : JSON.stringify(jsonOf(v));
}

function jsonOf(v: AnyValue): unknown {
  switch (v.kind) {
    case 'int':
      return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value.toString();
    case 'double':
      return Number.isFinite(v.value) ? v.value : String(v.value);
    case 'bytes':
      return Buffer.from(v.value).toString('base64');
    case 'array':
      return v.value.map(jsonOf);
    case 'kvlist':
      return Object.fromEntries(v.value.map((kv) => [kv.key, jsonOf(kv.value)]));
    case 'empty':
      return null;
    default:
      return v.value;
  }
}

/** The OpenCensus language of a node, 0 if unknown: traces.ts picks its defaults by it. */
export function ocLanguageOf(node: OcNode | undefined): number {
  return node?.libraryInfo?.language ?? 0;
}
