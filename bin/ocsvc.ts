#!/usr/bin/env node
// ocsvc: one command-line entry for every service.
import { parseArgs } from 'node:util';
import { buildAgent } from '../agent/agent.js';
import { buildExporter } from '../exporter/service.js';
import { buildIngester } from '../ingester/ingester.js';
import { ConfigError, loadConfig, SERVICE_NAMES, type ServiceName } from '../lib/config/index.js';
import { runUntilSignal, version, type Service } from '../lib/service/runtime.js';
import { buildSampler } from '../sampler/service.js';
import { buildAllInOne } from './all-in-one.js';
import { REPLAY_USAGE, replayMain } from './replay.js';

const USAGE = `Usage: ocsvc <command> [--config FILE]

Services (configuration: FILE (YAML or JSON), then OCSVC_* environment variables; see docs/configuration.md):
  agent        receivers on a host, publishing to Kafka
  ingester     the collector's front door: receivers publishing to Kafka
  sampler      tail sampling: spans -> decisions in Redis -> spans.sampled
  exporter     spans.sampled and metrics -> backends, one consumer group per backend
  all-in-one   agent + sampler + exporter in one process, no Kafka or Redis

Tools:
  replay --topic T --backend NAME [--from WHEN] [--to WHEN]
                                            re-export a range of a topic to one backend (ocsvc replay --help)
  validate --config FILE [--service NAME]   check a configuration without starting anything
  version                                   print the version

The config file may also be given as OCSVC_CONFIG.`;

type LongRunning = Exclude<ServiceName, 'replay'>;

const BUILDERS: Record<LongRunning, (config: never) => Service> = {
  agent: buildAgent,
  ingester: buildIngester,
  sampler: buildSampler,
  exporter: buildExporter,
  'all-in-one': buildAllInOne,
};

function isService(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

function isLongRunning(name: string): name is LongRunning {
  return name in BUILDERS;
}

/** Checks a file against one service's schema, or against each, reporting which it fits. */
function validate(file: string | undefined, service: string | undefined): number {
  if (!file) {
    process.stderr.write('validate needs --config FILE\n');
    return 2;
  }
  if (service !== undefined && !isService(service)) {
    process.stderr.write(`unknown service "${service}"; one of: ${SERVICE_NAMES.join(', ')}\n`);
    return 2;
  }
  const candidates = service ? [service] : SERVICE_NAMES;
  const failures: { service: ServiceName; error: ConfigError }[] = [];
  const fits: ServiceName[] = [];
  for (const s of candidates) {
    try {
      loadConfig(s, { file });
      fits.push(s);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      failures.push({ service: s, error: err });
    }
  }
  if (fits.length > 0) {
    process.stdout.write(`${file}: valid configuration for ${fits.join(', ')}\n`);
    return 0;
  }
  // Show the problems of the service the file is closest to: the one that
  // has every section the file has, then the one with the fewest problems.
  const unknownSections = (e: ConfigError) => e.problems.filter((p) => /^\w+: unknown key/.test(p)).length;
  failures.sort(
    (a, b) => unknownSections(a.error) - unknownSections(b.error) || a.error.problems.length - b.error.problems.length,
  );
  const best = failures[0]!;
  process.stderr.write(`${file}: not valid for ${service ?? 'any service'}; closest: ${best.service}\n${best.error.message}\n`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  // replay has options of its own.
  if (argv[0] === 'replay') {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${REPLAY_USAGE}\n`);
      return 0;
    }
    return replayMain(argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      service: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (rest.length > 0) {
    process.stderr.write(`unexpected argument "${rest[0]}"\n${USAGE}\n`);
    return 2;
  }
  const file = values.config ?? process.env.OCSVC_CONFIG;
  if (command === 'version') {
    process.stdout.write(`ocsvc ${version()}\n`);
    return 0;
  }
  if (command === 'validate') return validate(file, values.service);
  if (!isLongRunning(command)) {
    process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(command, { file });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const service = BUILDERS[command](config as never);
  return runUntilSignal(service, config.service.shutdownTimeoutMs);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`ocsvc: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
