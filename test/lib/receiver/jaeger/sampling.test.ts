// Jaeger remote sampling: the strategies file (Jaeger's format, checked
// strictly), the answer each service gets (per-service and per-operation
// probabilistic, rate limiting, the default), the two endpoints' JSON shapes,
// and reloading when the file changes (a bad file keeps the previous strategies).
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test, type TestContext } from 'node:test';
import { InvalidInputError } from '../../../../lib/errors.js';
import { JaegerReceiver, parseStrategies, SAMPLING_REQUESTS, StrategiesFile, strategyFor } from '../../../../lib/receiver/jaeger/index.js';
import { Registry } from '../../../../lib/telemetry/stats.js';
import { waitFor } from '../../../harness/wait-for.js';
import { ControlledConsumer } from '../opencensus/helpers.js';

const FILE = {
  service_strategies: [
    {
      service: 'cart',
      type: 'probabilistic',
      param: 0.5,
      operation_strategies: [
        { operation: 'GET /health', type: 'probabilistic', param: 0 },
        { operation: '/metrics', type: 'probabilistic', param: 0.25 },
      ],
    },
    { service: 'search', type: 'ratelimiting', param: 20 },
    { service: 'plain', type: 'probabilistic', param: 0.1 },
  ],
  default_strategy: { type: 'probabilistic', param: 0.8, operation_strategies: [{ operation: '/metrics', type: 'probabilistic', param: 0 }] },
};

