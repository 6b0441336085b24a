import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { OcsvcError } from '../../../lib/errors.js';
import { createLogger, type LoggerOptions } from '../../../lib/telemetry/log.js';

function capture(options: Omit<LoggerOptions, 'stream'> = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { logger: createLogger({ ...options, stream }), lines };
}

void test('json lines carry time, level, msg and the fields', () => {
  const { logger, lines } = capture();
  logger.info('listening', { port: 4317, protocol: 'otlp' });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.equal(line.msg, 'listening');
  assert.equal(line.port, 4317);
  assert.equal(line.protocol, 'otlp');
  assert.ok(!Number.isNaN(Date.parse(String(line.time))));
});

void test('lines below the level are not written', () => {
  const { logger, lines } = capture({ level: 'warn' });
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { level: string }).level),
    ['warn', 'error'],
  );
  assert.equal(logger.level, 'warn');
});

void test('child should have bindings set by parent, and its own', () => {
  const { logger, lines } = capture({ bindings: { service: 'agent' } });
  logger.child({ component: 'kafka' }).info('connected', { brokers: 3 });
  logger.info('parent unchanged');
  const [child, parent] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(child?.service, 'agent');
  assert.equal(child?.component, 'kafka');
  assert.equal(child?.brokers, 3);
  assert.equal(parent?.service, 'agent');
  assert.equal(parent?.component, undefined);
});

void test('fields cannot overwrite time, level or msg', () => {
  const { logger, lines } = capture();
  logger.info('real', { msg: 'fake', level: 'error' });
  const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  assert.equal(line.msg, 'real');
  assert.equal(line.level, 'info');
  assert.equal(line.field_msg, 'fake');
});

void test('errors are serialised with message, code and one frame; the whole stack at debug', () => {
  const cause = new Error('connect ECONNREFUSED');
  const err = new OcsvcError('KAFKA_UNAVAILABLE', 'produce failed', { cause, retryable: true });
  const info = capture();
  info.logger.error('export failed', { err });
  const logged = (JSON.parse(info.lines[0] ?? '') as { err: Record<string, unknown> }).err;
  assert.equal(logged.message, 'produce failed');
  assert.equal(logged.code, 'KAFKA_UNAVAILABLE');
  assert.equal(logged.retryable, true);
  assert.equal(logged.stack, undefined);
  assert.match(String(logged.at), /log\.test\.ts/);
  assert.deepEqual((logged.cause as { message: string }).message, 'connect ECONNREFUSED');

  const debug = capture({ level: 'debug' });
  debug.logger.error('export failed', { err });
  const full = (JSON.parse(debug.lines[0] ?? '') as { err: { stack: string } }).err;
  assert.ok(full.stack.split('\n').length > 1);
});

void test('a circular or BigInt field does not make the call throw', () => {
  const { logger, lines } = capture();
  const loop: Record<string, unknown> = { name: 'a' };
  loop.self = loop;
  logger.info('odd', { loop, offset: 12n });
  const line = JSON.parse(lines[0] ?? '') as { loop: { self: unknown }; offset: string };
  assert.equal(line.loop.self, '[Circular]');
  assert.equal(line.offset, '12');
});

void test('text format is one readable line', () => {
  const { logger, lines } = capture({ format: 'text' });
  logger.warn('slow backend', { backend: 'jaeger', note: 'two words' });
  assert.match(lines[0] ?? '', /^\S+Z WARN {2}slow backend backend=jaeger note="two words"$/);
});
