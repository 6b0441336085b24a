// What the operator page shows, as data: built from the same Registry snapshot
// that /metrics renders, so the page and Prometheus never disagree. Served as
// JSON at /api/status and rendered as HTML at / (operator-page.ts).
import { performance } from 'node:perf_hooks';
import type { Health, HealthReport } from './health.js';
import type { Panel, Panels } from './panels.js';
import type { Registry, Sample } from './stats.js';

export interface SignalCounts {
  received: number;
  sent: number;
  /** By reason. */
  refused: Record<string, number>;
  /** By reason. */
  dropped: Record<string, number>;
}

export interface ComponentStatus {
  component: string;
  kind: string;
  /** By signal ('traces', 'metrics'; 'any' when the component counts without one). */
  signals: Record<string, SignalCounts>;
}

export interface MetricTable {
  name: string;
  help: string;
  type: Sample['type'];
  rows: { labels: Record<string, string>; value: number }[];
}

export interface OperatorStatus {
  service: string;
  version: string;
  startTime: string;
  uptimeSeconds: number;
  health: HealthReport;
  components: ComponentStatus[];
  /** Everything else in the snapshot: gauges such as consumer lag, other counters. */
  metrics: MetricTable[];
  /** The service's own tables (e.g. the sampler's last decisions), without their structured data. */
  panels: Omit<Panel, 'data'>[];
}

export interface StatusSource {
  service: string;
  version: string;
  registry: Registry;
  health: Health;
  panels?: Panels;
  /** Defaults to the process start. */
  startTimeMs?: number;
}

// The counters that ComponentStats writes (see stats.ts).
const COMPONENT_COUNTER = /^ocsvc_component_(received|sent|refused|dropped)_items_total$/;

export function buildStatus(source: StatusSource, nowMs = Date.now()): OperatorStatus {
  const startTimeMs = source.startTimeMs ?? performance.timeOrigin;
  const components = new Map<string, ComponentStatus>();
  for (const { component, kind } of source.registry.componentNames()) {
    components.set(component, { component, kind, signals: {} });
  }
  const metrics = new Map<string, MetricTable>();

  for (const sample of source.registry.snapshot()) {
    const which = COMPONENT_COUNTER.exec(sample.name)?.[1];
    const name = sample.labels.component;
    if (which && name !== undefined) {
      const status = components.get(name) ?? { component: name, kind: sample.labels.kind ?? '', signals: {} };
      components.set(name, status);
      const counts = (status.signals[sample.labels.signal ?? 'any'] ??= { received: 0, sent: 0, refused: {}, dropped: {} });
      if (which === 'received' || which === 'sent') counts[which] += sample.value;
      else {
        const byReason = which === 'refused' ? counts.refused : counts.dropped;
        const reason = sample.labels.reason ?? 'unknown';
        byReason[reason] = (byReason[reason] ?? 0) + sample.value;
      }
      continue;
    }
    const table = metrics.get(sample.name) ?? { name: sample.name, help: sample.help, type: sample.type, rows: [] };
    metrics.set(sample.name, table);
    table.rows.push({ labels: { ...sample.labels }, value: sample.value });
  }

  for (const table of metrics.values()) {
    table.rows.sort((a, b) => compare(JSON.stringify(a.labels), JSON.stringify(b.labels)));
  }
  return {
    service: source.service,
    version: source.version,
    startTime: new Date(startTimeMs).toISOString(),
    uptimeSeconds: Math.max(0, Math.floor((nowMs - startTimeMs) / 1_000)),
    health: source.health.report(),
    components: [...components.values()].sort((a, b) => compare(a.component, b.component)),
    metrics: [...metrics.values()].sort((a, b) => compare(a.name, b.name)),
    panels: (source.panels?.list() ?? []).map(({ id, title, help, columns, rows }) => ({ id, title, help, columns, rows })),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
