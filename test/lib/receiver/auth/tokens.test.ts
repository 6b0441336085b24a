// The tokens file: both shapes, strict validation whose messages name the
// file and the entry but never quote a token (not even YAML's own messages,
// which quote the offending line), constant-time matching against digests,
// and reload on change that keeps the previous tokens when the new file is
// unusable.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import YAML from 'yaml';
import { InvalidInputError } from '../../../../lib/errors.js';
import { matchToken, MIN_TOKEN_CHARS, parseTokens, TokensFile } from '../../../../lib/receiver/auth/tokens.js';

const A1 = 'acme-aaaaaaaaaaaaaaaa';
const A2 = 'acme-bbbbbbbbbbbbbbbb';
const G1 = 'globex-cccccccccccccccc';

const tenantsOf = (text: string) => {
  const tokens = parseTokens(text, 'tokens.yaml');
  return [A1, A2, G1, 'nobody-dddddddddddddd'].map((t) => matchToken(tokens, t));
};

function refusal(text: string): string {
  try {
    parseTokens(text, 'tokens.yaml');
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, String(err));
    assert.match(err.message, /^tokens file tokens\.yaml: /);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`);
}

test('a list of { tenant, token }, a map of tenant -> tokens (or one token) and JSON all name the same tenants', () => {
  const expected = ['acme', 'acme', 'globex', undefined];
  assert.deepEqual(tenantsOf(`- { tenant: acme, token: ${A1} }\n- { tenant: acme, token: ${A2} }\n- tenant: globex\n  token: ${G1}\n`), expected);
  assert.deepEqual(tenantsOf(`acme: [${A1}, ${A2}]\nglobex: ${G1}\n`), expected);
  assert.deepEqual(tenantsOf(JSON.stringify({ acme: [A1, A2], globex: [G1] })), expected);
  assert.deepEqual(tenantsOf(JSON.stringify([{ tenant: 'acme', token: A1 }, { tenant: 'acme', token: A2 }, { tenant: 'globex', token: G1 }])), expected);
});

test('an empty file has no tokens: every token is refused', () => {
  assert.deepEqual(parseTokens('', 'tokens.yaml'), []);
  assert.deepEqual(parseTokens('# nobody yet\n', 'tokens.yaml'), []);
});

test('a token matches whatever the whitespace around it in the file, and only exactly', () => {
  const tokens = parseTokens(`acme: [ "${A1}" ]`, 'tokens.yaml');
  assert.equal(matchToken(tokens, A1), 'acme');
  assert.equal(matchToken(tokens, A1.slice(0, -1)), undefined);
  assert.equal(matchToken(tokens, `${A1}x`), undefined);
  assert.equal(matchToken(tokens, A1.toUpperCase()), undefined);
  assert.equal(matchToken(tokens, ''), undefined);
});

test('bad files are refused naming the entry and the rule, never quoting a token', () => {
  const cases: [string, RegExp][] = [
    [`- { tenant: acme, token: ${A1}, extra: 1 }`, /entry 1 has unknown keys extra; allowed: tenant, token/],
    [`- ${A1}`, /entry 1 must be \{ tenant, token \}/],
    [`- { tenant: "ac me", token: ${A1} }`, /entry 1: tenant must be 1-64 letters/],
    // A token written where the tenant goes: its value is not repeated.
    [`- { tenant: "${A1}/+=", token: acme-eeeeeeeeeeeeeeee }`, /entry 1: tenant must be .* \(got 24 characters\)/],
    [`"${A1}/+=": acme-eeeeeeeeeeeeeeee`, /key 1, token 1: tenant must be/],
    [`acme: [${A1}, 42]`, /tenant "acme", token 2: token must be a string of printable ASCII/],
    [`acme: "${A1} with spaces"`, /token must be a string of printable ASCII without spaces/],
    [`acme: short-${'x'.repeat(MIN_TOKEN_CHARS - 7)}`, new RegExp(`token is shorter than ${MIN_TOKEN_CHARS} characters \\(make one with: openssl rand -hex 32\\)`)],
    [`acme: [${A1}]\nglobex: [${A1}]`, /the same token is given to tenants "acme" and "globex"/],
    [`acme: [${A1}\nglobex: ${G1}`, /not valid YAML or JSON at line \d+, column \d+$/],
    [`{ "acme": ["${A1}"], }x`, /not valid YAML or JSON/],
    [`"${A1}"`, /must be a list of \{ tenant, token \} or a map of tenant -> list of tokens/],
  ];
  for (const [text, expected] of cases) {
    const message = refusal(text);
    assert.match(message, expected, text);
    for (const token of [A1, G1]) assert.ok(!message.includes(token), `${message} quotes a token`);
  }
});

test('the same token twice for one tenant is kept once', () => {
  assert.equal(parseTokens(`acme: [${A1}, ${A1}]`, 'tokens.yaml').length, 1);
});

test('whatever the file holds, parsing throws only InvalidInputError, and its message never holds a token of the file', () => {
  const token = fc.string({ minLength: MIN_TOKEN_CHARS, maxLength: 40 }).filter((s) => s.trim().length >= MIN_TOKEN_CHARS);
  const entry = fc.record({ tenant: fc.oneof(fc.string(), token, fc.constant('acme')), token: fc.oneof(token, fc.string(), fc.integer()) });
  const document = fc.oneof(
    fc.array(entry, { maxLength: 4 }).map((entries) => ({ text: YAML.stringify(entries), tokens: entries.map((e) => e.token) })),
    fc.dictionary(fc.oneof(fc.string(), token), fc.array(token, { maxLength: 3 })).map((map) => ({ text: JSON.stringify(map), tokens: Object.values(map).flat() })),
    fc.tuple(token, fc.string(), fc.string()).map(([tk, before, after]) => ({ text: `${before}${tk}${after}`, tokens: [tk] })),
  );
  fc.assert(
    fc.property(document, ({ text, tokens }) => {
      try {
        parseTokens(text, 'tokens.yaml');
      } catch (err) {
        assert.ok(err instanceof InvalidInputError, String(err));
        for (const tk of tokens) if (typeof tk === 'string' && tk.length >= MIN_TOKEN_CHARS) assert.ok(!err.message.includes(tk), err.message);
      }
    }),
    { numRuns: 300 },
  );
});

function tempFile(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocsvc-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens.yaml');
  writeFileSync(file, text);
  return file;
}

test('TokensFile re-reads a changed file at most once per interval, and keeps the previous tokens when the new file is unusable', (t) => {
  const file = tempFile(t, `acme: [${A1}]\n`);
  const events: string[] = [];
  const tokens = new TokensFile(file, { checkIntervalMs: 1_000, onReload: (tenants, n) => events.push(`reload ${tenants}/${n}`), onError: (e) => events.push(e.message) }, 0);
  assert.equal(matchToken(tokens.get(0), A1), 'acme');

  writeFileSync(file, `acme: [${A2}]\nglobex: [${G1}]\n`);
  assert.equal(matchToken(tokens.get(999), A1), 'acme', 'not looked at within the interval');
  assert.equal(matchToken(tokens.get(1_000), A1), undefined);
  assert.equal(matchToken(tokens.get(1_000), A2), 'acme');
  assert.equal(matchToken(tokens.get(1_000), G1), 'globex');
  assert.deepEqual(events, ['reload 2/2']);

  writeFileSync(file, `acme: [${A1}, short]\n`);
  assert.equal(matchToken(tokens.get(2_000), A2), 'acme', 'an unusable file leaves the previous tokens in force');
  assert.match(events[1]!, /token 2: token is shorter/);
  assert.ok(!events[1]!.includes(A1));
  assert.equal(matchToken(tokens.get(3_000), A2), 'acme', 'and is reported once, not on every check');
  assert.equal(events.length, 2);

  unlinkSync(file);
  assert.equal(matchToken(tokens.get(4_000), G1), 'globex', 'a missing file leaves them in force too');
  assert.match(events[2]!, /cannot read the tokens file/);

  writeFileSync(file, `globex: [${G1}]\n`);
  assert.equal(matchToken(tokens.get(5_000), A2), undefined, 'a usable file again is applied');
  assert.equal(matchToken(tokens.get(5_000), G1), 'globex');
});

test('an unusable tokens file at start-up is an error naming the file', (t) => {
  assert.throws(() => new TokensFile(join(tmpdir(), 'no-such-dir-ocsvc', 'tokens.yaml')), /cannot read the tokens file .*tokens\.yaml/);
  const file = tempFile(t, `acme: ${A1}\nacme: ${A2}\n`);
  assert.throws(() => new TokensFile(file), (err: Error) => err instanceof InvalidInputError && !err.message.includes(A1) && err.message.includes(file));
});
