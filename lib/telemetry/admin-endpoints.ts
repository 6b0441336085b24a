// The three operator endpoints every service runs, each on its own port so that
// they can be exposed separately (health to the orchestrator, metrics to
// Prometheus, the page to people): health 13133 (compatible with the
// OpenTelemetry Collector's health_check on `/`), metrics 8888, page 55679.
import { Group, type Component } from '../lifecycle.js';
import { AdminServer, json, text, type Routes } from './admin-server.js';
import type { Health } from './health.js';
import type { Logger } from './log.js';
import { renderOperatorPage } from './operator-page.js';
import { buildStatus } from './operator-status.js';
import type { Panels } from './panels.js';
import { processCollector } from './process-collector.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
import type { Registry } from './stats.js';

export const DEFAULT_ADMIN_ENDPOINTS = {
  health: '127.0.0.1:13133',
  metrics: '127.0.0.1:8888',
  operator: '127.0.0.1:55679',
} as const;

export interface AdminEndpointsOptions {
  service: string;
  version: string;
  registry: Registry;
  health: Health;
  /** Tables the service adds to the operator page. */
  panels?: Panels;
  /** host:port of each endpoint; '' disables it. */
  endpoints: { health: string; metrics: string; operator: string };
  logger?: Logger;
  /** Defaults to the process start. */
  startTimeMs?: number;
}

export type AdminEndpointKind = keyof AdminEndpointsOptions['endpoints'];

export interface AdminEndpoints extends Component {
  /** The running servers, by kind; a disabled endpoint is absent. */
  readonly servers: Partial<Record<AdminEndpointKind, AdminServer>>;
}

/** Builds the endpoints as one Component: start() listens on each enabled one, close() stops them all. */
export function startAdminEndpoints(options: AdminEndpointsOptions): AdminEndpoints {
  const { registry, health, logger } = options;

  const healthReply = () => {
    const report = health.report();
    return json(report.ready ? 200 : 503, report);
  };
  const collectProcess = processCollector();
  const status = () => buildStatus(options);

  const routes: Record<AdminEndpointKind, Routes> = {
    health: {
      '/': healthReply,
      '/health/ready': healthReply,
      '/health/live': () => json(200, { status: 'live' }),
    },
    metrics: {
      '/metrics': () => ({
        status: 200,
        contentType: PROMETHEUS_CONTENT_TYPE,
        body: renderPrometheus([...registry.snapshot(), ...collectProcess()]),
      }),
    },
    operator: {
      '/': () => ({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: renderOperatorPage(status()),
        // The page has no scripts; forbid any that an escaping bug let through.
        headers: { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
      }),
      '/api/status': () => json(200, status()),
      '/api/panels': () => json(200, { panels: (options.panels?.list() ?? []).map(({ id, title, help, data }) => ({ id, title, help, data })) }),
      '/favicon.ico': () => text(204, ''),
    },
  };

  const servers: Partial<Record<AdminEndpointKind, AdminServer>> = {};
  for (const kind of ['health', 'metrics', 'operator'] as const) {
    const endpoint = options.endpoints[kind];
    if (endpoint === '') continue;
    servers[kind] = new AdminServer({ name: `${kind} endpoint`, endpoint, routes: routes[kind], ...(logger ? { logger } : {}) });
  }
  const group = new Group('admin endpoints', Object.values(servers));
  return { name: group.name, servers, start: () => group.start(), close: group.close };
}
