// Secrets come only from files and environment variables: written into a
// configuration file they are refused with a message saying where they go,
// and no message repeats them. Header values take ${env:NAME} and
// ${file:PATH}; passwords take their *File key or variable; half-configured
// TLS or SASL blocks fail at start-up naming what is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../lib/config/index.js';
import { configFile, refusal } from './helpers.js';
import { inlineSecretProblems, readSecret, redactUrl, resolveHeaders, secretRefProblem } from '../../../lib/config/secrets.js';
import { kafkaSecurity } from '../../../lib/service/kafka.js';
import { redisStoreOptions } from '../../../lib/service/redis.js';

const SECRET = 'hunter2-very-secret';

function refused(fn: () => unknown): ConfigError {
  const err = refusal(fn);
  assert.ok(!err.message.includes(SECRET), `the secret is repeated: ${err.message}`);
  return err;
}

test('a password in redis.url from the configuration file is refused, pointing at redis.passwordFile and OCSVC_REDIS_PASSWORD', (t) => {
  const path = configFile('sampler.yaml', `redis:\n  url: redis://ocsvc:${SECRET}@redis:6379/0\n`, t);
  const err = refused(() => loadConfig('sampler', { file: path, env: {} }));
  assert.deepEqual(err.problems, [
    'redis.url: holds a password; secrets are not read from the configuration file; use redis.passwordFile or the environment variable OCSVC_REDIS_PASSWORD (the user may stay in the URL)',
  ]);
});

test('the same URL from OCSVC_REDIS_URL is taken: the environment is a place for secrets', () => {
  assert.equal(loadConfig('sampler', { env: { OCSVC_REDIS_URL: `redis://ocsvc:${SECRET}@redis:6379` } }).redis.url, `redis://ocsvc:${SECRET}@redis:6379`);
});

test('keys named like secrets are refused wherever they are, with their home when they have one', (t) => {
  const path = configFile('exporter.json', JSON.stringify({ kafka: { sasl: { mechanism: 'plain', username: 'u', password: SECRET } }, redis: { password: SECRET }, other: { token: SECRET } }), t);
  const err = refused(() => loadConfig('exporter', { file: path, env: {} }));
  assert.deepEqual(err.problems, [
    'kafka.sasl.password: secrets are not read from the configuration file; use kafka.sasl.passwordFile or the environment variable OCSVC_KAFKA_SASL_PASSWORD',
    'redis.password: secrets are not read from the configuration file; use redis.passwordFile or the environment variable OCSVC_REDIS_PASSWORD',
    'other.token: secrets are not read from the configuration file; use the matching *File key or an environment variable',
  ]);
  assert.deepEqual(inlineSecretProblems({ kafka: { sasl: { passwordFile: '/run/secrets/kafka' } } }), []);
  assert.deepEqual(inlineSecretProblems({ exporter: { backends: [{ name: 'a' }, { name: 'b', apiKey: SECRET }] } }), [
    'exporter.backends[1].apiKey: secrets are not read from the configuration file; use the matching *File key or an environment variable',
  ]);
});

test('a credentials header written inline is refused without repeating it; ${env:} and ${file:} references are taken', (t) => {
  const backends = (headers: Record<string, string>) => configFile('exporter.yaml', `exporter:\n  backends:\n    - { name: up, type: otlphttp, endpoint: "https://up:4318", headers: ${JSON.stringify(headers)} }\n`, t);
  const err = refused(() => loadConfig('exporter', { file: backends({ Authorization: `Bearer ${SECRET}` }), env: {} }));
  assert.equal(err.problems.length, 1);
  assert.match(err.problems[0]!, /^exporter\.backends\[0\]\.headers\.Authorization: credentials are not read from the configuration: write the value with \$\{env:NAME\} or \$\{file:\/path\}/);
  const ok = loadConfig('exporter', { file: backends({ authorization: 'Bearer ${env:UP_TOKEN}', 'x-tenant': 'acme' }), env: {} });
  assert.equal(ok.exporter.backends[0]!.headers!.authorization, 'Bearer ${env:UP_TOKEN}', 'resolved when the service is built, not at load');
  refused(() => loadConfig('exporter', { file: backends({ authorization: 'Bearer ${env:not a name}' }), env: {} }));
});

