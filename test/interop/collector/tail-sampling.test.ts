// ocsvc's sampling policies against the OpenTelemetry Collector's own tail
// sampling processor (contrib v0.150.0, run by go-tailsampling/, built once
// into .cache/go/ by test/harness/go.ts): the same policy configuration and
// the same traces must keep the same traces. Every policy type whose decision
// depends on the trace alone is covered, alone and combined (and, drop,
// composite, inverted votes). The budget policies (rate_limiting,
// bytes_limiting, composite shares) depend on time and are tested in
// test/sampler/policies/.
//
// Left out on purpose, where ocsvc decides differently (docs/sampling.md):
// numeric_attribute with min_value or max_value 0 (the Collector reads 0 as
// "no bound"), non-integer values for numeric_attribute, non-boolean values
// for boolean_attribute, latency with an upper bound on traces whose running
// duration crosses it, and composite sub-policies left out of rate_allocation.
//
// The probabilistic policy's two numbers are checked exactly too: the FNV-1a
// hash of salt + trace ID and the threshold of a percentage, on vectors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LeafPolicyConfig, PolicyConfig } from '../../../lib/config/policies.js';
import { policyProblems } from '../../../lib/config/policies.js';
import { idToBytes, type TraceId } from '../../../lib/model/ids.js';
import { encodeTracesJson } from '../../../lib/protocol/otlp/index.js';
import { AllowanceGate, NO_BUDGETS } from '../../../sampler/budget-round.js';
import { fnv1a64, thresholdFor } from '../../../sampler/policies/probabilistic.js';
import { PolicySet } from '../../../sampler/policy-set.js';
import { goProgram } from '../../harness/go.js';
import { buildTrace, randomTraceId, viewOf, type TraceSpec } from '../../helpers/trace-builder.js';

const SOURCE = fileURLToPath(new URL('./go-tailsampling', import.meta.url));

interface Case {
  name: string;
  policies: PolicyConfig[];
  traces: TraceSpec[];
}

const many = (n: number): TraceSpec[] => Array.from({ length: n }, () => ({}));

const P = (type: LeafPolicyConfig['type'], body: Record<string, unknown> | undefined, name: string = type): LeafPolicyConfig =>
  (body === undefined ? { name, type } : { name, type, [type]: body }) as LeafPolicyConfig;

const ATTR_TRACES: TraceSpec[] = [
  { spans: [{ attrs: { 'http.status_code': 200, route: '/health', 'app.force': true } }] },
  { spans: [{ attrs: { 'http.status_code': 503, route: '/v1/name/42' } }] },
  { resource: { 'http.status_code': 404, 'service.name': 'checkout' }, spans: [{ attrs: { route: '/cart' } }] },
  { resource: { 'service.name': 'payments' }, spans: [{ attrs: { 'app.force': false } }, { child: true, attrs: { 'http.status_code': 150 } }] },
  { spans: [{ attrs: {} }] },
  { spans: [{ attrs: { route: 'v1/name/x', 'http.status_code': 21 } }], more: [{ resource: { 'app.force': true }, spans: [{ child: true }] }] },
];

