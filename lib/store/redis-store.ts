// The decision store on Redis (>= 7.0), shared by every sampler. Decide-once is
// one command per trace, `SET key value NX GET PX ttl`: it stores the proposal
// unless a decision exists and returns the existing one, atomically. All the
// proposals of one call go out as one pipeline: one round trip per batch.
//
// Keys are `<prefix>{<traceId>}`: the braces make the trace ID the Redis Cluster
// hash tag, so one trace's keys stay on one shard. Values are compact,
// `k|always_sample|1732500000000` (verdict, policy, decidedAtMs).
//
// Budgets are token buckets in Redis, one hash per bucket at
// `<prefix>budget:{<bucket>}`, updated by one Lua script
// (lua/take-tokens-1.lua, registered with defineCommand so that it travels as
// EVALSHA): every bucket of a call in one pipeline, one round trip.
//
// Failure is fast: no offline queue, and commands in flight when the connection
// drops are failed at once (maxRetriesPerRequest 0); every call then rejects
// with UnavailableError while ioredis reconnects in the background.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type ChainableCommander } from 'ioredis';
import { OcsvcError, UnavailableError, errorMessage } from '../errors.js';
import { redactUrl } from '../config/secrets.js';
import { closeOnce } from '../lifecycle.js';
import type { TraceId } from '../model/ids.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { storeClosedError, storeNotStartedError, validateBudgetRequest, validateTtlMs } from './store-errors.js';
import type { BudgetRequest, Decision, DecisionStore, Verdict } from './store.js';

export interface RedisDecisionStoreOptions {
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  url: string;
  name?: string;
  keyPrefix?: string;
  /** How long to wait for a TCP (and TLS) connection. */
  connectTimeoutMs?: number;
  /** How long one call waits for Redis to answer before rejecting with UnavailableError. */
  commandTimeoutMs?: number;
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number;
  /** TLS options (CA, client certificate, servername); a rediss:// URL alone enables TLS with defaults. */
  tls?: ConnectionOptions;
  /** Overrides a password in the URL; from a file or the environment, never the configuration (lib/config/secrets.ts). */
  password?: string;
}

export const DEFAULT_KEY_PREFIX = 'ocsvc:decision:';
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 1_000;
const MIN_REDIS_MAJOR = 7; // SET ... NX GET

/** The Lua scripts' folder, beside proto/ at the package root (read at run time, from source or dist/). */
export const LUA_DIR = join(PACKAGE_ROOT, 'lua');
const TAKE_TOKENS = { name: 'ocsvcTakeTokens', file: 'take-tokens-1.lua', keys: 1 } as const;

/** The pipeline with our script as a command (ioredis adds it at run time). */
type WithTakeTokens = ChainableCommander & {
  ocsvcTakeTokens(key: string, ratePerSecond: number, burst: number, take: number, refund: number): ChainableCommander;
};

const VERDICT_CODES = { keep: 'k', drop: 'd' } as const satisfies Record<Verdict, string>;

export function encodeDecision(decision: Decision): string {
  return `${VERDICT_CODES[decision.verdict]}|${decision.policy}|${decision.decidedAtMs}`;
}

export function decodeDecision(value: string): Decision {
  // The policy sits between the first and the last '|', so it may contain '|'.
  const last = value.lastIndexOf('|');
  const code = value.slice(0, 2);
  const verdict: Verdict | undefined = code === 'k|' ? 'keep' : code === 'd|' ? 'drop' : undefined;
  const decidedAtMs = Number(value.slice(last + 1));
  if (verdict === undefined || last < 2 || value.slice(last + 1) === '' || !Number.isFinite(decidedAtMs)) {
    throw new OcsvcError('STORE_CORRUPT', `not a decision: ${JSON.stringify(value.slice(0, 200))}`);
  }
  return { verdict, policy: value.slice(2, last), decidedAtMs };
}

// Replies that mean "not now" rather than "never": a loading, failing-over or
// full server.
// Replies to AUTH (or to a command without it) that wrong credentials get.
const AUTH_REFUSED = /\b(WRONGPASS|NOAUTH)\b|invalid password/i;

const RETRYABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)\b/;

export class RedisDecisionStore implements DecisionStore {
  readonly name: string;
  readonly keyPrefix: string;
  readonly close: () => Promise<void>;
  private readonly client: Redis;
  private readonly where: string;
  private starting: Promise<void> | undefined;
  private started = false;
  private closed = false;
  private lastError: unknown;

