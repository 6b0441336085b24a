// The functions that used the most CPU in a V8 .cpuprofile (from
// OCSVC_BENCH_PROFILE_DIR=dir with bench/agent.ts or bench/sampler.ts, or node
// --cpu-prof), by self time and grouped by package or source file, so a
// profile can be read without a browser.
//
//   tsx bench/profile-top.ts FILE.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "kafkajs", "@grpc/grpc-js", "lib/bus/kafka-bus.ts", "(node)", "(gc)" ... */
function owner(url: string, fn: string): string {
  if (fn === '(garbage collector)') return '(gc)';
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return '(node)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const m = /\/(?:dist\/|\.cache\/bench-dist\/)?((?:lib|agent|sampler|exporter|ingester|bin)\/.*)$/.exec(url);
  return m ? m[1]!.replace(/\.js$/, '.ts') : url;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const file = positionals[0];
  if (!file) throw new Error('usage: tsx bench/profile-top.ts FILE.cpuprofile [--top N]');
  const top = Number(values.top);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  let total = 0;
  const byFn = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const who = owner(url, functionName);
    const key = `${functionName || '(anonymous)'}  ${who}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byOwner.set(who, (byOwner.get(who) ?? 0) + us);
  }
  const show = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s of CPU sampled (idle excluded)\n\nby package or file:\n${show(byOwner, 15)}\n\nby function (self time):\n${show(byFn, top)}\n`);
}

main();
