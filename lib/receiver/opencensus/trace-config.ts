// The TraceConfig pushed to OpenCensus libraries over TraceService.Config:
// the configured settings, their protocol form, and the optional operator file
// that overrides them at run time. The file is validated by the same convict
// schema as the inline settings, so both accept exactly the same values.
import convict from 'convict';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import YAML from 'yaml';
import { registerFormats } from '../../config/formats.js';
import { receiversSection, type OpenCensusTraceConfigSection } from '../../config/sections.js';
import { errorMessage } from '../../errors.js';
import { OcConstantDecision, type OcTraceConfig } from '../../protocol/opencensus/index.js';

export type TraceConfigSettings = OpenCensusTraceConfigSection;

/** OpenCensus's own defaults, but sampling everything: the samplers decide later, on whole traces. */
export const DEFAULT_TRACE_CONFIG: Readonly<TraceConfigSettings> = Object.freeze({
  sampler: 'probability',
  samplingProbability: 1,
  constantDecision: 'always_on',
  qps: 10,
  maxNumberOfAttributes: 32,
  maxNumberOfAnnotations: 32,
  maxNumberOfMessageEvents: 128,
  maxNumberOfLinks: 32,
});

const DECISIONS = {
  always_on: OcConstantDecision.ALWAYS_ON,
  always_off: OcConstantDecision.ALWAYS_OFF,
  always_parent: OcConstantDecision.ALWAYS_PARENT,
} as const;

export function toOcTraceConfig(s: TraceConfigSettings): OcTraceConfig {
  const sampler =
    s.sampler === 'probability'
      ? ({ kind: 'probability', samplingProbability: s.samplingProbability } as const)
      : s.sampler === 'constant'
        ? ({ kind: 'constant', decision: DECISIONS[s.constantDecision] } as const)
        : ({ kind: 'rateLimiting', qps: BigInt(s.qps) } as const);
  return {
    sampler,
    maxNumberOfAttributes: BigInt(s.maxNumberOfAttributes),
    maxNumberOfAnnotations: BigInt(s.maxNumberOfAnnotations),
    maxNumberOfMessageEvents: BigInt(s.maxNumberOfMessageEvents),
    maxNumberOfLinks: BigInt(s.maxNumberOfLinks),
  };
}

/**
 * Reads a trace config file: a mapping of traceConfig keys, each overriding
 * `base`. Throws an Error listing every problem ("key: problem (got value)").
 */
export function readTraceConfigFile(path: string, base: TraceConfigSettings): TraceConfigSettings {
  let raw: unknown;
  try {
    // YAML 1.2 reads JSON too.
    raw = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`trace config file ${path}: ${errorMessage(err)}`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`trace config file ${path}: must hold a mapping of traceConfig keys (sampler, samplingProbability, ...)`);
  }
  const schema: Record<string, object> = {};
  for (const [key, node] of Object.entries(receiversSection.opencensus.traceConfig)) {
    schema[key] = { ...node, default: base[key as keyof TraceConfigSettings] };
  }
  registerFormats();
  const config = convict(schema as convict.Schema<TraceConfigSettings>, { env: {}, args: [] });
  try {
    config.load(raw);
    config.validate({ allowed: 'strict' });
  } catch (err) {
    const problems = errorMessage(err)
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/^configuration param '(.+)' not declared in the schema$/, `$1: unknown key; allowed: ${Object.keys(schema).join(', ')}`))
      .map((line) => line.replace(/: value was (.*)$/s, ' (got $1)'));
    throw new Error(`trace config file ${path}:\n  ${problems.join('\n  ')}`, { cause: err });
  }
  return { ...config.getProperties() };
}

/**
 * Watches the file by polling its stat, which survives editors that replace
 * the file and Kubernetes ConfigMaps that swap a symlink. Calls onChange with
 * the new settings, or onError (the caller keeps what it had). Returns stop().
 */
export function watchTraceConfigFile(
  path: string,
  base: TraceConfigSettings,
  intervalMs: number,
  onChange: (settings: TraceConfigSettings) => void,
  onError: (err: Error) => void,
): () => void {
  const listener = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    // A deleted file: keep the config until one appears again.
    if (now.nlink === 0 && now.mtimeMs === 0) return onError(new Error(`trace config file ${path} is gone; keeping the current config`));
    try {
      onChange(readTraceConfigFile(path, base));
    } catch (err) {
      onError(err as Error);
    }
  };
  // persistent: false, so that a forgotten watcher never keeps the process alive.
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
