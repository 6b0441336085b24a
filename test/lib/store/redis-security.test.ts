// The Redis decision store over TLS with a client certificate and a password,
// configured the way operators do (a rediss:// URL, redis.tls, the password
// from redis.passwordFile or OCSVC_REDIS_PASSWORD), against a private
// redis-server serving TLS only (--tls-port, --port 0, --tls-auth-clients yes,
// --requirepass): decisions stored and read back; a wrong password is a clear
// non-retryable error without the password; no client certificate, refused;
// a sampler that cannot authenticate exits at start-up without printing it.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../../../lib/config/load.js';
import { OcsvcError } from '../../../lib/errors.js';
import type { TraceId } from '../../../lib/model/index.js';
import { redisStoreOptions } from '../../../lib/service/redis.js';
import { RedisDecisionStore } from '../../../lib/store/redis-store.js';
import { kafkaBrokers, uniqueName } from '../../harness/env.js';
import { startRedis, type RedisServer } from '../../harness/redis.js';
import { waitFor } from '../../harness/wait-for.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import { runToExit } from '../../helpers/service-process.js';

const PASSWORD = 'Open4sesameRedisPassword';
const WRONG = 'Wrong7redisPasswordNeverShown';

function store(t: TestContext, redis: RedisServer, certs: TestCerts, env: Record<string, string>, secretEnv: Record<string, string> = {}): RedisDecisionStore {
  const section = loadConfig('sampler', {
    env: {
      OCSVC_REDIS_URL: redis.url,
      OCSVC_REDIS_KEY_PREFIX: `${uniqueName('tls')}:`,
      OCSVC_REDIS_TLS_CA_FILE: certs.caFile,
      OCSVC_REDIS_TLS_CERT_FILE: certs.clientCertFile,
      OCSVC_REDIS_TLS_KEY_FILE: certs.clientKeyFile,
      OCSVC_REDIS_CONNECT_TIMEOUT_MS: '3000',
      ...env,
    },
  }).redis;
  const s = new RedisDecisionStore(redisStoreOptions(section, secretEnv));
  t.after(() => s.close());
  return s;
}

const traceId = 'ab'.repeat(16) as TraceId;

test('Redis over TLS with a client certificate and a password', { timeout: 120_000 }, async (t) => {
  const certs = makeCerts(t);
  const redis = await startRedis({
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, authClients: true, clientCertFile: certs.clientCertFile, clientKeyFile: certs.clientKeyFile },
    password: PASSWORD,
  });
  t.after(() => redis.stop());
  assert.match(redis.url, /^rediss:\/\/127\.0\.0\.1:\d+$/);
  const passwordFile = join(certs.dir, 'redis-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);

  await t.test('the password from redis.passwordFile: a decision stored and read back over rediss://', async (t) => {
    const s = store(t, redis, certs, { OCSVC_REDIS_PASSWORD_FILE: passwordFile });
    await s.start();
    const decision = { verdict: 'keep' as const, policy: 'tls', decidedAtMs: 1_700_000_000_000 };
    assert.deepEqual(await s.decide([{ traceId, decision }], 60_000), [decision]);
    assert.deepEqual(await s.get([traceId]), [decision]);
  });

  await t.test('the password from OCSVC_REDIS_PASSWORD, the user in the URL', async (t) => {
    const s = store(t, redis, certs, { OCSVC_REDIS_URL: redis.url.replace('rediss://', 'rediss://default@') }, { OCSVC_REDIS_PASSWORD: PASSWORD });
    await s.start();
    assert.deepEqual(await s.get([randomLike()]), [undefined]);
  });

  await t.test('a wrong password: STORE_AUTHENTICATION_FAILED, not retryable, naming where the password comes from but not the password', async (t) => {
    const s = store(t, redis, certs, {}, { OCSVC_REDIS_PASSWORD: WRONG });
    const err = await s.start().then(
      () => assert.fail('started with a wrong password'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof OcsvcError, String(err));
    assert.equal(err.code, 'STORE_AUTHENTICATION_FAILED', err.message);
    assert.equal(err.retryable, false);
    assert.match(err.message, /WRONGPASS/);
    assert.match(err.message, /redis\.passwordFile or OCSVC_REDIS_PASSWORD/);
    assert.ok(!`${err.message}${String(err.stack)}`.includes(WRONG));
  });

  await t.test('no client certificate: refused by tls-auth-clients', async (t) => {
    const s = store(t, redis, certs, { OCSVC_REDIS_TLS_CERT_FILE: '', OCSVC_REDIS_TLS_KEY_FILE: '' }, { OCSVC_REDIS_PASSWORD: PASSWORD });
    await assert.rejects(s.start(), { code: 'STORE_UNAVAILABLE' });
  });

  await t.test('new client certificate files are used by the next connection, without a restart', async (t) => {
    const foreign = certs.foreignClient();
    const certFile = join(certs.dir, 'redis-client-current.pem');
    const keyFile = join(certs.dir, 'redis-client-current.key');
    copyFileSync(foreign.certFile, certFile);
    copyFileSync(foreign.keyFile, keyFile);
    const s = store(t, redis, certs, { OCSVC_REDIS_TLS_CERT_FILE: certFile, OCSVC_REDIS_TLS_KEY_FILE: keyFile }, { OCSVC_REDIS_PASSWORD: PASSWORD });
    await assert.rejects(s.start(), { code: 'STORE_UNAVAILABLE' }, 'a certificate of another CA');
    const renewed = certs.issueClient('redis-renewed');
    copyFileSync(renewed.keyFile, keyFile);
    copyFileSync(renewed.certFile, certFile);
    await waitFor(() => s.start().then(() => true, () => false), { timeoutMs: 10_000, what: 'the store to connect with the renewed certificate' });
    assert.deepEqual(await s.get([traceId]), [undefined], 'a command answered over the new connection');
  });

  await t.test('a sampler with a wrong Redis password exits at start-up with the reason, never the password', async (t) => {
    const brokers = kafkaBrokers(t);
    if (!brokers) return;
    const { code, output } = await runToExit(['sampler'], {
      OCSVC_KAFKA_BROKERS: brokers.join(','),
      OCSVC_KAFKA_TOPICS_SPANS: uniqueName('spans'),
      OCSVC_KAFKA_TOPICS_SPANS_SAMPLED: uniqueName('sampled'),
      OCSVC_SAMPLER_GROUP_ID: uniqueName('sampler'),
      OCSVC_REDIS_URL: redis.url,
      OCSVC_REDIS_TLS_CA_FILE: certs.caFile,
      OCSVC_REDIS_TLS_CERT_FILE: certs.clientCertFile,
      OCSVC_REDIS_TLS_KEY_FILE: certs.clientKeyFile,
      OCSVC_REDIS_PASSWORD: WRONG,
    });
    assert.equal(code, 1, output);
    assert.match(output, /start-up failed/);
    assert.match(output, /STORE_AUTHENTICATION_FAILED|refused the credentials/);
    assert.ok(!output.includes(WRONG), 'the password is not printed');
  });
});

function randomLike(): TraceId {
  return 'cd'.repeat(16) as TraceId;
}
