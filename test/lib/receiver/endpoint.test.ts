import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEndpoint, parseEndpoint } from '../../../lib/receiver/endpoint.js';

test('parseEndpoint reads host:port, bracketed IPv6 and :port', () => {
  assert.deepEqual(parseEndpoint('127.0.0.1:4317'), { host: '127.0.0.1', port: 4317 });
  assert.deepEqual(parseEndpoint('localhost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseEndpoint('[::1]:4318'), { host: '::1', port: 4318 });
  assert.deepEqual(parseEndpoint(':4318'), { host: '0.0.0.0', port: 4318 });
});

test('parseEndpoint refuses what is not host:port, saying what to write', () => {
  for (const bad of ['4317', 'host', 'host:', 'host:99999', '::1:4317', 'host:12a', '']) {
    assert.throws(() => parseEndpoint(bad), /endpoint must be "host:port"/, bad);
  }
});

test('formatEndpoint brackets IPv6 hosts', () => {
  assert.equal(formatEndpoint({ host: '::1', port: 1 }), '[::1]:1');
  assert.equal(formatEndpoint({ host: '0.0.0.0', port: 4317 }), '0.0.0.0:4317');
});
