import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Fields, Logger, LogLevel } from '../../../lib/telemetry/log.js';
import { rateLimited } from '../../../lib/telemetry/rate-limited-log.js';

function recorder(): { logger: Logger; calls: { level: LogLevel; msg: string; fields?: Fields }[] } {
  const calls: { level: LogLevel; msg: string; fields?: Fields }[] = [];
  const make = (): Logger => ({
    level: 'debug',
    debug: (msg, fields) => calls.push({ level: 'debug', msg, ...(fields ? { fields } : {}) }),
    info: (msg, fields) => calls.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => calls.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => calls.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
    child: () => make(),
  });
  return { logger: make(), calls };
}

void test('a repeated error is logged once per interval, then with the suppressed count', () => {
  let now = 1_000;
  const { logger, calls } = recorder();
  const log = rateLimited(logger, 60_000, { nowMs: () => now });
  const err = new Error('connect ECONNREFUSED 127.0.0.1:14250');
  for (let i = 0; i < 5; i++) log.error('export failed', { err });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.fields?.suppressed, undefined);

  now += 59_999;
  log.error('export failed', { err });
  assert.equal(calls.length, 1);

  now += 1;
  log.error('export failed', { err });
  assert.equal(calls.length, 2);
  assert.equal(calls[1]?.fields?.suppressed, 5);
  assert.equal(calls[1]?.fields?.err, err);
});

void test('different messages or different errors are limited separately', () => {
  const { logger, calls } = recorder();
  const log = rateLimited(logger, 60_000, { nowMs: () => 0 });
  log.error('export failed', { err: new Error('refused') });
  log.error('export failed', { err: new Error('timeout') });
  log.error('commit failed', { err: new Error('refused') });
  log.warn('export failed', { err: new Error('refused') });
  assert.equal(calls.length, 4);
});

void test('the set of remembered keys is bounded', () => {
  const { logger, calls } = recorder();
  const log = rateLimited(logger, 60_000, { nowMs: () => 0, maxKeys: 2 });
  log.info('a');
  log.info('b');
  log.info('c'); // forgets 'a'
  log.info('a');
  assert.deepEqual(
    calls.map((c) => c.msg),
    ['a', 'b', 'c', 'a'],
  );
});
