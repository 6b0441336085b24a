// Starts the shared Kafka and Redis for one test run (scripts/test.mjs spawns
// this), prints their addresses as one JSON line on stdout, and stops both when
// told to: SIGTERM, SIGINT, or its stdin closing (the runner died).
//   {"kafkaBrokers":["127.0.0.1:40123"],"redisUrl":"redis://127.0.0.1:40999"}
// Errors go to stderr with exit status 1.
import { startKafka, type KafkaServer } from './kafka.js';
import { startRedis, type RedisServer } from './redis.js';

let kafka: KafkaServer | undefined;
let redis: RedisServer | undefined;
let stopping: Promise<void> | undefined;

function stopAll(): Promise<void> {
  return (stopping ??= (async () => {
    const results = await Promise.allSettled([kafka?.stop(), redis?.stop()]);
    for (const result of results) {
      if (result.status === 'rejected') console.error(`stopping test services: ${String(result.reason)}`);
    }
  })());
}

async function shutdown(): Promise<never> {
  await stopAll();
  process.exit(0);
}

process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.on('error', () => void shutdown());
process.stdin.resume();

try {
  // Both at once: Redis is ready long before the JVM.
  const [k, r] = await Promise.allSettled([startKafka(), startRedis()]);
  if (k.status === 'fulfilled') kafka = k.value;
  if (r.status === 'fulfilled') redis = r.value;
  if (k.status === 'rejected') throw k.reason;
  if (r.status === 'rejected') throw r.reason;
  if (kafka === undefined || redis === undefined) throw new Error('unreachable');
  process.stdout.write(`${JSON.stringify({ kafkaBrokers: kafka.brokers, redisUrl: redis.url, kafkaVersion: kafka.version })}\n`);
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  await stopAll();
  process.exit(1);
}
