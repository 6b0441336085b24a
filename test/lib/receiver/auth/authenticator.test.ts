// The Authenticator's verdicts on Authorization values: the tenant of a right
// token, each refusal with its reason (counted by component and reason) and a
// message that never holds the token, anonymous callers when tokens are not
// required, and the RFC 6750 challenge of each refusal.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AUTH_FAILURES, Authenticator, bearerChallenge, type AuthVerdict } from '../../../../lib/receiver/auth/authenticator.js';
import { Registry } from '../../../../lib/telemetry/stats.js';

const ACME = 'acme-0123456789abcdef';

function authenticator(t: TestContext, required: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tokensFile = join(dir, 'tokens.yaml');
  writeFileSync(tokensFile, `acme: [${ACME}]\n`);
  const registry = new Registry();
  return { auth: new Authenticator({ tokensFile, required, registry }), registry };
}

const refused = (v: AuthVerdict) => (v.ok ? 'ok' : v.reason);

test('a right bearer token gives its tenant, whatever the case of the scheme and the spaces around the token', (t) => {
  const { auth, registry } = authenticator(t, true);
  for (const value of [`Bearer ${ACME}`, `bearer ${ACME}`, `BEARER  ${ACME} `]) {
    assert.deepEqual(auth.check(value, 'otlp/http'), { ok: true, caller: { tenant: 'acme' } }, value);
  }
  assert.equal(registry.total(AUTH_FAILURES), 0);
});

test('missing, malformed and unknown tokens are refused with their reason, counted by component and reason, the token never in the message', (t) => {
  const { auth, registry } = authenticator(t, true);
  const cases: [string | undefined, string][] = [
    [undefined, 'missing'],
    ['', 'missing'],
    [`Basic ${ACME}`, 'malformed'],
    [ACME, 'malformed'],
    [`Bearer ${ACME} extra`, 'malformed'],
    [`Bearer ${ACME}x`, 'unknown_token'],
    ['Bearer not-a-known-token-at-all', 'unknown_token'],
  ];
  for (const [value, reason] of cases) {
    const verdict = auth.check(value, 'zipkin');
    assert.equal(refused(verdict), reason, String(value));
    if (!verdict.ok) assert.ok(!verdict.message.includes(ACME), verdict.message);
  }
  assert.equal(registry.total(AUTH_FAILURES, { component: 'zipkin', reason: 'missing' }), 2);
  assert.equal(registry.total(AUTH_FAILURES, { component: 'zipkin', reason: 'malformed' }), 3);
  assert.equal(registry.total(AUTH_FAILURES, { component: 'zipkin', reason: 'unknown_token' }), 2);
});

test('with required: false no token means an anonymous caller, but a token that is sent must be right', (t) => {
  const { auth, registry } = authenticator(t, false);
  assert.deepEqual(auth.check(undefined, 'otlp/grpc'), { ok: true, caller: {} });
  assert.deepEqual(auth.check(`Bearer ${ACME}`, 'otlp/grpc'), { ok: true, caller: { tenant: 'acme' } });
  assert.equal(refused(auth.check('Bearer wrong-0123456789abcdef', 'otlp/grpc')), 'unknown_token');
  assert.equal(registry.total(AUTH_FAILURES), 1);
});

test('the challenge of a 401: no error code without credentials, invalid_token otherwise (RFC 6750 section 3)', (t) => {
  const { auth } = authenticator(t, true);
  const challenge = (value: string | undefined) => {
    const v = auth.check(value, 'x');
    assert.ok(!v.ok);
    return bearerChallenge(v);
  };
  assert.equal(challenge(undefined), 'Bearer realm="ocsvc"');
  assert.equal(challenge('Bearer unknown-0123456789abcdef'), 'Bearer realm="ocsvc", error="invalid_token"');
  assert.equal(challenge('Basic abc'), 'Bearer realm="ocsvc", error="invalid_token"');
});