describe('strategies', () => {
  const strategies = parseStrategies(JSON.stringify(FILE));

  it('a service gets its own strategy, merged with the default\'s operation strategies (its own win)', () => {
    assert.deepEqual(strategyFor(strategies, 'cart'), {
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.5 },
      operationSampling: {
        defaultSamplingProbability: 0.5,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [
          { operation: 'GET /health', probabilisticSampling: { samplingRate: 0 } },
          { operation: '/metrics', probabilisticSampling: { samplingRate: 0.25 } },
        ],
      },
    });
  });

  it('rate limiting, with the default strategy\'s probability for operations', () => {
    assert.deepEqual(strategyFor(strategies, 'search'), {
      strategyType: 'RATE_LIMITING',
      rateLimitingSampling: { maxTracesPerSecond: 20 },
      operationSampling: { defaultSamplingProbability: 0.8, defaultLowerBoundTracesPerSecond: 0, perOperationStrategies: [{ operation: '/metrics', probabilisticSampling: { samplingRate: 0 } }] },
    });
  });

  it('an unknown service gets the default strategy; the legacy endpoint numbers strategyType as Thrift does', () => {
    const unknown = strategyFor(strategies, 'nobody');
    assert.equal(unknown.strategyType, 'PROBABILISTIC');
    assert.deepEqual(unknown.probabilisticSampling, { samplingRate: 0.8 });
    assert.equal(strategyFor(strategies, 'search', true).strategyType, 1);
    assert.equal(strategyFor(strategies, 'plain', true).strategyType, 0);
  });

  it('without a default strategy (or a file), everything is sampled', () => {
    assert.deepEqual(strategyFor(parseStrategies('{"service_strategies": []}'), 'x'), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 } });
  });

  it('a bad file is refused with the first problem and where it is', () => {
    const table: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      [[], /must be a JSON object/],
      [{ services: [] }, /^services: unknown key; allowed: service_strategies, default_strategy/],
      [{ default_strategy: { type: 'probabilistic', param: 1.5 } }, /default_strategy\.param: a probability must be from 0 to 1 \(got 1\.5\)/],
      [{ service_strategies: [{ service: 'a', type: 'ratelimiting', param: 2.5 }] }, /service_strategies\[0\]\.param: traces per second must be an integer from 0 to 32767/],
      [{ service_strategies: [{ service: 'a', type: 'adaptive', param: 1 }] }, /service_strategies\[0\]\.type: must be probabilistic or ratelimiting/],
      [{ service_strategies: [{ type: 'probabilistic', param: 1 }] }, /service_strategies\[0\]\.service: must be a non-empty string/],
      [{ service_strategies: [{ service: 'a', type: 'probabilistic', param: 1 }, { service: 'a', type: 'probabilistic', param: 1 }] }, /service_strategies\[1\]\.service: "a" is listed twice/],
      [
        { service_strategies: [{ service: 'a', type: 'probabilistic', param: 1, operation_strategies: [{ operation: 'op', type: 'ratelimiting', param: 1 }] }] },
        /service_strategies\[0\]\.operation_strategies\[0\]\.type: operation strategies are probabilistic only/,
      ],
    ];
    for (const [doc, message] of table) {
      assert.throws(() => parseStrategies(typeof doc === 'string' ? doc : JSON.stringify(doc)), (err: unknown) => err instanceof InvalidInputError && message.test(err.message), String(message));
    }
  });
});

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ocsvc-jaeger-sampling-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes beside and renames into place, as operators (and ConfigMaps) replace files. */
async function replace(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

test('StrategiesFile re-reads a changed file, and keeps the previous strategies when the new one is bad', async (t) => {
  const path = join(await tempDir(t), 'strategies.json');
  await writeFile(path, JSON.stringify({ default_strategy: { type: 'probabilistic', param: 0.5 } }));
  const errors: Error[] = [];
  let reloads = 0;
  const file = new StrategiesFile(path, { checkIntervalMs: 0, onError: (e) => errors.push(e), onReload: () => reloads++ });
  assert.equal(file.get().default.param, 0.5);
  await replace(path, JSON.stringify({ default_strategy: { type: 'ratelimiting', param: 3 } }));
  assert.deepEqual([file.get().default.type, file.get().default.param, reloads], ['ratelimiting', 3, 1]);
  await replace(path, '{ broken');
  assert.equal(file.get().default.param, 3);
  assert.match(errors[0]!.message, /sampling strategies file .*strategies\.json: not JSON/);
  await rm(path);
  assert.equal(file.get().default.param, 3);
  assert.match(errors[1]!.message, /cannot read the sampling strategies file/);
  assert.throws(() => new StrategiesFile(join(path, 'missing.json')), /cannot read the sampling strategies file/);
});

test('the sampling server answers /sampling and / from the file, 400 without a service, and follows the file as it changes', async (t) => {
  const path = join(await tempDir(t), 'strategies.json');
  await writeFile(path, JSON.stringify(FILE));
  const registry = new Registry();
  const receiver = new JaegerReceiver({
    consumer: new ControlledConsumer(),
    registry,
    sampling: { endpoint: '127.0.0.1:0', strategiesFile: path, fileCheckIntervalMs: 50 },
  });
  await receiver.start();
  t.after(() => receiver.close());
  const base = `http://127.0.0.1:${receiver.sampling!.port}`;
  const get = async (url: string) => {
    const res = await fetch(`${base}${url}`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  const search = await get('/sampling?service=search');
  assert.equal(search.status, 200);
  assert.equal(search.type, 'application/json');
  assert.deepEqual(JSON.parse(search.body).rateLimitingSampling, { maxTracesPerSecond: 20 });
  const legacy = JSON.parse((await get('/?service=plain')).body);
  assert.deepEqual([legacy.strategyType, legacy.probabilisticSampling], [0, { samplingRate: 0.1 }]);
  assert.deepEqual(legacy.operationSampling.perOperationStrategies, [{ operation: '/metrics', probabilisticSampling: { samplingRate: 0 } }], 'the default\'s operations apply');
  const missing = await get('/sampling');
  assert.equal(missing.status, 400);
  assert.match(missing.body, /'service' parameter must be provided once/);
  assert.equal((await get('/sampling?service=a&service=b')).status, 400);
  assert.equal(registry.total(SAMPLING_REQUESTS, { endpoint: '/sampling', status: '400' }), 2);

  await replace(path, JSON.stringify({ service_strategies: [{ service: 'plain', type: 'probabilistic', param: 0.9 }] }));
  await waitFor(async () => JSON.parse((await get('/sampling?service=plain')).body).probabilisticSampling?.samplingRate === 0.9, {
    what: 'the changed file to be served',
  });
  await replace(path, 'not json');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(JSON.parse((await get('/sampling?service=plain')).body).probabilisticSampling.samplingRate, 0.9, 'a bad file keeps the previous strategies');
});

test('without a strategies file every service samples everything; a bad file at start-up stops the start', async (t) => {
  const receiver = new JaegerReceiver({ consumer: new ControlledConsumer(), registry: new Registry(), sampling: { endpoint: '127.0.0.1:0' } });
  await receiver.start();
  t.after(() => receiver.close());
  const res = await fetch(`http://127.0.0.1:${receiver.sampling!.port}/sampling?service=any`);
  assert.deepEqual(await res.json(), { strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 1 } });

  const path = join(await tempDir(t), 'bad.json');
  await writeFile(path, '{"default_strategy": {"type": "probabilistic", "param": 7}}');
  const bad = new JaegerReceiver({ consumer: new ControlledConsumer(), registry: new Registry(), sampling: { endpoint: '127.0.0.1:0', strategiesFile: path } });
  await assert.rejects(bad.start(), /bad\.json: default_strategy\.param: a probability must be from 0 to 1/);
  await bad.close();
});
