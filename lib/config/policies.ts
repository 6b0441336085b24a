// The sampler's policies: the OpenTelemetry Collector's tail_sampling
// `policies` list, same shape and key names (`{name, type, <type>: {...}}`),
// so that a Collector configuration carries over. convict has no schema for a
// list of objects, so this format checks each entry itself, recursively for
// and, drop and composite, and reports every problem with its path.
// sampler/policies/ builds the evaluators from the checked list.

export const STATUS_CODES = ['OK', 'ERROR', 'UNSET'] as const;
export type StatusCodeName = (typeof STATUS_CODES)[number];

interface Named {
  /** Unique among its siblings; names the counters, the decision and the budget keys in Redis. */
  name: string;
}

export type LeafPolicyConfig = Named &
  (
    | { type: 'always_sample' }
    | { type: 'latency'; latency: { threshold_ms: number; upper_threshold_ms?: number } }
    | { type: 'numeric_attribute'; numeric_attribute: { key: string; min_value?: number; max_value?: number; invert_match?: boolean } }
    | {
        type: 'string_attribute';
        string_attribute: { key: string; values: string[]; enabled_regex_matching?: boolean; cache_max_size?: number; invert_match?: boolean };
      }
    | { type: 'boolean_attribute'; boolean_attribute: { key: string; value: boolean; invert_match?: boolean } }
    | { type: 'status_code'; status_code: { status_codes: StatusCodeName[] } }
    | { type: 'probabilistic'; probabilistic: { hash_salt?: string; sampling_percentage: number } }
    | { type: 'rate_limiting'; rate_limiting: { spans_per_second: number } }
    | { type: 'bytes_limiting'; bytes_limiting: { bytes_per_second: number; burst_capacity?: number } }
    | { type: 'span_count'; span_count: { min_spans: number; max_spans?: number } }
    | { type: 'trace_state'; trace_state: { key: string; values: string[] } }
    | { type: 'trace_flags'; trace_flags?: Record<string, never> }
  );

export type AndPolicyConfig = Named & { type: 'and'; and: { and_sub_policy: LeafPolicyConfig[] } };
export type CompositeSubPolicyConfig = LeafPolicyConfig | AndPolicyConfig;
export type PolicyConfig =
  | CompositeSubPolicyConfig
  | (Named & { type: 'drop'; drop: { drop_sub_policy: LeafPolicyConfig[] } })
  | (Named & {
      type: 'composite';
      composite: {
        max_total_spans_per_second: number;
        policy_order?: string[];
        composite_sub_policy: CompositeSubPolicyConfig[];
        rate_allocation?: { policy: string; percent: number }[];
      };
    });

export type PolicyType = PolicyConfig['type'];
export const LEAF_TYPES = [
  'always_sample',
  'latency',
  'numeric_attribute',
  'string_attribute',
  'boolean_attribute',
  'status_code',
  'probabilistic',
  'rate_limiting',
  'bytes_limiting',
  'span_count',
  'trace_state',
  'trace_flags',
] as const satisfies readonly LeafPolicyConfig['type'][];
export const POLICY_TYPES = [...LEAF_TYPES, 'and', 'drop', 'composite'] as const satisfies readonly PolicyType[];

/** What a sampler keeps when no policy is configured: everything. */
export const DEFAULT_POLICIES: PolicyConfig[] = [{ name: 'always_sample', type: 'always_sample' }];

/** Policy names: no spaces, slashes or brackets, which budget keys, metric labels and "(none)" use. */
export const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;