const SHAPE_TRACES: TraceSpec[] = [
  { spans: [{ durationMs: 50, status: 'OK', flags: 0x101, traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' }] },
  { spans: [{ durationMs: 100, status: 'ERROR' }] },
  { spans: [{ durationMs: 150 }, { child: true, startMs: 10, durationMs: 20, status: 'ERROR', traceState: 'congo=ucfJifl5GOE' }] },
  { spans: [{ durationMs: 30 }, { child: true, startMs: 200, durationMs: 100, flags: 1 }, { child: true }] },
  { spans: [{ durationMs: 250, status: 'OK' }, { child: true }, { child: true }, { child: true }] },
  { spans: [{ durationMs: 5, traceState: 'not a tracestate' }] },
];

const CASES: Case[] = [
  { name: 'always_sample', policies: [P('always_sample', undefined)], traces: many(5) },
  { name: 'probabilistic 10%, default salt', policies: [P('probabilistic', { sampling_percentage: 10 })], traces: many(2_000) },
  { name: 'probabilistic 33.3%, own salt', policies: [P('probabilistic', { sampling_percentage: 33.3, hash_salt: 'tier-2' })], traces: many(2_000) },
  { name: 'probabilistic 0.5%', policies: [P('probabilistic', { sampling_percentage: 0.5 })], traces: many(2_000) },
  { name: 'probabilistic 100%', policies: [P('probabilistic', { sampling_percentage: 100 })], traces: many(50) },
  { name: 'latency >= 100 ms', policies: [P('latency', { threshold_ms: 100 })], traces: SHAPE_TRACES },
  { name: 'latency in (40, 200] ms', policies: [P('latency', { threshold_ms: 40, upper_threshold_ms: 200 })], traces: SHAPE_TRACES.filter((_, i) => i !== 3) },
  { name: 'numeric_attribute [100, 599]', policies: [P('numeric_attribute', { key: 'http.status_code', min_value: 100, max_value: 599 })], traces: ATTR_TRACES },
  { name: 'numeric_attribute >= 400', policies: [P('numeric_attribute', { key: 'http.status_code', min_value: 400 })], traces: ATTR_TRACES },
  { name: 'numeric_attribute inverted', policies: [P('numeric_attribute', { key: 'http.status_code', min_value: 100, max_value: 299, invert_match: true })], traces: ATTR_TRACES },
  { name: 'string_attribute exact', policies: [P('string_attribute', { key: 'route', values: ['/health', '/cart'] })], traces: ATTR_TRACES },
  { name: 'string_attribute regex', policies: [P('string_attribute', { key: 'route', values: ['/v1/name/.+', 'heal'], enabled_regex_matching: true })], traces: ATTR_TRACES },
  { name: 'string_attribute inverted', policies: [P('string_attribute', { key: 'service.name', values: ['checkout'], invert_match: true })], traces: ATTR_TRACES },
  { name: 'boolean_attribute', policies: [P('boolean_attribute', { key: 'app.force', value: true })], traces: ATTR_TRACES },
  { name: 'boolean_attribute false', policies: [P('boolean_attribute', { key: 'app.force', value: false })], traces: ATTR_TRACES },
  { name: 'status_code ERROR', policies: [P('status_code', { status_codes: ['ERROR'] })], traces: SHAPE_TRACES },
  { name: 'status_code OK, UNSET', policies: [P('status_code', { status_codes: ['OK', 'UNSET'] })], traces: SHAPE_TRACES },
  { name: 'span_count [2, 3]', policies: [P('span_count', { min_spans: 2, max_spans: 3 })], traces: SHAPE_TRACES },
  { name: 'span_count >= 3', policies: [P('span_count', { min_spans: 3 })], traces: SHAPE_TRACES },
  { name: 'trace_state', policies: [P('trace_state', { key: 'congo', values: ['t61rcWkgMzE', 'other'] })], traces: SHAPE_TRACES },
  { name: 'trace_flags', policies: [P('trace_flags', undefined)], traces: SHAPE_TRACES },
  {
    name: 'and',
    policies: [{ name: 'and-1', type: 'and', and: { and_sub_policy: [P('numeric_attribute', { key: 'http.status_code', min_value: 100 }), P('string_attribute', { key: 'route', values: ['/health', '/v1/name/42'] })] } }],
    traces: ATTR_TRACES,
  },
  {
    name: 'drop overrides a keep',
    policies: [P('always_sample', undefined), { name: 'no-health', type: 'drop', drop: { drop_sub_policy: [P('string_attribute', { key: 'route', values: ['/health'] })] } }],
    traces: ATTR_TRACES,
  },
  {
    name: 'invert_match with another policy (legacy: an inverted not-sampled overrides a keep)',
    policies: [
      P('string_attribute', { key: 'service.name', values: ['payments'], invert_match: true }, 'not-payments'),
      P('boolean_attribute', { key: 'app.force', value: true }, 'forced'),
    ],
    traces: ATTR_TRACES,
  },
  {
    name: 'invert_match with a not-sampled vote (legacy: an inverted sampled needs no plain not-sampled)',
    policies: [P('numeric_attribute', { key: 'http.status_code', min_value: 500, max_value: 599, invert_match: true }, 'not-5xx'), P('span_count', { min_spans: 2 }, 'multi')],
    traces: ATTR_TRACES,
  },
  {
    name: 'composite with room for everything, first sampling sub-policy wins',
    policies: [
      {
        name: 'composite-1',
        type: 'composite',
        composite: {
          max_total_spans_per_second: 100_000,
          policy_order: ['errors', 'rest'],
          composite_sub_policy: [P('status_code', { status_codes: ['ERROR'] }, 'errors'), P('latency', { threshold_ms: 120 }, 'rest')],
          rate_allocation: [
            { policy: 'errors', percent: 50 },
            { policy: 'rest', percent: 50 },
          ],
        },
      },
    ],
    traces: SHAPE_TRACES,
  },
];

interface GoOutput {
  cases: { name: string; kept: string[]; error?: string }[];
  hashes: string[];
  thresholds: string[];
}

function runGo(binary: string, input: unknown): Promise<GoOutput> {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, [], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${binary} failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as GoOutput);
    });
    child.stdin!.end(JSON.stringify(input));
  });
}

