// The Kafka bus through a private broker's SASL_SSL listener (PEM keystore,
// ssl.client.auth=required, PLAIN and SCRAM-SHA-512 users), configured the
// way operators do (kafka.tls, kafka.sasl, the password from a file or
// OCSVC_KAFKA_SASL_PASSWORD): records produced and consumed back under mutual
// TLS and SASL; a wrong password is one clear, non-retryable error, at once,
// that names neither the password nor lets it into any log line; a client
// without its certificate is refused; a service that cannot authenticate
// stops at start-up without printing the password.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { KafkaBus } from '../../../lib/bus/kafka-bus.js';
import { loadConfig } from '../../../lib/config/load.js';
import { OcsvcError } from '../../../lib/errors.js';
import { kafkaSecurity } from '../../../lib/service/kafka.js';
import { createLogger } from '../../../lib/telemetry/log.js';
import { uniqueName } from '../../harness/env.js';
import { startKafka, type KafkaServer } from '../../harness/kafka.js';
import { waitFor } from '../../harness/wait-for.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import { runToExit } from '../../helpers/service-process.js';
import { collectTopic, lineCollector } from '../spool/helpers.js';

const USER = 'ocsvc';
const PASSWORD = 'Sesame4242rightPassword';
const WRONG = 'Wrong9191passwordNeverShown';

interface Rig {
  kafka: KafkaServer;
  certs: TestCerts;
}

/** The kafka section of an exporter configured by environment, as operators do. */
function kafkaSection(rig: Rig, env: Record<string, string>) {
  return loadConfig('exporter', {
    env: {
      OCSVC_KAFKA_BROKERS: rig.kafka.secureBrokers.join(','),
      OCSVC_KAFKA_TLS_ENABLED: 'true',
      OCSVC_KAFKA_TLS_CA_FILE: rig.certs.caFile,
      OCSVC_KAFKA_TLS_CERT_FILE: rig.certs.clientCertFile,
      OCSVC_KAFKA_TLS_KEY_FILE: rig.certs.clientKeyFile,
      OCSVC_KAFKA_SASL_MECHANISM: 'plain',
      OCSVC_KAFKA_SASL_USERNAME: USER,
      ...env,
    },
  }).kafka;
}

function bus(t: TestContext, rig: Rig, env: Record<string, string>, secretEnv: Record<string, string> = {}) {
  const { lines, stream } = lineCollector();
  const logger = createLogger({ level: 'debug', stream });
  const section = kafkaSection(rig, env);
  const b = new KafkaBus({
    brokers: [...section.brokers],
    clientId: uniqueName('secure'),
    security: kafkaSecurity(section, logger, secretEnv),
    logLevel: 'debug',
    logger,
    connectionTimeoutMs: 5_000,
  });
  t.after(() => b.close());
  return { bus: b, lines };
}

async function roundTrip(t: TestContext, b: KafkaBus): Promise<void> {
  const topic = uniqueName('secure-topic');
  await b.start();
  await b.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
  await b.produce(topic, [
    { key: Buffer.from('k1'), value: Buffer.from('one') },
    { key: Buffer.from('k2'), value: Buffer.from('two') },
  ]);
  const got = await collectTopic(b, topic, (fn) => t.after(fn));
  await waitFor(() => got.length >= 2, { timeoutMs: 60_000, what: 'both records consumed over SASL_SSL' });
  assert.deepEqual(got.map((r) => r.value.toString()).sort(), ['one', 'two']);
}

