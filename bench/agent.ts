// Agent benchmark: a real Kafka, the agent as its own process, and OTLP load
// against it: (a) a fixed rate (10k spans/s by default) for the CPU and memory
// cost per span at a realistic load, then (b) flat out for the most it takes.
// Prints markdown table rows for docs/performance.md.
//
//   tsx bench/agent.ts [--transport grpc|http|both] [--rate 10000] [--duration 30] [--flat-duration 30]
//                      [--shape app|testbed] [--concurrency 8 (flat out)] [--rate-concurrency 64 (cap at a fixed rate)]
//                      [--brokers HOST:PORT] [--runtime auto|dist|tsx] [--tls]
//
// --tls: the receivers serve TLS with a certificate made for the run (openssl),
// and the load generator trusts its CA: the cost of TLS beside the plaintext rows.
//
// The load generator, the agent and Kafka share the machine: on 2 cores the
// flat-out figure is what the three reach together, not the agent alone.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { runLoad, formatLoadResult, type LoadResult, type Transport } from './load.js';
import { mib, readRssBytes, sampleUsage, type ProcessUsage } from './measure.js';
import { TABLE_HEADER, tableRow } from './report.js';
import { infraPids, kafka, log, machine, onCleanup, runBounded, scrape, serviceRuntime, startService, uniqueName, type ServiceProcess } from './stack.js';
import { buildRequestPool } from './traffic.js';
import { freePorts } from '../test/harness/free-port.js';
import { makeCerts } from '../test/helpers/certs.js';