type Check = (v: unknown) => string | undefined;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string');
const string: Check = (v) => (typeof v === 'string' ? undefined : 'must be a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const integer = (min: number): Check => (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? undefined : `must be an integer >= ${min}`);
const anyInteger: Check = (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? undefined : 'must be an integer');
const percentage: Check = (v) => (typeof v === 'number' && v >= 0 && v <= 100 ? undefined : 'must be a number from 0 to 100');
const stringList =
  (each: Check = nonEmpty): Check =>
  (v) => {
    if (!Array.isArray(v) || v.length === 0) return 'must be a non-empty list of strings';
    const bad = v.map(each).find((why) => why !== undefined);
    return bad === undefined ? undefined : `every entry ${bad}`;
  };
const regex: Check = (v) => {
  try {
    new RegExp(String(v));
    return undefined;
  } catch (err) {
    return `is not a regular expression: ${(err as Error).message}`;
  }
};
const statusCodes = stringList((v) => (typeof v === 'string' && (STATUS_CODES as readonly string[]).includes(v) ? undefined : `must be one of ${STATUS_CODES.join(', ')}`));
const emptyObject: Check = (v) => (isObject(v) && Object.keys(v).length === 0 ? undefined : 'takes no keys: write {} or leave it out');

/** Keys of each leaf type's own object, and which are required. */
const LEAF_SPECS: Record<LeafPolicyConfig['type'], { keys: Record<string, Check>; required: string[]; optionalObject?: boolean }> = {
  always_sample: { keys: {}, required: [], optionalObject: true },
  latency: { keys: { threshold_ms: integer(0), upper_threshold_ms: integer(0) }, required: ['threshold_ms'] },
  numeric_attribute: { keys: { key: nonEmpty, min_value: anyInteger, max_value: anyInteger, invert_match: boolean }, required: ['key'] },
  string_attribute: {
    keys: { key: nonEmpty, values: stringList(), enabled_regex_matching: boolean, cache_max_size: integer(1), invert_match: boolean },
    required: ['key', 'values'],
  },
  boolean_attribute: { keys: { key: nonEmpty, value: boolean, invert_match: boolean }, required: ['key', 'value'] },
  status_code: { keys: { status_codes: statusCodes }, required: ['status_codes'] },
  probabilistic: { keys: { hash_salt: string, sampling_percentage: percentage }, required: ['sampling_percentage'] },
  rate_limiting: { keys: { spans_per_second: integer(1) }, required: ['spans_per_second'] },
  bytes_limiting: { keys: { bytes_per_second: integer(1), burst_capacity: integer(1) }, required: ['bytes_per_second'] },
  span_count: { keys: { min_spans: integer(0), max_spans: integer(0) }, required: ['min_spans'] },
  trace_state: { keys: { key: nonEmpty, values: stringList() }, required: ['key', 'values'] },
  trace_flags: { keys: {}, required: [], optionalObject: true },
};

type Level = 'top' | 'composite' | 'and' | 'drop';
const ALLOWED_TYPES: Record<Level, readonly string[]> = {
  top: POLICY_TYPES,
  composite: [...LEAF_TYPES, 'and'],
  and: LEAF_TYPES,
  drop: LEAF_TYPES,
};

/** Every problem in the list, each as "[index].key: problem (got value)" (nested: "[2].and.and_sub_policy[0].type: ..."). */
export function policyProblems(value: unknown): string[] {
  const problems: string[] = [];
  checkList(value, '', 'top', problems);
  return problems;
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function checkList(value: unknown, at: string, level: Level, problems: string[]): void {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${at}: must be a non-empty list of policies ({name, type, ...})`.replace(/^: /, ''));
    return;
  }
  const names = new Set<string>();
  value.forEach((entry: unknown, i) => {
    const path = `${at}[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${path}: must be an object with name and type`);
      return;
    }
    if (typeof entry.name !== 'string' || !POLICY_NAME.test(entry.name)) {
      problems.push(`${path}.name: ${entry.name === undefined ? 'required' : `must be 1-100 letters, digits and _ . : @ - starting with a letter or digit (got ${shown(entry.name)})`}`);
    } else if (names.has(entry.name)) {
      problems.push(`${path}.name: "${entry.name}" is used twice; names must be unique`);
    } else {
      names.add(entry.name);
    }
    const type = entry.type;
    if (typeof type !== 'string' || !ALLOWED_TYPES[level].includes(type)) {
      const where = level === 'top' ? '' : ` inside ${level}`;
      problems.push(`${path}.type: ${type === undefined ? 'required' : `must be one of ${ALLOWED_TYPES[level].join(', ')}${where} (got ${shown(type)})`}`);
      return;
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'name' && key !== 'type' && key !== type) problems.push(`${path}.${key}: not a key of type ${type} (allowed: name, type, ${type})`);
    }
    checkBody(type as PolicyType, entry[type], `${path}.${type}`, problems);
  });
}

function checkKeys(body: Record<string, unknown>, keys: Record<string, Check>, required: string[], path: string, problems: string[]): void {
  for (const [key, v] of Object.entries(body)) {
    const check = keys[key];
    if (!check) {
      problems.push(`${path}.${key}: unknown key (allowed: ${Object.keys(keys).join(', ') || 'none'})`);
      continue;
    }
    const why = check(v);
    if (why) problems.push(`${path}.${key}: ${why} (got ${shown(v)})`);
  }
  for (const key of required) if (body[key] === undefined) problems.push(`${path}.${key}: required`);
}

function checkBody(type: PolicyType, body: unknown, path: string, problems: string[]): void {
  if (type === 'and' || type === 'drop' || type === 'composite') {
    if (!isObject(body)) {
      problems.push(`${path}: required, an object`);
      return;
    }
    if (type === 'composite') return checkComposite(body, path, problems);
    const listKey = `${type}_sub_policy`;
    checkKeys(body, { [listKey]: () => undefined }, [], path, problems);
    checkList(body[listKey], `${path}.${listKey}`, type, problems);
    return;
  }
  const spec = LEAF_SPECS[type];
  if (body === undefined && spec.optionalObject) return;
  if (spec.optionalObject && spec.required.length === 0 && Object.keys(spec.keys).length === 0) {
    const why = emptyObject(body);
    if (why) problems.push(`${path}: ${why} (got ${shown(body)})`);
    return;
  }
  if (!isObject(body)) {
    problems.push(`${path}: required, an object with ${spec.required.join(', ')}`);
    return;
  }
  checkKeys(body, spec.keys, spec.required, path, problems);
  if (type === 'string_attribute' && body.enabled_regex_matching === true && Array.isArray(body.values)) {
    body.values.forEach((v: unknown, i) => {
      const why = regex(v);
      if (why) problems.push(`${path}.values[${i}]: ${why}`);
    });
  }
  if (type === 'latency' && typeof body.upper_threshold_ms === 'number' && typeof body.threshold_ms === 'number' && body.upper_threshold_ms !== 0 && body.upper_threshold_ms <= body.threshold_ms) {
    problems.push(`${path}.upper_threshold_ms: must be above threshold_ms (${body.threshold_ms}), or 0 for no upper bound`);
  }
  if (type === 'numeric_attribute' && body.min_value === undefined && body.max_value === undefined) {
    problems.push(`${path}: set min_value, max_value or both`);
  }
  if (type === 'numeric_attribute' && typeof body.min_value === 'number' && typeof body.max_value === 'number' && body.min_value > body.max_value) {
    problems.push(`${path}.max_value: must be >= min_value (${body.min_value})`);
  }
  if (type === 'span_count' && typeof body.max_spans === 'number' && typeof body.min_spans === 'number' && body.max_spans !== 0 && body.max_spans < body.min_spans) {
    problems.push(`${path}.max_spans: must be >= min_spans (${body.min_spans}), or 0 for no maximum`);
  }
}

function checkComposite(body: Record<string, unknown>, path: string, problems: string[]): void {
  checkKeys(
    body,
    {
      max_total_spans_per_second: integer(1),
      policy_order: stringList(),
      composite_sub_policy: () => undefined,
      rate_allocation: (v) => (Array.isArray(v) ? undefined : 'must be a list of {policy, percent}'),
    },
    ['max_total_spans_per_second', 'composite_sub_policy'],
    path,
    problems,
  );
  if (body.composite_sub_policy !== undefined) checkList(body.composite_sub_policy, `${path}.composite_sub_policy`, 'composite', problems);
  const subs = Array.isArray(body.composite_sub_policy) ? body.composite_sub_policy.map((s: unknown) => (isObject(s) ? s.name : undefined)).filter((n): n is string => typeof n === 'string') : [];
  if (Array.isArray(body.policy_order)) {
    const order = body.policy_order as unknown[];
    const missing = subs.filter((s) => !order.includes(s));
    const unknown = order.filter((o) => typeof o === 'string' && !subs.includes(o));
    const twice = order.filter((o, i) => order.indexOf(o) !== i);
    if (missing.length || unknown.length || twice.length) {
      const parts = [missing.length && `missing ${missing.join(', ')}`, unknown.length && `no sub-policy named ${unknown.join(', ')}`, twice.length && `listed twice: ${twice.join(', ')}`].filter(Boolean);
      problems.push(`${path}.policy_order: must name every composite_sub_policy once (${parts.join('; ')})`);
    }
  }
  if (Array.isArray(body.rate_allocation)) {
    let sum = 0;
    const seen = new Set<unknown>();
    body.rate_allocation.forEach((a: unknown, i) => {
      const at = `${path}.rate_allocation[${i}]`;
      if (!isObject(a)) {
        problems.push(`${at}: must be an object {policy, percent}`);
        return;
      }
      checkKeys(a, { policy: nonEmpty, percent: integer(0) }, ['policy', 'percent'], at, problems);
      if (typeof a.policy === 'string' && !subs.includes(a.policy)) problems.push(`${at}.policy: no composite_sub_policy named "${a.policy}"`);
      if (seen.has(a.policy)) problems.push(`${at}.policy: "${String(a.policy)}" is allocated twice`);
      seen.add(a.policy);
      if (typeof a.percent === 'number') sum += a.percent;
    });
    if (sum > 100) problems.push(`${path}.rate_allocation: the percentages add up to ${sum}, more than 100`);
  }
}
