// sampler.policies: the OpenTelemetry Collector's tail_sampling list, checked
// strictly at start-up, every problem reported with its path; settable as
// JSON in the environment, like exporter.backends.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfig } from '../../../lib/config/index.js';
import { policyProblems } from '../../../lib/config/policies.js';
import { configFile, problems } from './helpers.js';

// The Collector README's example, every type included, in its YAML flow style.
const COLLECTOR_EXAMPLE = `
sampler:
  policies:
    [
      { name: test-policy-1, type: always_sample },
      { name: test-policy-2, type: latency, latency: { threshold_ms: 5000, upper_threshold_ms: 10000 } },
      { name: test-policy-3, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
      { name: test-policy-4, type: probabilistic, probabilistic: { sampling_percentage: 10 } },
      { name: test-policy-5, type: status_code, status_code: { status_codes: [ERROR, UNSET] } },
      { name: test-policy-6, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } },
      { name: test-policy-7, type: string_attribute, string_attribute: { key: key2, values: [value1, val*], enabled_regex_matching: true, cache_max_size: 10 } },
      { name: test-policy-8, type: rate_limiting, rate_limiting: { spans_per_second: 35 } },
      { name: test-policy-9, type: span_count, span_count: { min_spans: 2, max_spans: 20 } },
      { name: test-policy-10, type: trace_state, trace_state: { key: key3, values: [value1, value2] } },
      { name: test-policy-11, type: boolean_attribute, boolean_attribute: { key: key4, value: true } },
      { name: test-policy-12, type: bytes_limiting, bytes_limiting: { bytes_per_second: 1048576, burst_capacity: 2097152 } },
      { name: test-policy-13, type: trace_flags },
      {
        name: and-policy-1, type: and,
        and: { and_sub_policy: [
          { name: test-and-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50, max_value: 100 } },
          { name: test-and-policy-2, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } },
        ] },
      },
      {
        name: drop-policy-1, type: drop,
        drop: { drop_sub_policy: [
          { name: test-drop-policy-1, type: string_attribute, string_attribute: { key: url.path, values: [\\/health, \\/metrics], enabled_regex_matching: true } },
        ] },
      },
      {
        name: composite-policy-1, type: composite,
        composite: {
          max_total_spans_per_second: 1000,
          policy_order: [test-composite-policy-1, test-composite-policy-2, test-composite-policy-3],
          composite_sub_policy: [
            { name: test-composite-policy-1, type: numeric_attribute, numeric_attribute: { key: key1, min_value: 50 } },
            { name: test-composite-policy-2, type: string_attribute, string_attribute: { key: key2, values: [value1, value2] } },
            { name: test-composite-policy-3, type: always_sample },
          ],
          rate_allocation: [ { policy: test-composite-policy-1, percent: 50 }, { policy: test-composite-policy-2, percent: 25 } ],
        },
      },
    ]
`;

void test('the Collector README\'s tail_sampling example loads as it is, every policy type included', () => {
  const config = loadConfig('sampler', { file: configFile('sampler.yaml', COLLECTOR_EXAMPLE), env: {} });
  assert.equal(config.sampler.policies.length, 16);
  assert.deepEqual(new Set(config.sampler.policies.map((p) => p.type)), new Set(['always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute', 'rate_limiting', 'span_count', 'trace_state', 'boolean_attribute', 'bytes_limiting', 'trace_flags', 'and', 'drop', 'composite']));
  assert.ok(Object.isFrozen(config.sampler.policies[0]));
});

void test('the default keeps every trace: one always_sample policy', () => {
  assert.deepEqual(loadConfig('sampler', { env: {} }).sampler.policies, [{ name: 'always_sample', type: 'always_sample' }]);
  assert.deepEqual(loadConfig('all-in-one', { env: {} }).sampler.policies, [{ name: 'always_sample', type: 'always_sample' }]);
});

void test('OCSVC_SAMPLER_POLICIES takes the list as JSON', () => {
  const config = loadConfig('sampler', { env: { OCSVC_SAMPLER_POLICIES: '[{"name":"errors","type":"status_code","status_code":{"status_codes":["ERROR"]}}]' } });
  assert.deepEqual(config.sampler.policies, [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }]);
});

