// Renders samples in the Prometheus text exposition format 0.0.4, the format
// every scraper understands. Output is sorted (by name, then labels) so that
// two scrapes of the same state are byte-identical and diffs are readable.
import type { Sample } from './stats.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderPrometheus(samples: readonly Sample[]): string {
  const rows = samples.map((s) => ({ sample: s, name: metricName(s.name), labels: renderLabels(s.labels) }));
  rows.sort((a, b) => compare(a.name, b.name) || compare(a.labels, b.labels));
  const lines: string[] = [];
  let current: string | undefined;
  for (const { sample, name, labels } of rows) {
    if (name !== current) {
      // HELP and TYPE once per name; the first sample's wins if they disagree.
      current = name;
      lines.push(`# HELP ${name} ${escapeHelp(sample.help)}`, `# TYPE ${name} ${sample.type}`);
    }
    lines.push(`${name}${labels} ${formatValue(sample.value)}`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function renderLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${labelName(k)}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

// An invalid name would make the scraper reject the whole page, so replace
// offending characters rather than trust every collector.
function metricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

function labelName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

// Code-unit order, independent of locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
