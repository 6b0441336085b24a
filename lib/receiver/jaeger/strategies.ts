// Jaeger remote sampling strategies: the strategies file, in the format of
// Jaeger's own (file-based) strategy store, and the answers jaeger clients
// fetch from the agent's sampling endpoint.
//
//   {
//     "service_strategies": [
//       { "service": "cart", "type": "probabilistic", "param": 0.5,
//         "operation_strategies": [{ "operation": "GET /health", "type": "probabilistic", "param": 0 }] },
//       { "service": "search", "type": "ratelimiting", "param": 20 }
//     ],
//     "default_strategy": { "type": "probabilistic", "param": 1,
//       "operation_strategies": [{ "operation": "/metrics", "type": "probabilistic", "param": 0 }] }
//   }
//
// A service without an entry gets the default strategy (probabilistic 1 when
// the file names none: ocsvc's samplers decide on whole traces later).
// Operation strategies are probabilistic only, as in Jaeger; the default
// strategy's apply to every service, a service's own winning per operation.
// When a service ends up with operation strategies the answer carries them
// (operationSampling), with the service's probabilistic rate (else the
// default's, else 1) for the other operations and no lower bound.
//
// The answer is api_v2's SamplingStrategyResponse as JSON: strategyType as a
// name ("PROBABILISTIC") on /sampling; as Thrift's number (0, 1) on "/", for
// old clients, like the Jaeger agent's legacy endpoint.
import { readFileSync } from 'node:fs';
import { errorMessage, InvalidInputError } from '../../errors.js';
import { ReloadingFiles } from '../../net/reloading-files.js';

export type StrategyType = 'probabilistic' | 'ratelimiting';

export interface Strategy {
  type: StrategyType;
  /** A probability in [0, 1], or traces per second (an i16 in Jaeger's Thrift). */
  param: number;
  /** Operation name -> sampling probability, in file order. */
  operations: Map<string, number>;
}

export interface Strategies {
  services: Map<string, Strategy>;
  default: Strategy;
}

/** Without a file, and the default strategy of a file without one. */
export const SAMPLE_EVERYTHING: Readonly<Strategy> = Object.freeze({ type: 'probabilistic', param: 1, operations: new Map<string, number>() });

export function defaultStrategies(): Strategies {
  return { services: new Map(), default: SAMPLE_EVERYTHING };
}

// ---- parsing ----

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function only(o: Json, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidInputError(`${where === '' ? '' : `${where}.`}${k}: unknown key; allowed: ${keys.join(', ')}`);
  }
}

function param(type: StrategyType, v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidInputError(`${where}.param: must be a number (got ${JSON.stringify(v)})`);
  if (type === 'probabilistic' && !(v >= 0 && v <= 1)) throw new InvalidInputError(`${where}.param: a probability must be from 0 to 1 (got ${v})`);
  if (type === 'ratelimiting' && !(Number.isInteger(v) && v >= 0 && v <= 32_767)) {
    throw new InvalidInputError(`${where}.param: traces per second must be an integer from 0 to 32767 (got ${v})`);
  }
  return v;
}

function typeOf(v: unknown, where: string): StrategyType {
  if (v !== 'probabilistic' && v !== 'ratelimiting') throw new InvalidInputError(`${where}.type: must be probabilistic or ratelimiting (got ${JSON.stringify(v)})`);
  return v;
}

function operations(v: unknown, where: string): Map<string, number> {
  const out = new Map<string, number>();
  if (v === undefined) return out;
  if (!Array.isArray(v)) throw new InvalidInputError(`${where}: must be a list of {operation, type, param}`);
  v.forEach((o: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(o)) throw new InvalidInputError(`${at}: must be an object {operation, type, param}`);
    only(o, ['operation', 'type', 'param'], at);
    if (typeof o.operation !== 'string' || o.operation === '') throw new InvalidInputError(`${at}.operation: must be a non-empty string`);
    if (typeOf(o.type, at) !== 'probabilistic') throw new InvalidInputError(`${at}.type: operation strategies are probabilistic only, as in Jaeger`);
    if (out.has(o.operation)) throw new InvalidInputError(`${at}.operation: "${o.operation}" is listed twice`);
    out.set(o.operation, param('probabilistic', o.param, at));
  });
  return out;
}

function strategy(v: unknown, where: string, keys: readonly string[]): Strategy {
  if (!isObject(v)) throw new InvalidInputError(`${where}: must be an object {type, param}`);
  only(v, keys, where);
  const type = typeOf(v.type, where);
  return { type, param: param(type, v.param, where), operations: operations(v.operation_strategies, `${where}.operation_strategies`) };
}

