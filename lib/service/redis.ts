// The Redis decision store as the services configure it: the URL, the
// password from redis.passwordFile or OCSVC_REDIS_PASSWORD (never from the
// configuration file: lib/config/secrets.ts), and the TLS files of a rediss://
// URL. The files are read once, at start-up: ioredis keeps its TLS options for
// every reconnection, so new certificates take a restart (docs/security.md).
import type { RedisSection } from '../config/sections.js';
import { readSecret } from '../config/secrets.js';
import { OcsvcError } from '../errors.js';
import { readTlsClientOptions, tlsClientFilesFrom } from '../net/tls-client.js';
import type { RedisDecisionStoreOptions } from '../store/redis-store.js';

export const REDIS_PASSWORD_ENV = 'OCSVC_REDIS_PASSWORD';

export function redisStoreOptions(redis: RedisSection, env: NodeJS.ProcessEnv = process.env): RedisDecisionStoreOptions {
  const options: RedisDecisionStoreOptions = {
    url: redis.url,
    keyPrefix: redis.keyPrefix,
    connectTimeoutMs: redis.connectTimeoutMs,
    commandTimeoutMs: redis.commandTimeoutMs,
  };
  const files = tlsClientFilesFrom(redis.tls, 'redis.tls');
  const tls = new URL(redis.url).protocol === 'rediss:';
  if (tls) options.tls = readTlsClientOptions(files, 'redis.tls');
  else if (files.caFile ?? files.certFile) throw new OcsvcError('INVALID_CONFIG', 'redis.tls: caFile, certFile and keyFile need a rediss:// URL in redis.url');
  const password = readSecret({ file: redis.passwordFile, envName: REDIS_PASSWORD_ENV, where: 'redis.passwordFile', env });
  if (password !== undefined) options.password = password;
  return options;
}
