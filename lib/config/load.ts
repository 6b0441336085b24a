// Loading: defaults < file (YAML or JSON) < environment. Validation is strict
// and complete: every problem is reported at once, each as
// "key.path: problem (got value)". The result is frozen and typed; nothing
// reads configuration after start-up.
import convict from 'convict';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { OcsvcError } from '../errors.js';
import { backendProblems, normaliseBackends } from './backends.js';
import { registerFormats } from './formats.js';
import { policyProblems } from './policies.js';
import { inlineSecretProblems } from './secrets.js';
import { schemaOf, type ServiceConfigs, type ServiceName } from './schemas.js';

export const ENV_PREFIX = 'OCSVC_';

export class ConfigError extends OcsvcError {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration (${source}):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** 'receivers.otlp.grpc.maxRecvMsgBytes' -> 'OCSVC_RECEIVERS_OTLP_GRPC_MAX_RECV_MSG_BYTES' */
export function envName(path: string): string {
  return ENV_PREFIX + path.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase();
}

function isLeaf(node: unknown): node is Record<string, unknown> {
  return node !== null && typeof node === 'object' && 'default' in node;
}

/** Adds an env name to every leaf; returns the leaves by path (for docs and messages). */
function withEnv(schema: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(schema)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out[key] = isLeaf(node) ? { ...node, env: envName(path) } : withEnv(node as Record<string, unknown>, path);
  }
  return out;
}

export interface Leaf {
  path: string;
  env: string;
  doc: string;
  default: unknown;
  format: unknown;
}

export function leaves(service: ServiceName): Leaf[] {
  const out: Leaf[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [key, child] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isLeaf(child)) out.push({ path, env: envName(path), doc: String(child.doc ?? ''), default: child.default, format: child.format });
      else walk(child as Record<string, unknown>, path);
    }
  };
  walk(schemaOf(service), '');
  return out;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  try {
    return extname(file) === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`cannot parse the file: ${(err as Error).message}`]);
  }
}

/** A URL's password never reaches a message, whatever else is wrong with the value. */
const withoutUrlPasswords = (text: string): string => text.replace(/(:\/\/[^/@:"]*):[^/@"]*@/g, '$1:***@');

/** JSON of a value, shortened so one huge subtree cannot bury the other problems. */
function shown(value: unknown): string {
  const text = withoutUrlPasswords(JSON.stringify(value) ?? 'undefined');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Rewrites convict's messages as "path: problem (got value)", one per problem. */
function problemsOf(message: string, raw: unknown, service: ServiceName, env: NodeJS.ProcessEnv): string[] {
  const known = leaves(service).map((l) => l.path);
  const isKnownPrefix = (prefix: string) => prefix === '' || known.some((k) => k === prefix || k.startsWith(`${prefix}.`));
  const got = (path: string) => {
    const fromEnv = env[envName(path)];
    return fromEnv !== undefined ? `${withoutUrlPasswords(JSON.stringify(fromEnv))} from ${envName(path)}` : shown(valueAt(raw, path));
  };
  const out = new Set<string>();
  for (const line of message.split('\n').filter(Boolean)) {
    const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
    if (undeclared) {
      // Report the outermost unknown key once, not every leaf below it.
      const parts = undeclared[1]!.split('.');
      let i = 1;
      while (i < parts.length && isKnownPrefix(parts.slice(0, i).join('.'))) i++;
      const path = parts.slice(0, i).join('.');
      const parent = parts.slice(0, i - 1).join('.');
      const depth = i - 1;
      const siblings = [...new Set(known.filter((k) => parent === '' || k.startsWith(`${parent}.`)).map((k) => k.split('.')[depth]))];
      out.add(`${path}: unknown key (got ${shown(valueAt(raw, path))}); allowed here: ${siblings.join(', ')}`);
      continue;
    }
    const m = /^([\w.]+): (.*)$/s.exec(line);
    if (!m) {
      out.add(line.replace(/: value was .*$/s, ''));
      continue;
    }
    const path = m[1]!;
    const why = m[2]!.replace(/: value was .*$/s, '');
    out.add(why.startsWith('[') || path.startsWith('exporter.backends[') || path.startsWith('sampler.policies[') ? `${path}${why}` : `${path}: ${why} (got ${got(path)})`);
  }
  return [...out];
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig<S extends ServiceName>(service: S, options: LoadOptions = {}): Readonly<ServiceConfigs[S]> {
  registerFormats();
  // The backends list is checked entry by entry so that all problems show.
  convict.addFormat({
    name: 'backends',
    validate(value: unknown) {
      const problems = backendProblems(value);
      if (problems.length) throw new Error(problems.join(`\nexporter.backends`));
    },
    coerce: (v: string) => JSON.parse(v) as unknown,
  });
  // Likewise the sampler's policies, recursively.
  convict.addFormat({
    name: 'sampling-policies',
    validate(value: unknown) {
      const problems = policyProblems(value);
      if (problems.length) throw new Error(problems.join(`\nsampler.policies`));
    },
    coerce: (v: string) => JSON.parse(v) as unknown,
  });
  const env = options.env ?? process.env;
  const source = options.file ?? 'defaults and environment';
  let config: convict.Config<unknown>;
  try {
    config = convict(withEnv(schemaOf(service)) as convict.Schema<unknown>, { env, args: [] });
  } catch (err) {
    // convict coerces environment values while building; a bad one throws here.
    throw new ConfigError(source, [(err as Error).message]);
  }
  const raw = options.file ? readFile(options.file) : {};
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(source, ['the file must hold a mapping of sections (e.g. "kafka:", "receivers:")']);
  }
  // Refused before anything else looks at them: no later message may repeat them.
  const secrets = options.file ? inlineSecretProblems(raw) : [];
  if (secrets.length > 0) throw new ConfigError(source, secrets);
  const merged = { ...(raw as object) };
  try {
    config.load(merged);
    config.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(source, problemsOf((err as Error).message, config.getProperties(), service, env));
  }
  const props = config.getProperties() as ServiceConfigs[S];
  if ('exporter' in props) {
    const exporter = props.exporter as { backends: unknown };
    exporter.backends = normaliseBackends(exporter.backends);
  }
  return deepFreeze(props);
}

function deepFreeze<T>(obj: T): T {
  if (obj && typeof obj === 'object') {
    for (const v of Object.values(obj)) deepFreeze(v);
    Object.freeze(obj);
  }
  return obj;
}