/** Parses the text of a strategies file; throws InvalidInputError naming the first problem. */
export function parseStrategies(text: string): Strategies {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`not JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!isObject(doc)) throw new InvalidInputError('must be a JSON object with service_strategies and/or default_strategy');
  only(doc, ['service_strategies', 'default_strategy'], '');
  const def = doc.default_strategy === undefined ? SAMPLE_EVERYTHING : strategy(doc.default_strategy, 'default_strategy', ['type', 'param', 'operation_strategies']);
  const services = new Map<string, Strategy>();
  const list = doc.service_strategies ?? [];
  if (!Array.isArray(list)) throw new InvalidInputError('service_strategies: must be a list');
  list.forEach((s: unknown, i) => {
    const at = `service_strategies[${i}]`;
    const parsed = strategy(s, at, ['service', 'type', 'param', 'operation_strategies']);
    const name = (s as Json).service;
    if (typeof name !== 'string' || name === '') throw new InvalidInputError(`${at}.service: must be a non-empty string`);
    if (services.has(name)) throw new InvalidInputError(`${at}.service: "${name}" is listed twice`);
    services.set(name, parsed);
  });
  return { services, default: def };
}

// ---- answers ----

export interface StrategyResponse {
  strategyType: 'PROBABILISTIC' | 'RATE_LIMITING' | 0 | 1;
  probabilisticSampling?: { samplingRate: number };
  rateLimitingSampling?: { maxTracesPerSecond: number };
  operationSampling?: {
    defaultSamplingProbability: number;
    defaultLowerBoundTracesPerSecond: number;
    perOperationStrategies: { operation: string; probabilisticSampling: { samplingRate: number } }[];
  };
}

/** The answer for `service`; `legacy` numbers strategyType as Thrift does (the "/" endpoint). */
export function strategyFor(strategies: Strategies, service: string, legacy = false): StrategyResponse {
  const own = strategies.services.get(service);
  const s = own ?? strategies.default;
  const response: StrategyResponse =
    s.type === 'probabilistic'
      ? { strategyType: legacy ? 0 : 'PROBABILISTIC', probabilisticSampling: { samplingRate: s.param } }
      : { strategyType: legacy ? 1 : 'RATE_LIMITING', rateLimitingSampling: { maxTracesPerSecond: s.param } };
  const ops = new Map(s.operations);
  if (own !== undefined) for (const [op, p] of strategies.default.operations) if (!ops.has(op)) ops.set(op, p);
  if (ops.size > 0) {
    const fallback = s.type === 'probabilistic' ? s.param : strategies.default.type === 'probabilistic' ? strategies.default.param : 1;
    response.operationSampling = {
      defaultSamplingProbability: fallback,
      defaultLowerBoundTracesPerSecond: 0,
      perOperationStrategies: [...ops].map(([operation, samplingRate]) => ({ operation, probabilisticSampling: { samplingRate } })),
    };
  }
  return response;
}

// ---- the file, reloaded when it changes ----

export interface StrategiesFileOptions {
  /** The file is looked at no more often than this; default 1 s. */
  checkIntervalMs?: number;
  /** Told when a changed file could not be used (the previous strategies stay). */
  onError?: (err: Error) => void;
  /** Told when a changed file was loaded. */
  onReload?: () => void;
}

/** A strategies file, re-read when it changes (lib/net/reloading-files.ts); a changed file that cannot be used keeps the previous strategies. */
export class StrategiesFile {
  readonly path: string;
  private readonly reloading: ReloadingFiles<Strategies>;

  /** Reads the file now; throws an InvalidInputError naming the file when it is unusable. */
  constructor(path: string, options: StrategiesFileOptions = {}, nowMs = Date.now()) {
    this.path = path;
    this.reloading = new ReloadingFiles([path], () => readStrategiesFile(path), {
      checkIntervalMs: options.checkIntervalMs,
      onError: options.onError,
      onReload: () => options.onReload?.(),
    });
    this.reloading.load(nowMs);
  }

  /** The strategies in force, re-read first if the file changed. */
  get(nowMs = Date.now()): Strategies {
    return this.reloading.get(nowMs);
  }
}

function readStrategiesFile(path: string): Strategies {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read the sampling strategies file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return parseStrategies(text);
  } catch (err) {
    throw new InvalidInputError(`sampling strategies file ${path}: ${errorMessage(err)}`, { cause: err });
  }
}
