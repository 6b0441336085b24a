// Secrets (passwords, tokens) come from files or environment variables, never
// from the configuration file itself, which is copied into images, config
// maps and bug reports. Three ways in, each resolved when a service is built
// (not at load, so the loaded configuration holds no secret to print):
// - `*File` keys (kafka.sasl.passwordFile, redis.passwordFile), or their
//   environment variables (OCSVC_KAFKA_SASL_PASSWORD, OCSVC_REDIS_PASSWORD);
// - `${env:NAME}` and `${file:PATH}` inside a backend's header values, e.g.
//   `authorization: "Bearer ${env:BACKEND_TOKEN}"`;
// - a Redis URL with a password only from the environment (OCSVC_REDIS_URL).
// A secret written into the file is refused at load with a message saying
// where it goes instead, and no message repeats the secret.
import { readFileSync } from 'node:fs';
import { OcsvcError, errorMessage } from '../errors.js';

const REF = /\$\{(env|file):([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Headers that carry credentials: their values must come from ${env:...} or ${file:...}. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization']);
/** Keys that hold a secret wherever they appear in a configuration file. */
const SECRET_KEYS = new Set(['password', 'passwd', 'secret', 'token', 'apikey', 'api_key']);
/** Where each secret of the schema goes instead of the file. */
const SECRET_HOMES: Record<string, string> = {
  'kafka.sasl.password': 'kafka.sasl.passwordFile or the environment variable OCSVC_KAFKA_SASL_PASSWORD',
  'redis.password': 'redis.passwordFile or the environment variable OCSVC_REDIS_PASSWORD',
  'redis.url': 'redis.passwordFile or the environment variable OCSVC_REDIS_PASSWORD (the user may stay in the URL)',
};

/** Why a header value's references are malformed, or undefined. */
export function secretRefProblem(value: string): string | undefined {
  const rest = value.replace(REF, (_all, kind: string, arg: string) => (kind === 'env' ? (ENV_NAME.test(arg) ? '' : '\0') : arg.trim() !== '' ? '' : '\0'));
  if (rest.includes('\0')) return 'a reference must be ${env:NAME} (letters, digits, _) or ${file:/path}';
  if (rest.includes('${')) return 'only ${env:NAME} and ${file:/path} references are understood';
  return undefined;
}

/** Why a credentials header written inline is refused, or undefined. */
export function inlineCredentialProblem(name: string, value: string): string | undefined {
  if (!CREDENTIAL_HEADERS.has(name.toLowerCase()) || new RegExp(REF.source).test(value)) return undefined;
  return 'credentials are not read from the configuration: write the value with ${env:NAME} or ${file:/path}, e.g. "Bearer ${env:BACKEND_TOKEN}"';
}

/**
 * The problems of secrets written into a configuration file, without the
 * secrets: keys named like a secret (password, token, ...) anywhere, and a
 * Redis URL with a password.
 */
export function inlineSecretProblems(raw: unknown): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${path}[${i}]`));
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (SECRET_KEYS.has(key.toLowerCase()) && typeof child !== 'object') {
        problems.push(`${at}: secrets are not read from the configuration file; use ${SECRET_HOMES[at] ?? 'the matching *File key or an environment variable'}`);
      } else {
        walk(child, at);
      }
    }
  };
  walk(raw, '');
  const url = (raw as { redis?: { url?: unknown } } | null)?.redis?.url;
  if (typeof url === 'string' && urlHasPassword(url)) {
    problems.push(`redis.url: holds a password; secrets are not read from the configuration file; use ${SECRET_HOMES['redis.url']}`);
  }
  return problems;
}

export function urlHasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url);
  }
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
  }
}

function readSecretFile(file: string, where: string): string {
  try {
    // One trailing newline is how editors and `echo` end files, not part of the secret.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new OcsvcError('INVALID_CONFIG', `${where}: cannot read the secret file ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** The value with ${env:NAME} and ${file:PATH} replaced; an unset variable or unreadable file is named, never the value. */
export function resolveSecretRefs(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(REF, (_all, kind: string, arg: string) => {
    if (kind === 'file') return readSecretFile(arg.trim(), where);
    const found = env[arg];
    if (found === undefined) throw new OcsvcError('INVALID_CONFIG', `${where}: the environment variable ${arg} is not set`);
    return found;
  });
}

export function resolveHeaders(headers: Readonly<Record<string, string>> | undefined, where: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, resolveSecretRefs(value, `${where}.headers.${name}`, env)]));
}

/** A secret from its file when one is named, else from the environment variable; undefined when neither is set. */
export function readSecret(o: { file: string; envName: string; where: string; env?: NodeJS.ProcessEnv }): string | undefined {
  if (o.file !== '') return readSecretFile(o.file, o.where);
  const value = (o.env ?? process.env)[o.envName];
  return value === undefined || value === '' ? undefined : value;
}
