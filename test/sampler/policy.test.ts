// The policy table: names map to factories, and each policy names itself (the
// name goes into the decision store and the ocsvc.sampled_by header).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceId } from '../../lib/model/ids.js';
import { policies } from '../../sampler/policy.js';

void test('always_sample keeps every trace and is named always_sample', () => {
  const policy = policies.always_sample();
  assert.equal(policy.name, 'always_sample');
  const trace = { traceId: 'a'.repeat(32) as TraceId, firstSeenMs: 0, firstOffset: 0n, records: [], bytes: 0, spans: 0 };
  assert.equal(policy.evaluate(trace), 'keep');
  assert.equal(policy.evaluate({ ...trace, spans: 10_000, bytes: 1e9 }), 'keep');
});

void test('every policy in the table is named by its key', () => {
  for (const [key, make] of Object.entries(policies)) assert.equal(make().name, key);
});
