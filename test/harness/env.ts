// How integration tests find the shared Kafka and Redis that scripts/test.mjs
// starts once per run (OCSVC_TEST_KAFKA_BROKERS, OCSVC_TEST_REDIS_URL). Run
// alone without them, a test skips with a message saying how to run it; under
// CI (CI=true) nothing may skip, so a missing service fails the test instead.
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';

export const KAFKA_BROKERS_ENV = 'OCSVC_TEST_KAFKA_BROKERS';
export const REDIS_URL_ENV = 'OCSVC_TEST_REDIS_URL';

/** Skips the test with `message`; under CI (CI=true), where nothing may skip, throws instead. */
export function skipOrFail(t: TestContext, message: string, cause?: unknown): undefined {
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: tests may not skip)`, { cause });
  t.skip(message);
  return undefined;
}

function missing(t: TestContext, what: string, envVar: string): undefined {
  return skipOrFail(t, `no ${what}: run through \`npm test\` or \`node scripts/test.mjs <file>\`, which start it and set ${envVar}`);
}

/** The shared broker's addresses, or undefined after skipping the test (throws under CI). */
export function kafkaBrokers(t: TestContext): string[] | undefined {
  const value = process.env[KAFKA_BROKERS_ENV]?.trim();
  if (!value) return missing(t, 'Kafka', KAFKA_BROKERS_ENV);
  return value.split(',').map((broker) => broker.trim()).filter((broker) => broker !== '');
}

/** The shared Redis URL, or undefined after skipping the test (throws under CI). */
export function redisUrl(t: TestContext): string | undefined {
  const value = process.env[REDIS_URL_ENV]?.trim();
  if (!value) return missing(t, 'Redis', REDIS_URL_ENV);
  return value;
}

/** A name no other test or run uses, for topics, consumer groups and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
