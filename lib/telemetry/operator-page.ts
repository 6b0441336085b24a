// The operator page: one plain HTML document, readable in any browser or with
// curl, no scripts. Component names, reasons and label values come from
// configuration and from the wire, so every piece of text is escaped.
import type { ComponentStatus, MetricTable, OperatorStatus, SignalCounts } from './operator-status.js';

const REFRESH_SECONDS = 5;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .4rem; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .2rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #146c2e; font-weight: bold; } .bad { color: #b00020; font-weight: bold; }
.muted { color: #666; } ul.r { margin: 0; padding-left: 1rem; }`;

export function renderOperatorPage(status: OperatorStatus): string {
  const ready = status.health.ready ? '<span class="ok">ready</span>' : '<span class="bad">not ready</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${esc(status.service)} · ocsvc</title>
<style>${STYLE}</style></head>
<body>
<h1>${esc(status.service)} <span class="muted">${esc(status.version)}</span></h1>
<p>${ready} · up ${esc(formatDuration(status.uptimeSeconds))} (since ${esc(status.startTime)}) · <a href="/api/status">JSON</a></p>
<h2>Health</h2>
${renderHealth(status)}
<h2>Components</h2>
${renderComponents(status.components)}
${status.panels.map(renderPanel).join('\n')}
${status.metrics.map(renderMetric).join('\n')}
</body></html>
`;
}

function renderHealth(status: OperatorStatus): string {
  const rows = Object.entries(status.health.components).map(
    ([name, check]) =>
      `<tr><td>${esc(name)}</td><td>${check.failed ? '<span class="bad">failed</span>' : check.ready ? '<span class="ok">ready</span>' : '<span class="bad">not ready</span>'}</td><td>${esc(check.detail ?? '')}</td></tr>`,
  );
  if (status.health.stopping) rows.push('<tr><td>service</td><td><span class="bad">stopping</span></td><td></td></tr>');
  if (rows.length === 0) return '<p class="muted">No checks registered yet.</p>';
  return `<table><tr><th>check</th><th>state</th><th>detail</th></tr>\n${rows.join('\n')}\n</table>`;
}

function renderComponents(components: ComponentStatus[]): string {
  if (components.length === 0) return '<p class="muted">No components registered.</p>';
  const rows: string[] = [];
  for (const c of components) {
    const signals = Object.entries(c.signals);
    if (signals.length === 0) {
      rows.push(`<tr><td>${esc(c.component)}</td><td>${esc(c.kind)}</td><td class="muted">none yet</td><td class="n">0</td><td class="n">0</td><td class="n">0</td><td class="n">0</td></tr>`);
    }
    for (const [signal, counts] of signals) rows.push(componentRow(c, signal, counts));
  }
  return `<table><tr><th>component</th><th>kind</th><th>signal</th><th>received</th><th>sent</th><th>refused</th><th>dropped</th></tr>
${rows.join('\n')}
</table>`;
}

function componentRow(c: ComponentStatus, signal: string, counts: SignalCounts): string {
  return `<tr><td>${esc(c.component)}</td><td>${esc(c.kind)}</td><td>${esc(signal)}</td><td class="n">${num(counts.received)}</td><td class="n">${num(counts.sent)}</td><td class="n">${byReason(counts.refused)}</td><td class="n">${byReason(counts.dropped)}</td></tr>`;
}

function byReason(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (entries.length === 0) return '0';
  const items = entries.map(([reason, n]) => `<li>${esc(reason)}: ${num(n)}</li>`).join('');
  return `${num(total)}<ul class="r">${items}</ul>`;
}

function renderPanel(panel: OperatorStatus['panels'][number]): string {
  const head = panel.columns.map((c) => `<th>${esc(c)}</th>`).join('');
  const cell = (v: string | number | boolean) => (typeof v === 'number' ? `<td class="n">${num(v)}</td>` : `<td>${esc(String(v))}</td>`);
  const rows = panel.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`);
  const body = rows.length === 0 ? `<p class="muted">Nothing yet.</p>` : `<table><tr>${head}</tr>\n${rows.join('\n')}\n</table>`;
  return `<h2>${esc(panel.title)}</h2>
<p class="muted">${esc(panel.help)} · <a href="/api/panels">JSON</a></p>
${body}`;
}

function renderMetric(table: MetricTable): string {
  const keys = [...new Set(table.rows.flatMap((r) => Object.keys(r.labels)))];
  const head = keys.map((k) => `<th>${esc(k)}</th>`).join('') + '<th>value</th>';
  const rows = table.rows.map((r) => `<tr>${keys.map((k) => `<td>${esc(r.labels[k] ?? '')}</td>`).join('')}<td class="n">${num(r.value)}</td></tr>`);
  return `<h2>${esc(table.name)} <span class="muted">${esc(table.type)}</span></h2>
<p class="muted">${esc(table.help)}</p>
<table><tr>${head}</tr>
${rows.join('\n')}
</table>`;
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, '');
}

function formatDuration(totalSeconds: number): string {
  const d = Math.floor(totalSeconds / 86_400);
  const h = Math.floor((totalSeconds % 86_400) / 3_600);
  const m = Math.floor((totalSeconds % 3_600) / 60);
  const s = totalSeconds % 60;
  return [d && `${d}d`, (d || h) && `${h}h`, (d || h || m) && `${m}m`, `${s}s`].filter(Boolean).join(' ');
}