test('Kafka over mutual TLS and SASL', { timeout: 600_000 }, async (t) => {
  const certs = makeCerts(t);
  const kafka = await startKafka({
    secure: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, clientAuth: 'required', users: { [USER]: PASSWORD } },
  });
  t.after(() => kafka.stop());
  const rig: Rig = { kafka, certs };
  const passwordFile = join(certs.dir, 'kafka-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);

  await t.test('PLAIN with the password from kafka.sasl.passwordFile: records produced and consumed back', async (t) => {
    await roundTrip(t, bus(t, rig, { OCSVC_KAFKA_SASL_PASSWORD_FILE: passwordFile }).bus);
  });

  await t.test('SCRAM-SHA-512 with the password from OCSVC_KAFKA_SASL_PASSWORD: records produced and consumed back', async (t) => {
    await roundTrip(t, bus(t, rig, { OCSVC_KAFKA_SASL_MECHANISM: 'scram-sha-512' }, { OCSVC_KAFKA_SASL_PASSWORD: PASSWORD }).bus);
  });

  await t.test('a wrong password: one non-retryable BUS_AUTHENTICATION_FAILED at start, the password in no message and no log line', async (t) => {
    for (const mechanism of ['plain', 'scram-sha-512']) {
      const { bus: b, lines } = bus(t, rig, { OCSVC_KAFKA_SASL_MECHANISM: mechanism }, { OCSVC_KAFKA_SASL_PASSWORD: WRONG });
      const err = await b.start().then(
        () => assert.fail('started with a wrong password'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof OcsvcError, String(err));
      assert.equal(err.code, 'BUS_AUTHENTICATION_FAILED', err.message);
      assert.equal(err.retryable, false);
      assert.match(err.message, /authentication failed/i);
      assert.match(err.message, /kafka\.sasl\.passwordFile or OCSVC_KAFKA_SASL_PASSWORD/);
      assert.ok(lines.length > 0, 'KafkaJS logged at debug level');
      const everything = `${err.message}\n${String((err as { stack?: string }).stack)}\n${JSON.stringify(err.cause)}\n${lines.join('')}`;
      assert.ok(!everything.includes(WRONG), 'the wrong password appears nowhere');
      assert.ok(!everything.includes(PASSWORD));
    }
  });

  await t.test('mutual TLS: without a client certificate the broker refuses the connection', async (t) => {
    const { bus: b } = bus(t, rig, { OCSVC_KAFKA_TLS_CERT_FILE: '', OCSVC_KAFKA_TLS_KEY_FILE: '' }, { OCSVC_KAFKA_SASL_PASSWORD: PASSWORD });
    // The broker's TLS alert: a retryable BUS_UNAVAILABLE (it may be a certificate being rolled out).
    await assert.rejects(b.start(), { code: 'BUS_UNAVAILABLE', message: /bad certificate|certificate required/ });
  });

  await t.test('new client certificate files are used by the next broker connection, without a restart', async (t) => {
    const foreign = certs.foreignClient();
    const certFile = join(certs.dir, 'kafka-client-current.pem');
    const keyFile = join(certs.dir, 'kafka-client-current.key');
    copyFileSync(foreign.certFile, certFile);
    copyFileSync(foreign.keyFile, keyFile);
    const { bus: b } = bus(t, rig, { OCSVC_KAFKA_TLS_CERT_FILE: certFile, OCSVC_KAFKA_TLS_KEY_FILE: keyFile }, { OCSVC_KAFKA_SASL_PASSWORD: PASSWORD });
    await assert.rejects(b.start(), { code: 'BUS_UNAVAILABLE' }, 'a certificate of another CA');
    const renewed = certs.issueClient('kafka-renewed');
    copyFileSync(renewed.keyFile, keyFile);
    copyFileSync(renewed.certFile, certFile);
    await waitFor(() => b.start().then(() => true, () => false), { timeoutMs: 30_000, what: 'the bus to connect with the renewed certificate' });
    await roundTrip(t, b);
  });

  await t.test('a service that cannot authenticate exits at start-up with the reason, never the password', async () => {
    const { code, output } = await runToExit(['exporter'], {
      OCSVC_KAFKA_BROKERS: kafka.secureBrokers.join(','),
      OCSVC_KAFKA_TLS_ENABLED: 'true',
      OCSVC_KAFKA_TLS_CA_FILE: certs.caFile,
      OCSVC_KAFKA_TLS_CERT_FILE: certs.clientCertFile,
      OCSVC_KAFKA_TLS_KEY_FILE: certs.clientKeyFile,
      OCSVC_KAFKA_SASL_MECHANISM: 'plain',
      OCSVC_KAFKA_SASL_USERNAME: USER,
      OCSVC_KAFKA_SASL_PASSWORD: WRONG,
      OCSVC_EXPORTER_BACKENDS: JSON.stringify([{ name: 'dbg', type: 'debug' }]),
    });
    assert.equal(code, 1, output);
    assert.match(output, /start-up failed/);
    assert.match(output, /BUS_AUTHENTICATION_FAILED|authentication failed/i);
    assert.ok(!output.includes(WRONG), 'the password is not printed');
  });
});
