// Every benchmark of docs/performance.md, one after another (each is its own
// bounded process), with the markdown tables gathered at the end. Progress
// goes to stderr. Arguments after `--` are passed to the service benchmarks
// (e.g. -- --rate-concurrency 1).
//
//   tsx bench/all.ts [--quick] [-- extra args]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine } from './stack.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const dash = argv.indexOf('--');
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const short = quick ? ['--duration', '10', '--flat-duration', '10'] : [];

const RUNS: { name: string; node?: string[]; args: string[] }[] = [
  { name: 'codec', args: ['bench/codec.ts', ...(quick ? ['--seconds', '1'] : [])] },
  { name: 'codec, testbed-shaped spans', args: ['bench/codec.ts', '--shape', 'testbed', ...(quick ? ['--seconds', '1'] : [])] },
  { name: 'opencensus codecs', node: ['--expose-gc'], args: ['bench/opencensus.ts', ...(quick ? ['--seconds', '1'] : [])] },
  { name: 'jaeger codecs', node: ['--expose-gc'], args: ['bench/jaeger.ts', ...(quick ? ['--rounds', '1'] : [])] },
  { name: 'zipkin codecs', node: ['--expose-gc'], args: ['bench/zipkin.ts', ...(quick ? ['--seconds', '1'] : [])] },
  { name: 'agent, OTLP/gRPC', args: ['bench/agent.ts', '--transport', 'grpc', ...short, ...extra] },
  { name: 'agent, OTLP/HTTP', args: ['bench/agent.ts', '--transport', 'http', ...short, ...extra] },
  { name: 'agent, OTLP/gRPC, testbed-shaped spans', args: ['bench/agent.ts', '--transport', 'grpc', '--shape', 'testbed', ...short, ...extra] },
  { name: 'sampler, backlog', args: ['bench/sampler.ts', '--mode', 'backlog', ...(quick ? ['--spans', '50000'] : [])] },
  { name: 'agent + sampler at a fixed rate', args: ['bench/sampler.ts', '--mode', 'rate', ...(quick ? ['--duration', '10'] : []), ...extra] },
  { name: 'the agent\'s spool', args: ['bench/spool.ts', ...(quick ? ['--seconds', '1', '--drain-records', '20000'] : [])] },
];

function run(args: string[], node: string[] = []): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...node, '--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

let failed = 0;
const out: string[] = [];
for (const r of RUNS) {
  process.stderr.write(`\n=== ${r.name}: tsx ${r.args.join(' ')}\n`);
  const { code, stdout } = await run(r.args, r.node);
  if (code !== 0) failed++;
  out.push(`### ${r.name}${code === 0 ? '' : ` (failed, exit ${code})`}\n${stdout.trim()}\n`);
}
process.stdout.write(`\n<!-- bench/all.ts, ${new Date().toISOString()}, ${await machine()} -->\n\n${out.join('\n')}`);
process.exit(failed === 0 ? 0 : 1);