  constructor(options: RedisDecisionStoreOptions) {
    this.name = options.name ?? 'redis-decision-store';
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.where = redactUrl(options.url);
    const maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
    this.client = new Redis(withoutCredentials(options), {
      lazyConnect: true,
      connectionName: 'ocsvc-decisions',
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxReconnectDelayMs),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...credentials(options),
    });
    this.client.defineCommand(TAKE_TOKENS.name, { numberOfKeys: TAKE_TOKENS.keys, lua: readFileSync(join(LUA_DIR, TAKE_TOKENS.file), 'utf8') });
    // Without a listener ioredis prints every reconnection failure; the last
    // one is kept as the cause of the next UnavailableError instead.
    this.client.on('error', (err: unknown) => {
      this.lastError = err;
    });
    this.close = closeOnce(() => this.shutdown());
  }

  async start(): Promise<void> {
    if (this.closed) throw storeClosedError(this.name);
    // Concurrent calls share one attempt; a failed one can be retried.
    this.starting ??= this.connect().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    await this.starting;
  }

  private async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      this.client.disconnect(); // no background reconnection for a store that failed to start
      // ioredis rejects with "Connection is closed"; why it closed is the error event before it.
      const why = this.lastError === undefined || this.lastError === err ? errorMessage(err) : `${errorMessage(err)} (${errorMessage(this.lastError)})`;
      if (AUTH_REFUSED.test(why)) {
        // The same credentials will be refused again: not worth retrying.
        throw new OcsvcError('STORE_AUTHENTICATION_FAILED', `decision store: Redis at ${this.where} refused the credentials: ${why} (check the user in redis.url and the password from redis.passwordFile or OCSVC_REDIS_PASSWORD)`, {
          cause: this.lastError ?? err,
        });
      }
      throw new UnavailableError(`decision store: cannot connect to Redis at ${this.where}: ${why}`, {
        cause: err,
        code: 'STORE_UNAVAILABLE',
      });
    }
    const version = /redis_version:(\d+)\.(\d+)/.exec(await this.client.info('server').catch(() => ''));
    if (version !== null && Number(version[1]) < MIN_REDIS_MAJOR) {
      this.client.disconnect();
      throw new OcsvcError('STORE_UNSUPPORTED', `decision store needs Redis >= ${MIN_REDIS_MAJOR}.0 (SET NX GET); ${this.where} runs ${version[1]}.${version[2]}`);
    }
    this.started = true;
  }

  async decide(proposals: { traceId: TraceId; decision: Decision }[], ttlMs: number): Promise<Decision[]> {
    this.assertUsable();
    validateTtlMs(ttlMs);
    if (proposals.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const { traceId, decision } of proposals) {
      pipeline.set(this.key(traceId), encodeDecision(decision), 'PX', ttlMs, 'NX', 'GET');
    }
    const replies = await this.exec(pipeline, 'decide');
    return proposals.map(({ decision }, i) => {
      const existing = replies[i];
      return existing === null || existing === undefined ? { ...decision } : decodeDecision(existing);
    });
  }

  async get(traceIds: TraceId[]): Promise<(Decision | undefined)[]> {
    this.assertUsable();
    if (traceIds.length === 0) return [];
    // One GET per key rather than MGET: the keys hash to different cluster slots.
    const pipeline = this.client.pipeline();
    for (const traceId of traceIds) pipeline.get(this.key(traceId));
    const replies = await this.exec(pipeline, 'get');
    return replies.map((value) => (value === null || value === undefined ? undefined : decodeDecision(value)));
  }

  async takeBudgets(requests: BudgetRequest[]): Promise<number[]> {
    this.assertUsable();
    requests.forEach(validateBudgetRequest);
    if (requests.length === 0) return [];
    const pipeline = this.client.pipeline() as WithTakeTokens;
    for (const r of requests) pipeline.ocsvcTakeTokens(this.budgetKey(r.bucket), r.ratePerSecond, r.burst, r.take, r.refund);
    const replies = await this.exec(pipeline, 'takeBudgets');
    return replies.map((v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new OcsvcError('STORE_CORRUPT', `takeBudgets: not a token count: ${JSON.stringify(v)}`);
      return n;
    });
  }

  key(traceId: TraceId): string {
    return `${this.keyPrefix}{${traceId}}`;
  }

  /** The bucket's braces make it the Redis Cluster hash tag: a bucket is one key on one shard. */
  budgetKey(bucket: string): string {
    return `${this.keyPrefix}budget:{${bucket}}`;
  }

  private assertUsable(): void {
    if (this.closed) throw storeClosedError(this.name);
    if (!this.started) throw storeNotStartedError(this.name);
  }

  private async exec(pipeline: ChainableCommander, what: string): Promise<(string | null)[]> {
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      throw this.unavailable(what, err);
    }
    if (results === null) throw this.unavailable(what, new Error('pipeline discarded'));
    return results.map(([err, value]) => {
      if (err !== null) throw this.toStoreError(what, err);
      return value === null ? null : String(value);
    });
  }

  private toStoreError(what: string, err: Error): OcsvcError {
    if (err.name === 'ReplyError' && !RETRYABLE_REPLY.test(err.message)) {
      return new OcsvcError('STORE_REPLY_ERROR', `decision store ${what}: Redis at ${this.where} refused: ${err.message}`, { cause: err });
    }
    return this.unavailable(what, err);
  }

  private unavailable(what: string, err: unknown): UnavailableError {
    const detail = this.lastError === undefined || this.lastError === err ? '' : ` (last connection error: ${errorMessage(this.lastError)})`;
    return new UnavailableError(`decision store ${what}: Redis at ${this.where} unavailable: ${errorMessage(err)}${detail}`, {
      cause: err,
      code: 'STORE_UNAVAILABLE',
    });
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'ready') {
      // QUIT lets Redis finish what it is answering; a dead server must not hold close() up.
      await this.client.quit().catch(() => undefined);
    }
    this.client.disconnect();
  }
}

// ioredis takes the URL's user and password over its options: with a password
// of our own, both leave the URL and go as options.
function withoutCredentials(options: RedisDecisionStoreOptions): string {
  if (options.password === undefined) return options.url;
  const url = new URL(options.url);
  url.username = '';
  url.password = '';
  return url.toString();
}

function credentials(options: RedisDecisionStoreOptions): { username?: string; password?: string } {
  if (options.password === undefined) return {};
  const user = decodeURIComponent(new URL(options.url).username);
  return user === '' ? { password: options.password } : { username: user, password: options.password };
}
