// The command line as operators use it: validate, version, usage errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function ocsvc(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OCSVC_')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/ocsvc.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ocsvc-cli-')), name);
  writeFileSync(path, text);
  return path;
}

test('version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = ocsvc('version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `ocsvc ${pkg.version}\n`);
});

test('validate names every service a valid file fits', () => {
  const r = ocsvc('validate', '--config', file('sampler.yaml', 'kafka:\n  brokers: [k:9092]\nredis:\n  url: redis://r:6379\n'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid configuration for sampler\n$/);
  const shared = ocsvc('validate', '--config', file('front.yaml', 'kafka:\n  brokers: [k:9092]\n'));
  assert.match(shared.stdout, /valid configuration for agent, ingester, sampler, exporter, replay\n$/);
});

test('validate of a bad file exits 1 and lists every problem of the closest service', () => {
  const r = ocsvc('validate', '--config', file('bad.yaml', 'kafka:\n  brokers: [k:9092]\n  partitions: 0\nredis:\n  url: nope\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /closest: sampler/);
  assert.match(r.stderr, /kafka\.partitions: must be an integer >= 1 \(got 0\)/);
  assert.match(r.stderr, /redis\.url: must be an absolute URL.*\(got "nope"\)/);
});

test('validate against a named service checks only that one', () => {
  const r = ocsvc('validate', '--service', 'agent', '--config', file('s.yaml', 'redis:\n  url: redis://r:6379\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /redis: unknown key/);
});

test('a service refuses to start on a bad configuration, naming the problem', () => {
  const r = ocsvc('agent', '--config', file('a.yaml', 'receivers:\n  otlp:\n    grpc:\n      endpoint: "nowhere"\n'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /receivers\.otlp\.grpc\.endpoint: must be host:port/);
});

test('unknown commands and missing arguments are usage errors (exit 2) with the usage', () => {
  const unknown = ocsvc('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"[\s\S]*Usage: ocsvc <command>/);
  assert.equal(ocsvc('validate').code, 2);
  assert.equal(ocsvc().code, 2);
  const help = ocsvc('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /all-in-one/);
});
