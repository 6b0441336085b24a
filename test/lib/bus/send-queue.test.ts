// The send queue keeps one produce request in flight and coalesces the calls
// that wait for it (see lib/bus/send-queue.ts for why KafkaJS needs this).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnavailableError } from '../../../lib/errors.js';
import { SendQueue, type QueuedMessages } from '../../../lib/bus/send-queue.js';

function controlled() {
  const sends: { batch: QueuedMessages<string>[]; settle: (err?: unknown) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const queue = new SendQueue<string>({
    maxRequestBytes: 100,
    timeoutMs: 60_000,
    toError: (err) => err,
    send: (batch) =>
      new Promise<void>((resolve, reject) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        sends.push({ batch, settle: (err) => (inFlight--, err ? reject(err) : resolve()) });
      }),
  });
  return { queue, sends, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

test('calls that arrive while a send is in flight go together in the next send, never two at once', async () => {
  const { queue, sends, maxInFlight } = controlled();
  const first = queue.push('a', ['1'], 1);
  await tick();
  const rest = [queue.push('a', ['2'], 1), queue.push('b', ['3'], 1), queue.push('a', ['4'], 1)];
  await tick();
  assert.equal(sends.length, 1, 'the others wait');
  sends[0]!.settle();
  await first;
  await tick();
  assert.equal(sends.length, 2);
  assert.deepEqual(sends[1]!.batch.map((w) => [w.topic, w.messages]), [['a', ['2']], ['b', ['3']], ['a', ['4']]]);
  sends[1]!.settle();
  await Promise.all(rest);
  assert.equal(maxInFlight(), 1);
});

test('a request stops growing at maxRequestBytes, and one larger call goes alone', async () => {
  const { queue, sends } = controlled();
  const p = [queue.push('t', ['big'], 500), queue.push('t', ['x'], 60), queue.push('t', ['y'], 60)];
  for (let i = 0; i < 3; i++) {
    await tick();
    sends[i]!.settle();
  }
  await Promise.all(p);
  assert.deepEqual(sends.map((s) => s.batch.map((w) => w.messages[0])), [['big'], ['x'], ['y']]);
});

test('a failed send rejects exactly its own callers; the next send goes ahead', async () => {
  const { queue, sends } = controlled();
  const failing = queue.push('t', ['1'], 1);
  await tick();
  const later = queue.push('t', ['2'], 1);
  sends[0]!.settle(new UnavailableError('broker down'));
  await assert.rejects(failing, /broker down/);
  await tick();
  sends[1]!.settle();
  await later;
});

test('callers are answered retryable at the timeout, but the next send waits for the late one to settle', async () => {
  let settleLate: () => void = () => undefined;
  let sends = 0;
  const queue = new SendQueue<string>({
    maxRequestBytes: 100,
    timeoutMs: 20,
    toError: (err) => err,
    send: () => {
      sends++;
      return sends === 1 ? new Promise<void>((resolve) => (settleLate = resolve)) : Promise.resolve();
    },
  });
  const slow = queue.push('t', ['1'], 1);
  await assert.rejects(slow, (err) => err instanceof UnavailableError && err.code === 'BUS_TIMEOUT');
  const next = queue.push('t', ['2'], 1);
  await tick();
  assert.equal(sends, 1, 'no second send while the first is still in flight');
  settleLate();
  await next;
  assert.equal(sends, 2);
});
