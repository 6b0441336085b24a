// Apache Kafka's jars, resolved from Maven Central once and cached under
// ${OCSVC_CACHE_DIR:-~/.cache/ocsvc}/kafka-<version>/ so that later runs start
// the broker without Maven. A `.complete` marker is written last and the folder
// is renamed into place, so an interrupted download is never mistaken for a
// cached one, and two runs fetching at once do not mix their files.
//
// Run directly (scripts/setup-test-deps.sh does) to pre-fetch:
//   node --import tsx test/harness/kafka-jars.ts
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { prepareDir } from './prepared.js';

const run = promisify(execFile);

/** 4.1.x passes the kafkajs smoke test (test/harness/kafka.test.ts). */
export const DEFAULT_KAFKA_VERSION = '4.1.1';

const POM = fileURLToPath(new URL('./kafka-pom.xml', import.meta.url));
const MAVEN_TIMEOUT_MS = 10 * 60_000; // a cold ~/.m2 downloads ~60 MB

// Kafka logs through slf4j -> log4j2. INFO by default (the broker's log goes to
// a file in its temp dir, and its tail is shown when start-up fails); the
// per-request and state-change loggers are noise even then.
const LOG4J2_PROPERTIES = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.target = SYSTEM_OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = \${env:OCSVC_KAFKA_LOG_LEVEL:-INFO}
rootLogger.appenderRef.out.ref = out
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
`;

export interface KafkaJars {
  version: string;
  /** Folder of jars, for `java -cp '<libsDir>/*'`. */
  libsDir: string;
  log4jConfig: string;
}

export function cacheDir(): string {
  return process.env.OCSVC_CACHE_DIR ?? join(homedir(), '.cache', 'ocsvc');
}

export async function ensureKafkaJars(version = DEFAULT_KAFKA_VERSION): Promise<KafkaJars> {
  const home = join(cacheDir(), `kafka-${version}`);
  const libsDir = join(home, 'libs');
  const log4jConfig = join(home, 'log4j2.properties');
  await prepareDir(libsDir, (staging) => fetchJars(version, staging));
  const current = await readFile(log4jConfig, 'utf8').catch(() => undefined);
  if (current !== LOG4J2_PROPERTIES) {
    const temp = `${log4jConfig}.${randomUUID()}`;
    await writeFile(temp, LOG4J2_PROPERTIES);
    await rename(temp, log4jConfig);
  }
  return { version, libsDir, log4jConfig };
}

async function fetchJars(version: string, staging: string): Promise<void> {
  await mkdir(staging, { recursive: true });
  const args = ['-q', '-B', '-Dstyle.color=never', '-f', POM, `-Dkafka.version=${version}`, `-Dlibs.dir=${staging}`, 'dependency:copy-dependencies'];
  try {
    await run('mvn', args, { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4_000);
    throw new Error(`could not resolve Kafka ${version} jars with Maven (mvn ${args.join(' ')}): ${e.message}\n${output}`, { cause: err });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const version = process.argv[2] ?? process.env.OCSVC_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  const jars = await ensureKafkaJars(version);
  console.log(`Kafka ${jars.version} jars in ${jars.libsDir}`);
}
