// The Redis decision store as the services configure it: the URL, the
// password from redis.passwordFile or OCSVC_REDIS_PASSWORD (never from the
// configuration file: lib/config/secrets.ts), and the TLS files of a rediss://
// URL, read again when they change: ioredis copies its TLS options into every
// connection it opens, so a reconnection uses the files of the moment.
import type { RedisSection } from '../config/sections.js';
import { readSecret } from '../config/secrets.js';
import { OcsvcError } from '../errors.js';
import { ClientTls, liveTlsOptions, tlsClientFilesFrom } from '../net/tls-client.js';
import type { Logger } from '../telemetry/log.js';
import type { RedisDecisionStoreOptions } from '../store/redis-store.js';

export const REDIS_PASSWORD_ENV = 'OCSVC_REDIS_PASSWORD';

export function redisStoreOptions(redis: RedisSection, env: NodeJS.ProcessEnv = process.env, log?: Logger): RedisDecisionStoreOptions {
  const options: RedisDecisionStoreOptions = {
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    connectTimeoutMs: redis.connectTimeoutMs,
    commandTimeoutMs: redis.commandTimeoutMs,
  };
  const files = tlsClientFilesFrom(redis.tls, 'redis.tls');
  const tls = new URL(redis.url).protocol === 'rediss:';
  if (tls) {
    const onError = (err: Error) => log?.error('redis TLS files changed but are unusable; keeping the previous ones', { component: 'redis', err });
    options.tls = liveTlsOptions(new ClientTls(files, 'redis.tls', { onError }));
  }
  else if (files.caFile ?? files.certFile) throw new OcsvcError('INVALID_CONFIG', 'redis.tls: caFile, certFile and keyFile need a rediss:// URL in redis.url');
  const password = readSecret({ file: redis.passwordFile, envName: REDIS_PASSWORD_ENV, where: 'redis.passwordFile', env });
  if (password !== undefined) options.password = password;
  return options;
}