async function measured(agent: ServiceProcess, run: () => Promise<LoadResult>): Promise<{ result: LoadResult; usage: ProcessUsage; published: number }> {
  const before = await scrape(agent, 'ocsvc_component_sent_items_total', { component: 'publisher' });
  const sampler = sampleUsage(agent.pid);
  const broker = infraPids.kafka ? sampleUsage(infraPids.kafka) : undefined;
  const result = await run();
  const usage = sampler.stop();
  const kafkaUsage = broker?.stop();
  const published = (await scrape(agent, 'ocsvc_component_sent_items_total', { component: 'publisher' })) - before;
  const others = `load generator ${(result.clientCpuS / result.elapsedS).toFixed(2)} cores` + (kafkaUsage ? `, Kafka broker ${kafkaUsage.cores.toFixed(2)} cores` : '');
  log(`agent ${usage.cores.toFixed(2)} cores, ${others}`);
  return { result, usage, published };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      transport: { type: 'string', default: 'grpc' },
      rate: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '30' },
      'flat-duration': { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '8' },
      'rate-concurrency': { type: 'string', default: '64' },
      'spans-per-request': { type: 'string', default: '100' },
      shape: { type: 'string', default: 'app' },
      partitions: { type: 'string', default: '12' },
      brokers: { type: 'string' },
      runtime: { type: 'string', default: 'auto' },
      tls: { type: 'boolean', default: false },
    },
  });
  const transports: Transport[] = values.transport === 'both' ? ['grpc', 'http'] : [values.transport as Transport];
  if (!transports.every((t) => t === 'grpc' || t === 'http')) throw new Error('--transport must be grpc, http or both');
  const rate = Number(values.rate);
  const durationS = Number(values.duration);
  const flatS = Number(values['flat-duration']);
  const warmupS = Number(values.warmup);
  const rateConcurrency = Number(values['rate-concurrency']);
  const runtime = serviceRuntime(values.runtime as 'auto' | 'dist' | 'tsx');
  log(`machine: ${await machine()}`);
  log(`agent runs as: ${runtime.note}`);

  if (values.shape !== 'app' && values.shape !== 'testbed') throw new Error('--shape must be app or testbed');
  const pool = buildRequestPool({ shape: values.shape, spansPerRequest: Number(values['spans-per-request']) });
  const brokers = await kafka(values.brokers);
  const tracesPerRequest = pool.requests[0]!.traces;
  if (pool.requests.some((r) => r.traces !== tracesPerRequest)) throw new Error('requests of the pool differ in trace count');
  const kafkaAdmin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  onCleanup(() => kafkaAdmin.disconnect());
  const rows: string[] = [];
  const certs = values.tls ? makeCerts({ after: (fn) => onCleanup(async () => fn()) }) : undefined;
  const tlsEnv: Record<string, string> = certs
    ? Object.fromEntries(
        ['GRPC', 'HTTP'].flatMap((t) => [
          [`OCSVC_RECEIVERS_OTLP_${t}_TLS_CERT_FILE`, certs.certFile],
          [`OCSVC_RECEIVERS_OTLP_${t}_TLS_KEY_FILE`, certs.keyFile],
        ]),
      )
    : {};
  const tlsCa = certs?.ca;
  // A fresh agent (and topic) per transport: memory and JIT state start equal.
  for (const transport of transports) {
    const [grpcPort, httpPort] = await freePorts(2);
    const endpoints: Record<Transport, string> = { grpc: `127.0.0.1:${grpcPort}`, http: `127.0.0.1:${httpPort}` };
    const endpoint = endpoints[transport];
    const id = uniqueName('bench');
    const agent = await startService(
      'agent',
      {
        OCSVC_KAFKA_BROKERS: brokers.join(','),
        OCSVC_KAFKA_PARTITIONS: values.partitions,
        OCSVC_KAFKA_TOPICS_SPANS: `${id}.spans`,
        OCSVC_KAFKA_TOPICS_METRICS: `${id}.metrics`,
        OCSVC_RECEIVERS_OTLP_GRPC_ENDPOINT: endpoints.grpc,
        OCSVC_RECEIVERS_OTLP_HTTP_ENDPOINT: endpoints.http,
        ...tlsEnv,
      },
      runtime,
    );
    let acceptedTraces = 0;
    const count = (r: LoadResult): LoadResult => ((acceptedTraces += (r.requests - r.failedRequests) * tracesPerRequest), r);
    log(`agent pid ${agent.pid} ready, RSS ${mib(readRssBytes(agent.pid))} MiB; requests of ${pool.spansPerRequest} spans, ${Math.round(pool.meanBytes)} bytes`);
    if (warmupS > 0) {
      log(`${transport}: warm-up ${warmupS} s at ${rate} spans/s`);
      const warm = count(await runLoad({ endpoint, transport, rate, durationS: warmupS, pool, concurrency: rateConcurrency, tlsCa }));
      if (warm.failedRequests > 0) log(`warm-up failures: ${JSON.stringify(warm.errors)} ${JSON.stringify(warm.errorDetails)}`);
    }
    log(`${transport}: ${rate} spans/s for ${durationS} s`);
    const fixed = await measured(agent, async () => count(await runLoad({ endpoint, transport, rate, durationS, pool, concurrency: rateConcurrency, tlsCa })));
    log(`${formatLoadResult(fixed.result)}\n  agent published ${fixed.published} spans to Kafka`);
    rows.push(tableRow('agent', fixed.result, fixed.usage));

    log(`${transport}: flat out, ${values.concurrency} in flight, for ${flatS} s`);
    const flat = await measured(agent, async () => count(await runLoad({ endpoint, transport, durationS: flatS, concurrency: Number(values.concurrency), pool, tlsCa })));
    log(`${formatLoadResult(flat.result)}\n  agent published ${flat.published} spans to Kafka`);
    rows.push(tableRow('agent', flat.result, flat.usage));

    // Acknowledged must mean in Kafka: every trace of every accepted request is one record.
    const inTopic = (await kafkaAdmin.fetchTopicOffsets(`${id}.spans`)).reduce((n, p) => n + Number(p.high), 0);
    const verdict =
      inTopic === acceptedTraces
        ? 'as many as acknowledged'
        : inTopic < acceptedTraces
          ? `LOST: ${acceptedTraces - inTopic} of ${acceptedTraces} acknowledged traces are not in Kafka`
          : `${inTopic - acceptedTraces} more than the ${acceptedTraces} acknowledged (parts of refused requests: duplicates once clients retry)`;
    log(`${id}.spans holds ${inTopic} records (one per trace), ${verdict}`);
    const code = await agent.stop();
    if (code !== 0) log(`agent exited with ${code} on SIGTERM:\n${agent.output.slice(-20).join('\n')}`);
    const warnings = agent.output.filter((l) => /"level":"(warn|error)"/.test(l) && !l.includes('switched default partitioner'));
    if (warnings.length > 0) log(`agent logged ${warnings.length} warnings/errors; last:\n${warnings.slice(-5).join('\n')}`);
  }

  process.stdout.write(`\n<!-- bench/agent.ts, ${new Date().toISOString()}, ${await machine()}, agent: ${runtime.kind} -->\n${TABLE_HEADER}\n${rows.join('\n')}\n`);
}

const values0 = parseArgs({ strict: false }).values;
const limitS = 120 + (values0.transport === 'both' ? 2 : 1) * (Number(values0.duration ?? 30) + Number(values0['flat-duration'] ?? 30) + Number(values0.warmup ?? 5) + 40);
runBounded('bench/agent', limitS, main);
