// The exporter's backends: a list of named entries, each of one type. convict
// has no schema for a list of objects, so this format checks each entry itself
// and reports every problem with its index and key.
import { endpointProblem } from '../net/endpoint.js';
import { inlineCredentialProblem, secretRefProblem } from './secrets.js';

export const BACKEND_TYPES = ['otlp', 'otlphttp', 'file', 'debug', 'opencensus', 'jaeger', 'zipkin'] as const;
export type BackendType = (typeof BACKEND_TYPES)[number];
export const SIGNALS = ['traces', 'metrics'] as const;
export type SignalName = (typeof SIGNALS)[number];

export interface BackendConfig {
  /** Names the consumer group, the counters and the log lines; unique. */
  name: string;
  type: BackendType;
  /** Which topics this backend consumes; default every signal its type carries. */
  signals: SignalName[];
  endpoint?: string;
  headers?: Record<string, string>;
  compression?: 'gzip' | 'none';
  timeoutMs?: number;
  encoding?: 'proto' | 'json';
  insecure?: boolean;
  path?: string;
  rotateBytes?: number;
  maxBackups?: number;
  fsync?: boolean;
  verbosity?: 'basic' | 'normal' | 'detailed';
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  numStreams?: number;
  acknowledgements?: 'response' | 'none';
}

type Check = (v: unknown) => string | undefined;
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;
const endpoint: Check = (v) => endpointProblem(String(v)) ?? (typeof v === 'string' ? undefined : 'must be a string host:port');
// gRPC name syntax (dns:///host:port, unix:/path, ipv4:a:p,b:p) besides host:port.
const grpcTarget: Check = (v) => {
  if (typeof v === 'string' && /^(dns|unix|unix-abstract|ipv4|ipv6):.+/.test(v)) return undefined;
  const why = endpoint(v);
  return why && `${why}, or a gRPC target such as dns:///host:port`;
};
const httpUrl: Check = (v) => {
  try {
    const u = new URL(String(v));
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'must be an http:// or https:// URL';
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
};
const nonEmpty: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
const positiveInt: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? undefined : 'must be an integer > 0');
const stringMap: Check = (v) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
    ? undefined
    : 'must be an object of string values';
// Header values may take secrets from ${env:NAME} and ${file:PATH} (secrets.ts);
// credentials headers must, so that no token sits in the configuration.
const headers: Check = (v) => {
  const why = stringMap(v);
  if (why) return `: ${why}`;
  for (const [name, value] of Object.entries(v as Record<string, string>)) {
    const problem = secretRefProblem(value) ?? inlineCredentialProblem(name, value);
    if (problem) return `.${name}: ${problem}`;
  }
  return undefined;
};
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const nonNegativeInt: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'must be an integer >= 0');
const signals: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((s) => (SIGNALS as readonly string[]).includes(s))
    ? undefined
    : `must be a non-empty list of ${SIGNALS.join(', ')}`;

const COMMON: Record<string, Check> = { name: nonEmpty, type: oneOf(...BACKEND_TYPES), signals };
const NETWORK: Record<string, Check> = { headers, compression: oneOf('gzip', 'none'), timeoutMs: positiveInt };
/** The TLS files of every network backend (docs/security.md). */
const TLS_FILES: Record<string, Check> = { caFile: nonEmpty, certFile: nonEmpty, keyFile: nonEmpty };

/** Keys each type accepts, which of them are required, and the signals it carries (both unless said). */
const BY_TYPE: Record<BackendType, { keys: Record<string, Check>; required: string[]; signals?: readonly SignalName[] }> = {
  otlp: { keys: { ...NETWORK, ...TLS_FILES, endpoint, insecure: boolean }, required: ['endpoint'] },
  otlphttp: { keys: { ...NETWORK, ...TLS_FILES, endpoint: httpUrl, encoding: oneOf('proto', 'json') }, required: ['endpoint'] },
  file: { keys: { path: nonEmpty, rotateBytes: nonNegativeInt, maxBackups: nonNegativeInt, fsync: boolean }, required: ['path'] },
  debug: { keys: { verbosity: oneOf('basic', 'normal', 'detailed') }, required: [] },
  opencensus: {
    keys: {
      ...NETWORK,
      endpoint: grpcTarget,
      ...TLS_FILES,
      insecure: boolean,
      numStreams: positiveInt,
      acknowledgements: oneOf('response', 'none'),
    },
    required: ['endpoint'],
  },
  jaeger: {
    keys: {
      ...NETWORK,
      endpoint: grpcTarget,
      ...TLS_FILES,
      insecure: boolean,
    },
    required: ['endpoint'],
    signals: ['traces'],
  },
  zipkin: { keys: { ...NETWORK, ...TLS_FILES, endpoint: httpUrl, encoding: oneOf('json', 'proto') }, required: ['endpoint'], signals: ['traces'] },
};

/** Every problem in the list, each as "[index].key: problem (got value)". */
export function backendProblems(value: unknown): string[] {
  if (!Array.isArray(value)) return ['must be a list of backends'];
  const problems: string[] = [];
  const names = new Set<string>();
  value.forEach((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`[${i}]: must be an object with name and type`);
      return;
    }
    const e = entry as Record<string, unknown>;
    const spec = BY_TYPE[e.type as BackendType];
    const allowed = { ...COMMON, ...(spec?.keys ?? {}) };
    for (const [key, v] of Object.entries(e)) {
      const check = allowed[key];
      if (!check) {
        problems.push(`[${i}].${key}: not a key of type ${String(e.type)} (allowed: ${Object.keys(allowed).join(', ')})`);
        continue;
      }
      const why = check(v);
      // Header values may hold tokens: they are never repeated.
      if (why) problems.push(key === 'headers' ? `[${i}].headers${why}` : `[${i}].${key}: ${why} (got ${JSON.stringify(v)})`);
    }
    const carried = spec?.signals;
    if (carried !== undefined && Array.isArray(e.signals)) {
      const extra = (e.signals as unknown[]).filter((x) => !carried.includes(x as SignalName));
      if (extra.length > 0) problems.push(`[${i}].signals: type ${String(e.type)} carries only ${carried.join(', ')} (got ${JSON.stringify(e.signals)})`);
    }
    for (const key of ['name', 'type', ...(spec?.required ?? [])]) {
      if (e[key] === undefined) problems.push(`[${i}].${key}: required${e.type ? ` for type ${String(e.type)}` : ''}`);
    }
    if (typeof e.name === 'string') {
      if (names.has(e.name)) problems.push(`[${i}].name: "${e.name}" is used twice; names must be unique`);
      names.add(e.name);
    }
  });
  return problems;
}

export function normaliseBackends(value: unknown): BackendConfig[] {
  return (value as Record<string, unknown>[]).map((e) => ({ ...e, signals: e.signals ?? [...(BY_TYPE[e.type as BackendType]?.signals ?? SIGNALS)] }) as BackendConfig);
}
