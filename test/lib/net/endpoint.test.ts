import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointProblem, formatEndpoint, parseEndpoint } from '../../../lib/net/endpoint.js';

test('parseEndpoint reads host:port, bracketed IPv6 and :port', () => {
  assert.deepEqual(parseEndpoint('127.0.0.1:4317'), { host: '127.0.0.1', port: 4317 });
  assert.deepEqual(parseEndpoint('0.0.0.0:13133'), { host: '0.0.0.0', port: 13133 });
  assert.deepEqual(parseEndpoint('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseEndpoint('localhost:1'), { host: 'localhost', port: 1 });
  assert.deepEqual(parseEndpoint('[::1]:4318'), { host: '::1', port: 4318 });
  assert.deepEqual(parseEndpoint('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseEndpoint(':4318'), { host: '0.0.0.0', port: 4318 });
});

test('parseEndpoint gives ":port" the default host the caller chooses', () => {
  assert.deepEqual(parseEndpoint(':8888', { defaultHost: '127.0.0.1' }), { host: '127.0.0.1', port: 8888 });
  assert.deepEqual(parseEndpoint('[::1]:0', { defaultHost: '127.0.0.1' }), { host: '::1', port: 0 });
  assert.deepEqual(parseEndpoint('localhost:1', { defaultHost: '127.0.0.1' }), { host: 'localhost', port: 1 });
});

test('parseEndpoint refuses what is not host:port, saying what to write', () => {
  for (const bad of ['4317', 'host', 'host:', 'host:99999', '::1:4317', '::1:80', 'a:b:1', 'host:12a', '']) {
    assert.throws(() => parseEndpoint(bad), { code: 'INVALID_ENDPOINT', message: /must be host:port, e\.g\. 0\.0\.0\.0:4317|port must be within 0-65535/ }, bad);
  }
});

test('endpointProblem names the problem for config messages, or nothing for a good endpoint', () => {
  assert.equal(endpointProblem('nohost'), 'must be host:port, e.g. 0.0.0.0:4317');
  assert.equal(endpointProblem('host:99999'), 'port must be within 0-65535');
  assert.equal(endpointProblem(':4317'), undefined);
  assert.equal(endpointProblem('[::1]:4317'), undefined);
});

test('formatEndpoint brackets IPv6 hosts', () => {
  assert.equal(formatEndpoint({ host: '::1', port: 1 }), '[::1]:1');
  assert.equal(formatEndpoint({ host: '0.0.0.0', port: 4317 }), '0.0.0.0:4317');
});
