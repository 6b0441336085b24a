// A real single-node Apache Kafka for integration tests: KRaft mode, one
// process acting as broker and controller, jars from Maven Central (see
// kafka-jars.ts), run with the machine's `java` on free loopback ports and a
// temp data dir. Ready once a kafkajs metadata request succeeds.
//
// The broker can be stopped and started again on the same ports and data dir
// (`stop({ keepData: true })`, then `start()`), with SIGTERM or as a crash
// (`kill: true`), for tests of what survives a Kafka outage.
//
// A private broker may also get a SASL_SSL listener on another free port
// (`secure`): PEM certificate files (Kafka's PEM keystore and truststore),
// mutual TLS when asked, and PLAIN and SCRAM-SHA-512 users. Readiness is still
// checked on the plaintext listener, which tests leave alone.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { freePorts } from './free-port.js';
import { logTail, spawnGuarded, type GuardedProcess } from './guarded-process.js';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars, type KafkaJars } from './kafka-jars.js';

const run = promisify(execFile);

export interface KafkaOptions {
  /** Default: $OCSVC_KAFKA_VERSION or DEFAULT_KAFKA_VERSION. */
  version?: string;
  /** How long start() waits for the broker to answer metadata requests. */
  readyTimeoutMs?: number;
  /** JVM heap limit. */
  heapMb?: number;
  /** Extra or overriding server.properties entries. */
  properties?: Record<string, string>;
  /** A SASL_SSL listener besides the plaintext one (secureBrokers). */
  secure?: SecureListenerOptions;
}

export interface SecureListenerOptions {
  /** PEM certificate (chain) and its unencrypted PKCS#8 key, for the listener. */
  certFile: string;
  keyFile: string;
  /** PEM CA that clients' certificates must be signed by; with clientAuth 'required', mutual TLS. */
  caFile: string;
  clientAuth: 'required' | 'none';
  /** user -> password, for both PLAIN and SCRAM-SHA-512 (letters and digits only). */
  users: Record<string, string>;
}

export interface KafkaStopOptions {
  /** Keep the data dir so that start() brings the same broker back (default false: remove it). */
  keepData?: boolean;
  /** SIGKILL at once, as a crash, instead of a graceful SIGTERM. */
  kill?: boolean;
  /** After SIGTERM, how long to wait before SIGKILL. */
  timeoutMs?: number;
}

