// The receivers' bearer tokens: a YAML or JSON file naming which tenant each
// token belongs to, in either of two shapes:
//
//   - { tenant: acme, token: 6f1c... }        a list of entries
//   acme: [6f1c..., 93ab...]                   a map of tenant -> tokens
//
// Only SHA-256 digests of the tokens are kept in memory, and a presented token
// is compared with every digest in constant time (see matchToken), so neither
// timing nor a heap dump gives a token away. Nothing here ever puts a token in
// an error message: YAML's own messages quote the offending line, so parse
// errors are reduced to their line and column.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { errorMessage, InvalidInputError } from '../../errors.js';
import { ReloadingFiles } from '../../net/reloading-files.js';

/** Tenants become a Kafka header and a metric label: short, plain names. */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Shorter tokens can be guessed; `openssl rand -hex 32` makes a good one. */
export const MIN_TOKEN_CHARS = 16;
/** What an HTTP header or gRPC metadata value can carry (RFC 6750 b64token, and more). */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export interface TokenDigest {
  tenant: string;
  /** SHA-256 of the token. */
  digest: Buffer;
}

export function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Parses a tokens file's text; `source` names it in errors. Throws InvalidInputError without ever quoting a token. */
export function parseTokens(text: string, source: string): TokenDigest[] {
  let doc: unknown;
  try {
    // logLevel 'error': YAML's warnings would go to the process's warning
    // output, quoting the document.
    doc = YAML.parse(text, { logLevel: 'error' });
  } catch (err) {
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    // err.message quotes the line, which may hold a token.
    throw new InvalidInputError(`tokens file ${source}: not valid YAML or JSON${where}`);
  }
  const entries: { tenant: unknown; token: unknown; where: string }[] = [];
  if (doc === null || doc === undefined) {
    // An empty file: no tokens, every token is refused.
  } else if (Array.isArray(doc)) {
    doc.forEach((e: unknown, i) => {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new InvalidInputError(`tokens file ${source}: entry ${i + 1} must be { tenant, token }`);
      const extra = Object.keys(e).filter((k) => k !== 'tenant' && k !== 'token');
      if (extra.length > 0) throw new InvalidInputError(`tokens file ${source}: entry ${i + 1} has unknown keys ${extra.join(', ')}; allowed: tenant, token`);
      const { tenant, token } = e as Record<string, unknown>;
      entries.push({ tenant, token, where: `entry ${i + 1}` });
    });
  } else if (typeof doc === 'object') {
    Object.entries(doc).forEach(([tenant, tokens], k) => {
      const list: unknown[] = Array.isArray(tokens) ? tokens : [tokens];
      // A key that is no tenant name may be a token written in the wrong place: not quoted.
      const name = TENANT_PATTERN.test(tenant) ? `tenant ${JSON.stringify(tenant)}` : `key ${k + 1}`;
      list.forEach((token, i) => entries.push({ tenant, token, where: `${name}, token ${i + 1}` }));
    });
  } else {
    throw new InvalidInputError(`tokens file ${source}: must be a list of { tenant, token } or a map of tenant -> list of tokens`);
  }
  const out: TokenDigest[] = [];
  const seen = new Map<string, string>();
  for (const { tenant, token, where } of entries) {
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
      // The value is not quoted: a token written in the tenant's place would be.
      const got = typeof tenant === 'string' ? `${tenant.length} characters` : typeof tenant;
      throw new InvalidInputError(`tokens file ${source}: ${where}: tenant must be 1-64 letters, digits, '.', '_' or '-' (got ${got})`);
    }
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
      throw new InvalidInputError(`tokens file ${source}: ${where}: token must be a string of printable ASCII without spaces`);
    }
    if (token.length < MIN_TOKEN_CHARS) {
      throw new InvalidInputError(`tokens file ${source}: ${where}: token is shorter than ${MIN_TOKEN_CHARS} characters (make one with: openssl rand -hex 32)`);
    }
    const digest = digestOf(token);
    const key = digest.toString('hex');
    const owner = seen.get(key);
    if (owner !== undefined && owner !== tenant) {
      throw new InvalidInputError(`tokens file ${source}: ${where}: the same token is given to tenants ${JSON.stringify(owner)} and ${JSON.stringify(tenant)}`);
    }
    if (owner === undefined) out.push({ tenant, digest });
    seen.set(key, tenant);
  }
  return out;
}

/**
 * The tenant of a presented token, or undefined. Every digest is compared,
 * whatever matched first, with timingSafeEqual on equal-length digests: the
 * time taken says nothing about how much of a token was right.
 */
export function matchToken(tokens: readonly TokenDigest[], presented: string): string | undefined {
  const digest = digestOf(presented);
  let tenant: string | undefined;
  for (const entry of tokens) {
    if (timingSafeEqual(entry.digest, digest) && tenant === undefined) tenant = entry.tenant;
  }
  return tenant;
}

export interface TokensFileOptions {
  /** The file is looked at for changes no more often than this; default 1 s. */
  checkIntervalMs?: number;
  onReload?: (tenants: number, tokens: number) => void;
  /** A changed file that cannot be used: the previous tokens stay in force. */
  onError?: (err: Error) => void;
}

/** The tokens of a file, re-read when it changes (checked on use, at most once per interval). */
export class TokensFile {
  readonly path: string;
  private readonly reloading: ReloadingFiles<TokenDigest[]>;

  /** Reads the file now; throws InvalidInputError naming the file when it is unusable. */
  constructor(path: string, options: TokensFileOptions = {}, nowMs = Date.now()) {
    this.path = path;
    this.reloading = new ReloadingFiles([path], () => readTokensFile(path), {
      checkIntervalMs: options.checkIntervalMs,
      onError: options.onError,
      onReload: (tokens) => options.onReload?.(new Set(tokens.map((t) => t.tenant)).size, tokens.length),
    });
    this.reloading.load(nowMs);
  }

  /** The tokens in force, re-read first if the file changed. */
  get(nowMs = Date.now()): readonly TokenDigest[] {
    return this.reloading.get(nowMs);
  }
}

function readTokensFile(path: string): TokenDigest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the tokens file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  return parseTokens(text, path);
}
