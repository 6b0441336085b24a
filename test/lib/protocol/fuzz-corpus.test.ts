// The decoder regression corpus, test/fuzz-corpus/<decoder id>/*.bin: the
// seeds of scripts/fuzz-seeds.ts and every input a fuzz run found crashing a
// decoder. Each one, replayed through its decoder, must decode or be refused
// with InvalidInputError and a message, as the receivers need; and every
// directory must name a decoder, so that renaming one cannot silently drop
// its regressions.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../../lib/errors.js';
import { CORPUS_DIR, DECODER_IDS, DECODERS, decodesOrKeeps, isDecoderId, isRejection } from '../../helpers/fuzz-corpus.js';

/** What is wrong with the layout of a corpus directory: names that are not decoders, files that are not inputs. */
function layoutProblems(dir: string): string[] {
  const problems: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) problems.push(`${entry.name}: only one directory per decoder belongs here`);
    else if (!isDecoderId(entry.name)) problems.push(`${entry.name}/: no decoder has this id (renamed? move its files to the new id)`);
    else {
      for (const file of readdirSync(join(dir, entry.name))) {
        if (!file.endsWith('.bin')) problems.push(`${entry.name}/${file}: inputs are .bin files`);
      }
    }
  }
  return problems;
}

function inputsOf(id: string): string[] {
  const dir = join(CORPUS_DIR, id);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')).sort() : [];
}

describe('the decoder regression corpus', () => {
  it('holds one directory per registered decoder and nothing else', () => {
    assert.deepEqual(layoutProblems(CORPUS_DIR), []);
  });

  it('finds a directory that names no decoder, and a stray file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ocsvc-corpus-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'otlp-traces-proto'));
    writeFileSync(join(dir, 'otlp-traces-proto', 'a.bin'), '');
    mkdirSync(join(dir, 'otlp-trace-proto'));
    writeFileSync(join(dir, 'otlp-traces-proto', 'notes.txt'), '');
    assert.deepEqual(layoutProblems(dir), ['otlp-trace-proto/: no decoder has this id (renamed? move its files to the new id)', 'otlp-traces-proto/notes.txt: inputs are .bin files']);
  });

  it('has seeds for every decoder', () => {
    const empty = DECODER_IDS.filter((id) => inputsOf(id).length === 0);
    assert.deepEqual(empty, [], 'run `npx tsx scripts/fuzz-seeds.ts` after adding a decoder');
  });

  for (const id of DECODER_IDS) {
    it(`${id}: every input decodes or is refused with InvalidInputError and a message`, () => {
      const crashes: string[] = [];
      for (const file of inputsOf(id)) {
        try {
          DECODERS[id](readFileSync(join(CORPUS_DIR, id, file)));
        } catch (err) {
          if (!isRejection(err)) crashes.push(`${file}: ${err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : String(err)}`);
        }
      }
      assert.deepEqual(crashes, []);
    });
  }
});

describe('decodesOrKeeps', () => {
  const withCorpus = (t: { after: (fn: () => void) => void }): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ocsvc-corpus-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('gives what the decoder gives, and undefined when it refuses with InvalidInputError', (t) => {
    const dir = withCorpus(t);
    assert.deepEqual(decodesOrKeeps('otlp-traces-proto', new Uint8Array()), { resourceSpans: [] });
    assert.equal(decodesOrKeeps('otlp-traces-proto', Uint8Array.from([0x0a, 0xff]), { dir }), undefined);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('keeps what crashes a decoder under <corpus>/<id>/<sha256 prefix>.bin and fails naming the file', (t) => {
    const dir = withCorpus(t);
    const input = Buffer.from('crash me');
    const crash = (): never => {
      throw new TypeError('cannot read properties of undefined');
    };
    assert.throws(
      () => decodesOrKeeps('zipkin-v2-json', input, { dir, run: crash }),
      /decoder zipkin-v2-json threw TypeError: cannot read properties of undefined on 8 bytes .*kept as .*zipkin-v2-json\/[0-9a-f]{12}\.bin: commit it with the fix/,
    );
    const kept = readdirSync(join(dir, 'zipkin-v2-json'));
    assert.equal(kept.length, 1);
    assert.deepEqual(readFileSync(join(dir, 'zipkin-v2-json', kept[0]!)), input);
  });

  it('takes InvalidInputError without a message for a crash', (t) => {
    const dir = withCorpus(t);
    assert.throws(() => decodesOrKeeps('jaeger-postspans-proto', Buffer.from('x'), { dir, run: () => { throw new InvalidInputError(''); } }), /InvalidInputError without a message/);
    assert.equal(readdirSync(join(dir, 'jaeger-postspans-proto')).length, 1);
  });

  it('keeps only the smallest crashing input of a run per decoder, as fast-check shrinks', (t) => {
    const dir = withCorpus(t);
    const crash = (): never => {
      throw new RangeError('Maximum call stack size exceeded');
    };
    for (const input of ['a longer input', 'shorter', 'longest input of them all', 'tiny']) {
      assert.throws(() => decodesOrKeeps('oc-traces-json', input, { dir, run: crash }));
    }
    assert.deepEqual(
      readdirSync(join(dir, 'oc-traces-json')).map((f) => readFileSync(join(dir, 'oc-traces-json', f), 'utf8')),
      ['tiny'],
    );
  });
});