for (const invertedDecisions of [false, true]) {
  const mode = invertedDecisions ? 'with the legacy inverted votes' : 'with plain votes for invert_match (the Collector\'s default)';
  void test(`the Collector's tail sampling processor and ocsvc keep the same traces for every trace-only policy, alone and combined, ${mode}`, { timeout: 600_000 }, async (t) => {
    await compare(t, invertedDecisions);
  });
}

async function compare(t: TestContext, invertedDecisions: boolean): Promise<void> {
  const binary = await goProgram(t, SOURCE, 'collector-tailsampling');
  if (!binary) return;
  const cases = CASES.map((c) => ({ ...c, built: c.traces.map((spec) => buildTrace(spec)) }));
  for (const c of cases) assert.deepEqual(policyProblems(c.policies), [], `${c.name}: a valid ocsvc configuration`);

  const hashVectors = [
    ...Array.from({ length: 200 }, (_, i) => ({ salt: ['', 'default-hash-seed', 'tier-2', 'sälz ✓'][i % 4]!, traceId: randomBytes(16).toString('hex') })),
    { salt: '', traceId: '00000000000000000000000000000000' },
    { salt: 'x', traceId: 'ffffffffffffffffffffffffffffffff' },
  ];
  const percentages = [0, 1e-9, 0.0001, 0.1, 0.5, 1, 10, 12.5, 33, 33.3, 33.333333333333336, 50, 66.6, 99, 99.9999, 100, ...Array.from({ length: 100 }, () => Math.random() * 100)];
  const out = await runGo(binary, {
    cases: cases.map((c) => ({ name: c.name, policies: c.policies, traces: c.built.map((tr) => encodeTracesJson(tr)) })),
    hashes: hashVectors,
    thresholds: percentages,
    invertedDecisions,
  });

  hashVectors.forEach((v, i) => {
    assert.equal(fnv1a64(Buffer.from(v.salt, 'utf8'), idToBytes(v.traceId as TraceId)).toString(), out.hashes[i], `FNV-1a of ${JSON.stringify(v)}`);
  });
  percentages.forEach((p, i) => assert.equal(thresholdFor(p).toString(), out.thresholds[i], `threshold of ${p}%`));

  for (const [i, c] of cases.entries()) {
    const got = out.cases[i]!;
    assert.equal(got.error, undefined, `${c.name}: the Collector ran the case`);
    const set = PolicySet.fromConfig(c.policies, { invertedDecisions });
    // Budgets as a fresh bucket holds them: full, as the Collector's start.
    const gate = new AllowanceGate(new Map([...set.buckets].map(([bucket, spec]) => [bucket, spec.burst])));
    const kept = c.built
      .map(viewOf)
      .filter((v) => set.evaluate(v, gate).verdict === 'keep')
      .map((v) => v.traceId)
      .sort();
    assert.deepEqual(kept, got.kept, `${c.name}: ocsvc keeps what the Collector keeps`);
    t.diagnostic(`${c.name}: ${kept.length} of ${c.built.length} kept by both`);
  }
}

void test('random trace IDs are kept at the configured rate (within 4 standard deviations on 20k traces)', () => {
  for (const percentage of [1, 25, 33, 75]) {
    const set = PolicySet.fromConfig([{ name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: percentage } }]);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) {
      if (set.evaluate({ traceId: randomTraceId(), resourceSpans: [], spanCount: 1, bytes: 1 }, NO_BUDGETS).verdict === 'keep') kept++;
    }
    const sigma = Math.sqrt(((percentage / 100) * (1 - percentage / 100)) / 20_000) * 100;
    assert.ok(Math.abs((kept / 20_000) * 100 - percentage) < 4 * sigma, `${percentage}%: kept ${kept} of 20000`);
  }
});
