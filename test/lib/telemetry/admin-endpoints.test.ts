import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startAdminEndpoints, type AdminEndpoints } from '../../../lib/telemetry/admin-endpoints.js';
import type { AdminServer } from '../../../lib/telemetry/admin-server.js';
import { Health } from '../../../lib/telemetry/health.js';
import type { OperatorStatus } from '../../../lib/telemetry/operator-status.js';
import { Panels } from '../../../lib/telemetry/panels.js';
import { Registry } from '../../../lib/telemetry/stats.js';

const ALL_ON_PORT_0 = { health: '127.0.0.1:0', metrics: '127.0.0.1:0', operator: '127.0.0.1:0' };

async function start(t: TestContext, endpoints = ALL_ON_PORT_0) {
  const registry = new Registry();
  const health = new Health();
  const panels = new Panels();
  const admin = startAdminEndpoints({ service: 'agent', version: '1.2.3', registry, health, panels, endpoints });
  t.after(() => admin.close());
  await admin.start();
  return { registry, health, panels, admin, url: (kind: keyof typeof ALL_ON_PORT_0) => serverOf(admin, kind).url };
}

function serverOf(admin: AdminEndpoints, kind: keyof AdminEndpoints['servers']): AdminServer {
  const server = admin.servers[kind];
  assert.ok(server, `${kind} endpoint is running`);
  return server;
}

void test('health answers 503 until every component is ready, then 200, on / and /health/ready', async (t) => {
  const { health, url } = await start(t);
  health.set('kafka', { ready: false, detail: 'connecting to 127.0.0.1:9092' });
  health.set('otlp', { ready: true });

  for (const path of ['/', '/health/ready']) {
    const res = await fetch(url('health') + path);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { status: string; components: Record<string, { ready: boolean; detail?: string }> };
    assert.equal(body.status, 'not ready');
    assert.deepEqual(body.components.kafka, { ready: false, detail: 'connecting to 127.0.0.1:9092' });
  }
  const live = await fetch(url('health') + '/health/live');
  assert.equal(live.status, 200);
  await live.arrayBuffer();

  health.set('kafka', { ready: true });
  const res = await fetch(url('health') + '/');
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { status: string }).status, 'ready');
});

void test('/metrics renders registry counters with their labels, and process metrics', async (t) => {
  const { registry, url } = await start(t);
  const otlp = registry.component('otlp', 'receiver');
  otlp.received(42, 'traces');
  otlp.refused(3, 'kafka_unavailable', 'traces');
  registry.collect(() => [{ name: 'ocsvc_consumer_lag', help: 'Lag.', type: 'gauge', labels: { group: 'sampler', topic: 'spans', partition: '0' }, value: 17 }]);

  const res = await fetch(url('metrics') + '/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const body = await res.text();
  assert.match(body, /^ocsvc_component_received_items_total\{component="otlp",kind="receiver",signal="traces"\} 42$/m);
  assert.match(body, /^ocsvc_component_refused_items_total\{component="otlp",kind="receiver",signal="traces",reason="kafka_unavailable"\} 3$/m);
  assert.match(body, /^ocsvc_consumer_lag\{group="sampler",topic="spans",partition="0"\} 17$/m);
  assert.match(body, /^process_resident_memory_bytes \d+$/m);
  assert.match(body, /^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
  assert.equal(body.match(/^# TYPE process_cpu_seconds_total counter$/gm)?.length, 1);
  const notFound = await fetch(url('metrics') + '/');
  assert.equal(notFound.status, 404);
  await notFound.arrayBuffer();
});

void test('the operator page shows components and counters and escapes names', async (t) => {
  const { registry, health, url } = await start(t);
  const evil = registry.component('<script>alert(1)</script>', 'exporter');
  evil.sent(7, 'traces');
  const zipkin = registry.component('zipkin', 'receiver');
  zipkin.received(1234, 'traces');
  zipkin.dropped(5, 'decode_error', 'traces');
  health.set('kafka', { ready: true });

  const res = await fetch(url('operator') + '/');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  assert.ok(!html.includes('<script>'), 'no raw script tag');
  assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.match(html, /<td>zipkin<\/td><td>receiver<\/td><td>traces<\/td><td class="n">1234<\/td>/);
  assert.match(html, /decode_error: 5/);
  assert.match(html, /agent <span class="muted">1\.2\.3<\/span>/);
  assert.match(html, />ready</);

  const api = await fetch(url('operator') + '/api/status');
  assert.equal(api.status, 200);
  const status = (await api.json()) as OperatorStatus;
  assert.equal(status.service, 'agent');
  assert.equal(status.version, '1.2.3');
  assert.equal(status.health.ready, true);
  assert.deepEqual(
    status.components.map((c) => c.component),
    ['<script>alert(1)</script>', 'zipkin'],
  );
  assert.deepEqual(status.components[1], {
    component: 'zipkin',
    kind: 'receiver',
    signals: { traces: { received: 1234, sent: 0, refused: {}, dropped: { decode_error: 5 } } },
  });
  const missing = await fetch(url('operator') + '/nope');
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
});

void test('a panel shows as an escaped table on the page, in /api/status without its data, and with its data at /api/panels', async (t) => {
  const { panels, url } = await start(t);
  const page0 = await (await fetch(url('operator') + '/')).text();
  assert.doesNotMatch(page0, /Last decisions/);
  let calls = 0;
  const remove = panels.add('decisions', () => ({
    id: 'decisions',
    title: 'Last decisions',
    help: 'newest first',
    columns: ['trace', 'policy', 'spans', 'error'],
    rows: [['abc', '<script>x</script>', 3, true]],
    data: [{ trace: 'abc', calls: ++calls }],
  }));
  const page = await (await fetch(url('operator') + '/')).text();
  assert.match(page, /<h2>Last decisions<\/h2>/);
  assert.match(page, /<td>abc<\/td><td>&#60;script&#62;x&#60;\/script&#62;<\/td><td class="n">3<\/td><td>true<\/td>/);
  const status = (await (await fetch(url('operator') + '/api/status')).json()) as OperatorStatus;
  assert.deepEqual(status.panels, [{ id: 'decisions', title: 'Last decisions', help: 'newest first', columns: ['trace', 'policy', 'spans', 'error'], rows: [['abc', '<script>x</script>', 3, true]] }]);
  const api = (await (await fetch(url('operator') + '/api/panels')).json()) as { panels: { id: string; data: unknown }[] };
  assert.deepEqual(api.panels.map((p) => [p.id, p.data]), [['decisions', [{ trace: 'abc', calls: 3 }]]], 'built afresh on every request');
  remove();
  assert.deepEqual(((await (await fetch(url('operator') + '/api/panels')).json()) as { panels: unknown[] }).panels, []);
});

void test('an empty endpoint disables it; close is safe twice', async (t) => {
  const { admin, url } = await start(t, { health: '127.0.0.1:0', metrics: '', operator: '' });
  assert.equal(admin.servers.metrics, undefined);
  assert.equal(admin.servers.operator, undefined);
  const live = url('health') + '/health/live';
  const res = await fetch(live);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  await admin.close();
  await admin.close();
  await assert.rejects(fetch(live));
});
