import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { OcsvcError, UnavailableError } from '../../../lib/errors.js';
import { RedisDecisionStore, decodeDecision, encodeDecision, type RedisDecisionStoreOptions } from '../../../lib/store/redis-store.js';
import { redisUrl, uniqueName } from '../../harness/env.js';
import { freePort } from '../../harness/free-port.js';
import { startRedis } from '../../harness/redis.js';
import { waitFor } from '../../harness/wait-for.js';
import { budget, decision, randomTraceId, runDecisionStoreContract } from './contract.js';

// One key prefix per namespace on the shared Redis: stores of one namespace
// share decisions, and no two tests or runs see each other's keys.
runDecisionStoreContract('redis', (t, namespace) => {
  const url = redisUrl(t);
  return url === undefined ? undefined : new RedisDecisionStore({ url, keyPrefix: `test:${namespace}:` });
});

function store(t: TestContext, options: RedisDecisionStoreOptions): RedisDecisionStore {
  const s = new RedisDecisionStore(options);
  t.after(() => s.close());
  return s;
}

function rawClient(t: TestContext, url: string): Redis {
  const client = new Redis(url, { lazyConnect: true });
  t.after(() => client.disconnect());
  return client;
}

const isUnavailable = (err: unknown) => err instanceof UnavailableError && err.retryable && err.cause !== undefined;

/** Bounds a call that must fail fast, so that a hang fails the test instead of stalling it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('RedisDecisionStore', () => {
  it('encodes decisions compactly and decodes them back', () => {
    assert.equal(encodeDecision(decision('keep', 'always_sample', 1_732_500_000_000)), 'k|always_sample|1732500000000');
    assert.equal(encodeDecision(decision('drop', 'a|b', 5)), 'd|a|b|5');
    assert.deepEqual(decodeDecision('d|a|b|5'), decision('drop', 'a|b', 5));
    for (const bad of ['', 'x|p|1', 'k|', 'k|p|', 'k|p|abc', 'keep']) {
      assert.throws(() => decodeDecision(bad), (err: unknown) => err instanceof OcsvcError && err.code === 'STORE_CORRUPT', bad);
    }
  });

  it('stores each decision under <prefix>{<traceId>} with its TTL', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const keyPrefix = `test:${uniqueName('layout')}:`;
    const s = store(t, { url, keyPrefix });
    await s.start();
    const traceId = randomTraceId();
    await s.decide([{ traceId, decision: decision('keep', 'always_sample', 1_732_500_000_000) }], 60_000);
    const raw = rawClient(t, url);
    const key = `${keyPrefix}{${traceId}}`;
    assert.equal(await raw.get(key), 'k|always_sample|1732500000000');
    const pttl = await raw.pttl(key);
    assert.ok(pttl > 0 && pttl <= 60_000, `PTTL ${pttl}`);
  });

  it('keeps each budget bucket as a hash under <prefix>budget:{<bucket>}, expiring once it would be full again', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const keyPrefix = `test:${uniqueName('budget')}:`;
    const s = store(t, { url, keyPrefix });
    await s.start();
    await s.takeBudgets([budget('composite-1/errors', 30, { ratePerSecond: 10, burst: 100 })]);
    const raw = rawClient(t, url);
    const key = `${keyPrefix}budget:{composite-1/errors}`;
    const state = await raw.hgetall(key);
    assert.ok(Math.abs(Number(state.tokens) - 70) < 1, `tokens ${state.tokens}`);
    assert.ok(Number(state.atUs) > 1_600_000_000_000_000, `atUs ${state.atUs} is the server's time in microseconds`);
    const pttl = await raw.pttl(key);
    assert.ok(pttl > 60_000 && pttl <= 70_000, `PTTL ${pttl}: 10 s to refill 100 tokens at 10/s, plus a minute`);
  });

  it('reports a value it cannot read as STORE_CORRUPT rather than guessing', async (t) => {
    const url = redisUrl(t);
    if (!url) return;
    const keyPrefix = `test:${uniqueName('corrupt')}:`;
    const s = store(t, { url, keyPrefix });
    await s.start();
    const traceId = randomTraceId();
    await rawClient(t, url).set(`${keyPrefix}{${traceId}}`, 'garbage', 'PX', 60_000);
    await assert.rejects(s.get([traceId]), (err: unknown) => err instanceof OcsvcError && err.code === 'STORE_CORRUPT');
  });

  it('start() rejects with UnavailableError when nothing listens', async (t) => {
    const s = store(t, { url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 1_000 });
    await assert.rejects(within(s.start(), 20_000, 'start()'), isUnavailable);
  });

  it('rejects with UnavailableError while Redis is down, and works again once it is back on the same port', async (t) => {
    if (!redisUrl(t)) return; // gated like the shared Redis: a --unit run starts no server
    const redis = await startRedis();
    t.after(() => redis.stop());
    const s = store(t, { url: redis.url, keyPrefix: `test:${uniqueName('outage')}:`, maxReconnectDelayMs: 200 });
    await s.start();
    const before = randomTraceId();
    await s.decide([{ traceId: before, decision: decision('keep') }], 60_000);

    await redis.stop({ keepData: true });
    await assert.rejects(within(s.decide([{ traceId: randomTraceId(), decision: decision('keep') }], 60_000), 10_000, 'decide() with Redis down'), isUnavailable);
    await assert.rejects(within(s.get([before]), 10_000, 'get() with Redis down'), isUnavailable);

    await redis.start();
    const traceId = randomTraceId();
    const results = await waitFor(() => s.decide([{ traceId, decision: decision('drop', 'after') }], 60_000), {
      timeoutMs: 30_000,
      what: 'the store to reconnect',
    });
    assert.deepEqual(results, [decision('drop', 'after')]);
    // A Redis without persistence comes back empty, like a production one without AOF.
    assert.deepEqual(await s.get([before, traceId]), [undefined, decision('drop', 'after')]);
  });

  it('rejects with UnavailableError when Redis does not answer within commandTimeoutMs', async (t) => {
    if (!redisUrl(t)) return;
    const redis = await startRedis();
    t.after(() => redis.stop());
    const s = store(t, { url: redis.url, commandTimeoutMs: 200 });
    await s.start();
    // CLIENT PAUSE holds every client's commands: a stalled server, as seen from the store.
    await rawClient(t, redis.url).call('CLIENT', 'PAUSE', '3000', 'ALL');
    await assert.rejects(within(s.decide([{ traceId: randomTraceId(), decision: decision('keep') }], 60_000), 10_000, 'decide() on a paused Redis'), isUnavailable);
  });
});