export interface KafkaServer {
  readonly version: string;
  /** `127.0.0.1:<port>`, for kafkajs `brokers`. */
  readonly brokers: string[];
  /** `127.0.0.1:<port>` of the SASL_SSL listener, when started with `secure`; empty otherwise. */
  readonly secureBrokers: string[];
  readonly port: number;
  /** The broker's own log (stdout and stderr of the JVM). */
  readonly logFile: string;
  readonly running: boolean;
  /** Starts the broker again after stop({ keepData: true }), same ports and data. */
  start(): Promise<void>;
  stop(options?: KafkaStopOptions): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 90_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 250;

export async function startKafka(options: KafkaOptions = {}): Promise<KafkaServer> {
  const version = options.version ?? process.env.OCSVC_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  const jars = await ensureKafkaJars(version);
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-kafka-'));
  try {
    const [port, controllerPort, securePort] = await freePorts(3);
    if (port === undefined || controllerPort === undefined || securePort === undefined) throw new Error('no free ports');
    const broker = new KafkaBroker(jars, dir, { port, controllerPort, securePort: options.secure ? securePort : undefined }, options);
    await broker.format();
    await broker.start();
    return broker;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

interface Ports {
  port: number;
  controllerPort: number;
  securePort?: number;
}

const SCRAM = 'SCRAM-SHA-512';

/** The SASL_SSL listener's entries: PEM files, mutual TLS, PLAIN users in the JAAS line, SCRAM users from format (scramArgs). */
function secureProperties(dir: string, secure: SecureListenerOptions): Record<string, string> {
  const plainUsers = Object.entries(secure.users)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ');
  return {
    'listener.name.secure.ssl.keystore.type': 'PEM',
    'listener.name.secure.ssl.keystore.location': join(dir, 'secure-keystore.pem'),
    'listener.name.secure.ssl.truststore.type': 'PEM',
    'listener.name.secure.ssl.truststore.location': secure.caFile,
    'listener.name.secure.ssl.client.auth': secure.clientAuth,
    'listener.name.secure.sasl.enabled.mechanisms': `PLAIN,${SCRAM}`,
    'listener.name.secure.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    [`listener.name.secure.${SCRAM.toLowerCase()}.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  };
}

function scramArgs(secure: SecureListenerOptions | undefined): string[] {
  return Object.entries(secure?.users ?? {}).flatMap(([user, password]) => ['--add-scram', `${SCRAM}=[name=${user},password=${password}]`]);
}

function serverProperties(dir: string, ports: Ports, options: KafkaOptions): string {
  const { port, controllerPort, securePort } = ports;
  const secure = securePort !== undefined && options.secure !== undefined;
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${secure ? `,SECURE://127.0.0.1:${securePort}` : ''}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}${secure ? `,SECURE://127.0.0.1:${securePort}` : ''}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${secure ? ',SECURE:SASL_SSL' : ''}`,
    'log.dirs': join(dir, 'data'),
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    // One broker: internal topics must not ask for more replicas than exist,
    // or the group coordinator never becomes available (kafkajs #1752).
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // Fewer internal partitions: the first consumer group starts faster.
    'offsets.topic.num.partitions': '4',
    'transaction.state.log.num.partitions': '4',
    'group.initial.rebalance.delay.ms': '0',
    // After a crash, the restarted broker cannot register until its previous
    // session expires (default 9 s): shorter, so crash tests restart faster.
    'broker.session.timeout.ms': '5000',
    'broker.heartbeat.interval.ms': '1000',
    // Small heap: the compaction buffer defaults to 128 MiB.
    'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
    ...(secure ? secureProperties(dir, options.secure!) : {}),
    ...options.properties,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** A Kafka cluster ID: 16 random bytes, base64url without padding, never starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

class KafkaBroker implements KafkaServer {
  readonly version: string;
  readonly brokers: string[];
  readonly secureBrokers: string[];
  readonly logFile: string;
  readonly port: number;
  private process: GuardedProcess | undefined;
  private removed = false;
  private readonly configFile: string;

  constructor(
    private readonly jars: KafkaJars,
    private readonly dir: string,
    private readonly ports: Ports,
    private readonly options: KafkaOptions,
  ) {
    this.version = jars.version;
    this.port = ports.port;
    this.brokers = [`127.0.0.1:${ports.port}`];
    this.secureBrokers = ports.securePort === undefined ? [] : [`127.0.0.1:${ports.securePort}`];
    this.logFile = join(dir, 'broker.log');
    this.configFile = join(dir, 'server.properties');
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  private classpath(): string[] {
    return ['-cp', join(this.jars.libsDir, '*'), `-Dlog4j2.configurationFile=${this.jars.log4jConfig}`];
  }

  async format(): Promise<void> {
    const { secure } = this.options;
    if (secure) {
      // Kafka's PEM keystore is one file: the private key, then the certificate chain.
      await writeFile(join(this.dir, 'secure-keystore.pem'), `${await readFile(secure.keyFile, 'utf8')}\n${await readFile(secure.certFile, 'utf8')}`);
    }
    await writeFile(this.configFile, serverProperties(this.dir, this.ports, this.options));
    const args = ['-Xmx256m', ...this.classpath(), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', this.configFile, ...scramArgs(secure)];
    try {
      await run(javaCommand(), args, { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`Kafka storage format failed: ${e.message}\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4_000)}`, { cause: err });
    }
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error('this Kafka broker was stopped without keepData; start a new one with startKafka()');
    if (this.running) return;
    const heapMb = this.options.heapMb ?? 512;
    const args = [`-Xmx${heapMb}m`, '-Xms64m', '-Djava.awt.headless=true', ...this.classpath(), 'kafka.Kafka', this.configFile];
    const proc = await spawnGuarded(javaCommand(), args, { logFile: this.logFile, cwd: this.dir, cleanupDir: this.dir });
    this.process = proc;
    try {
      await this.waitReady(proc, this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    } catch (err) {
      await proc.stop(5_000);
      throw err;
    }
  }

  private async waitReady(proc: GuardedProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const kafka = new Kafka({
      clientId: 'ocsvc-harness',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
    });
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!proc.running) {
        throw new Error(`Kafka ${this.version} exited during start-up (status ${String(await proc.exited)}); log tail:\n${await logTail(this.logFile)}`);
      }
      const admin = kafka.admin({ retry: { retries: 0 } });
      try {
        await admin.connect();
        await admin.listTopics();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0) return;
      } catch (err) {
        lastError = err;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    throw new Error(`Kafka ${this.version} not ready on ${this.brokers.join(',')} after ${timeoutMs} ms (last error: ${last}); log tail:\n${await logTail(this.logFile)}`);
  }

  async stop(options: KafkaStopOptions = {}): Promise<void> {
    const proc = this.process;
    if (proc?.running) {
      if (options.kill) await proc.kill();
      else await proc.stop(options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
    }
    if (!options.keepData && !this.removed) {
      this.removed = true;
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}