test('references resolve from the environment and from files (one trailing newline dropped); a missing variable is named, never a value', (t) => {
  const tokenFile = configFile('token', `${SECRET}\n`, t);
  assert.deepEqual(resolveHeaders({ authorization: 'Bearer ${env:UP_TOKEN}', 'x-key': '${file:' + tokenFile + '}', plain: 'as is' }, 'exporter.backends.up', { UP_TOKEN: 'abc' }), {
    authorization: 'Bearer abc',
    'x-key': SECRET,
    plain: 'as is',
  });
  assert.throws(() => resolveHeaders({ authorization: 'Bearer ${env:UP_TOKEN}' }, 'exporter.backends.up', {}), {
    code: 'INVALID_CONFIG',
    message: 'exporter.backends.up.headers.authorization: the environment variable UP_TOKEN is not set',
  });
  assert.throws(() => resolveHeaders({ k: '${file:/nonexistent/token}' }, 'b', {}), { message: /b\.headers\.k: cannot read the secret file \/nonexistent\/token/ });
  assert.equal(secretRefProblem('${vault:x}'), 'only ${env:NAME} and ${file:/path} references are understood');
  assert.equal(secretRefProblem('a ${env:A_1} b ${file:/x}'), undefined);
});

test('a password comes from its file first, else its variable; an empty variable is no password', (t) => {
  const file = configFile('pw', `${SECRET}\r\n`, t);
  assert.equal(readSecret({ file, envName: 'P', where: 'x', env: { P: 'env' } }), SECRET);
  assert.equal(readSecret({ file: '', envName: 'P', where: 'x', env: { P: 'env' } }), 'env');
  assert.equal(readSecret({ file: '', envName: 'P', where: 'x', env: { P: '' } }), undefined);
});

test('kafka: SASL needs a user and a password (file or OCSVC_KAFKA_SASL_PASSWORD); TLS files need tls.enabled', (t) => {
  const kafka = (env: Record<string, string>) => loadConfig('exporter', { env }).kafka;
  assert.throws(() => kafkaSecurity(kafka({ OCSVC_KAFKA_SASL_MECHANISM: 'plain' }), undefined, {}), { code: 'INVALID_CONFIG', message: /kafka\.sasl\.username is empty/ });
  assert.throws(() => kafkaSecurity(kafka({ OCSVC_KAFKA_SASL_MECHANISM: 'plain', OCSVC_KAFKA_SASL_USERNAME: 'u' }), undefined, {}), {
    message: 'kafka.sasl: SASL plain needs a password: set kafka.sasl.passwordFile or the environment variable OCSVC_KAFKA_SASL_PASSWORD',
  });
  assert.throws(() => kafkaSecurity(kafka({ OCSVC_KAFKA_TLS_CA_FILE: '/etc/ca.pem' }), undefined, {}), { message: /need kafka\.tls\.enabled: true/ });
  const security = kafkaSecurity(kafka({ OCSVC_KAFKA_SASL_MECHANISM: 'scram-sha-256', OCSVC_KAFKA_SASL_USERNAME: 'u' }), undefined, { OCSVC_KAFKA_SASL_PASSWORD: SECRET });
  assert.deepEqual(security, { sasl: { mechanism: 'scram-sha-256', username: 'u', password: SECRET } });
  const pw = configFile('pw', SECRET, t);
  assert.equal(kafkaSecurity(kafka({ OCSVC_KAFKA_SASL_MECHANISM: 'plain', OCSVC_KAFKA_SASL_USERNAME: 'u', OCSVC_KAFKA_SASL_PASSWORD_FILE: pw }), undefined, {}).sasl?.password, SECRET);
  assert.throws(() => loadConfig('exporter', { env: { OCSVC_KAFKA_SASL_MECHANISM: 'gssapi' } }), ConfigError);
});

test('redis: TLS files need a rediss:// URL; the password comes from redis.passwordFile or OCSVC_REDIS_PASSWORD', () => {
  const redis = (env: Record<string, string>) => loadConfig('sampler', { env }).redis;
  assert.throws(() => redisStoreOptions(redis({ OCSVC_REDIS_TLS_CA_FILE: '/etc/ca.pem' }), {}), { code: 'INVALID_CONFIG', message: /need a rediss:\/\/ URL/ });
  assert.equal(redisStoreOptions(redis({}), { OCSVC_REDIS_PASSWORD: SECRET }).password, SECRET);
  assert.equal(redisStoreOptions(redis({}), {}).password, undefined);
  assert.deepEqual({ ...redisStoreOptions(redis({ OCSVC_REDIS_URL: 'rediss://r:6380' }), {}).tls }, { ca: undefined, cert: undefined, key: undefined }, 'rediss:// alone: the system roots');
});

test('URLs in messages lose their password, also in the problems of an invalid value', () => {
  const err = refused(() => loadConfig('sampler', { env: { OCSVC_REDIS_URL: `redis://u:${SECRET}@` } }));
  assert.deepEqual(err.problems, ['redis.url: must be an absolute URL, e.g. redis://127.0.0.1:6379 (got "redis://u:***@" from OCSVC_REDIS_URL)']);
  assert.equal(redactUrl(`redis://u:${SECRET}@h:1/0`), 'redis://u:***@h:1/0');
  assert.equal(redactUrl('redis://h:1'), 'redis://h:1');
});