void test('every problem is reported at once with its path, nested ones included', () => {
  const bad = [
    { name: 'dup', type: 'always_sample' },
    { name: 'dup', type: 'latency', latency: { threshold_ms: -1, colour: 'red' } },
    { name: 'has space', type: 'probabilistic', probabilistic: { sampling_percentage: 150 } },
    { name: 'p4', type: 'smtp' },
    { name: 'p5', type: 'string_attribute', string_attribute: { key: 'k', values: ['(unclosed'], enabled_regex_matching: true }, extra: 1 },
    { name: 'p6', type: 'and', and: { and_sub_policy: [{ name: 'inner', type: 'composite', composite: {} }] } },
    {
      name: 'p7',
      type: 'composite',
      composite: {
        max_total_spans_per_second: 0,
        policy_order: ['a', 'nope'],
        composite_sub_policy: [{ name: 'a', type: 'always_sample' }, { name: 'b', type: 'rate_limiting', rate_limiting: {} }],
        rate_allocation: [{ policy: 'a', percent: 80 }, { policy: 'b', percent: 30 }, { policy: 'zz', percent: 1 }],
      },
    },
    { name: 'p8', type: 'numeric_attribute', numeric_attribute: { key: 'k' } },
    { name: 'p9', type: 'trace_flags', trace_flags: { x: 1 } },
    { name: 'p10', type: 'status_code', status_code: { status_codes: ['FAILED'] } },
  ];
  assert.deepEqual(policyProblems(bad).sort(), [
    '[1].latency.colour: unknown key (allowed: threshold_ms, upper_threshold_ms)',
    '[1].latency.threshold_ms: must be an integer >= 0 (got -1)',
    '[1].name: "dup" is used twice; names must be unique',
    '[2].name: must be 1-100 letters, digits and _ . : @ - starting with a letter or digit (got "has space")',
    '[2].probabilistic.sampling_percentage: must be a number from 0 to 100 (got 150)',
    '[3].type: must be one of always_sample, latency, numeric_attribute, string_attribute, boolean_attribute, status_code, probabilistic, rate_limiting, bytes_limiting, span_count, trace_state, trace_flags, and, drop, composite (got "smtp")',
    '[4].extra: not a key of type string_attribute (allowed: name, type, string_attribute)',
    "[4].string_attribute.values[0]: is not a regular expression: Invalid regular expression: /(unclosed/: Unterminated group",
    '[5].and.and_sub_policy[0].type: must be one of always_sample, latency, numeric_attribute, string_attribute, boolean_attribute, status_code, probabilistic, rate_limiting, bytes_limiting, span_count, trace_state, trace_flags inside and (got "composite")',
    '[6].composite.composite_sub_policy[1].rate_limiting.spans_per_second: required',
    '[6].composite.max_total_spans_per_second: must be an integer >= 1 (got 0)',
    '[6].composite.policy_order: must name every composite_sub_policy once (missing b; no sub-policy named nope)',
    '[6].composite.rate_allocation: the percentages add up to 111, more than 100',
    '[6].composite.rate_allocation[2].policy: no composite_sub_policy named "zz"',
    '[7].numeric_attribute: set min_value, max_value or both',
    '[8].trace_flags: takes no keys: write {} or leave it out (got {"x":1})',
    '[9].status_code.status_codes: every entry must be one of OK, ERROR, UNSET (got ["FAILED"])',
  ]);
});

void test('start-up refuses a bad list with each problem under sampler.policies', () => {
  const found = problems(() => loadConfig('sampler', { env: { OCSVC_SAMPLER_POLICIES: '[{"name":"a","type":"latency","latency":{}},{"type":"always_sample"}]' } }));
  assert.deepEqual(found.sort(), ['sampler.policies[0].latency.threshold_ms: required', 'sampler.policies[1].name: required']);
  assert.deepEqual(problems(() => loadConfig('sampler', { env: { OCSVC_SAMPLER_POLICIES: '[]' } })), ['sampler.policies: must be a non-empty list of policies ({name, type, ...}) (got "[]" from OCSVC_SAMPLER_POLICIES)']);
});

void test('bounds that contradict each other are refused', () => {
  assert.deepEqual(policyProblems([{ name: 'l', type: 'latency', latency: { threshold_ms: 500, upper_threshold_ms: 100 } }]), ['[0].latency.upper_threshold_ms: must be above threshold_ms (500), or 0 for no upper bound']);
  assert.deepEqual(policyProblems([{ name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'k', min_value: 5, max_value: 1 } }]), ['[0].numeric_attribute.max_value: must be >= min_value (5)']);
  assert.deepEqual(policyProblems([{ name: 's', type: 'span_count', span_count: { min_spans: 5, max_spans: 1 } }]), ['[0].span_count.max_spans: must be >= min_spans (5), or 0 for no maximum']);
});

void test('the example in docs/configuration.md loads', () => {
  const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const section = docs.slice(docs.indexOf('## Sampling policies'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml, 'a YAML example');
  const config = loadConfig('sampler', { file: configFile('example.yaml', yaml), env: {} });
  assert.deepEqual(config.sampler.policies.map((p) => p.name), ['errors', 'slow', 'some-of-the-rest', 'no-health-checks']);
});

void test('every YAML example in docs/sampling.md loads', () => {
  const docs = readFileSync(new URL('../../../docs/sampling.md', import.meta.url), 'utf8');
  const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(examples.length >= 2);
  for (const yaml of examples) assert.ok(loadConfig('sampler', { file: configFile('example.yaml', yaml), env: {} }).sampler.policies.length > 0);
});
