// Answers in plain text, as the Zipkin and Jaeger collectors give them:
// 202 with no body once the data is accepted; the reason in text otherwise,
// with Retry-After when trying again later may pass; 413 and 415 close the
// connection rather than drain an upload that will not be used.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Outcome } from '../pipeline/consumer.js';
import { readBody, type BodyBounds } from './body.js';
import { send } from './http-server.js';
import { httpStatusFor, outcomeMessage, retryAfterSeconds } from './outcome.js';

const TEXT = 'text/plain; charset=utf-8';

/** 415 naming the Content-Type that was sent and what to use instead; the body is left unread. */
export function unsupportedContentType(req: IncomingMessage, res: ServerResponse, where: string, use: string): void {
  send(res, 415, TEXT, `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}${where}; use ${use}\n`, { connection: 'close' });
}

/** The request's body, decompressed within `bounds`; undefined once the problem was answered (or the client went away). */
export async function readBodyOrAnswer(req: IncomingMessage, res: ServerResponse, bounds: BodyBounds): Promise<Uint8Array | undefined> {
  const body = await readBody(req, bounds);
  if (body.ok) return body.body;
  if (body.status !== 'aborted') send(res, body.status, TEXT, `${body.message}\n`, body.status === 413 ? { connection: 'close' } : {});
  return undefined;
}

export function answerOutcome(res: ServerResponse, outcome: Outcome): void {
  if (outcome.status === 'ok') {
    send(res, 202, TEXT, '');
    return;
  }
  const message = `${outcomeMessage(outcome)}\n`;
  if (outcome.status === 'rejected') {
    send(res, httpStatusFor(outcome), TEXT, message);
    return;
  }
  send(res, httpStatusFor(outcome), TEXT, message, { 'retry-after': String(retryAfterSeconds(outcome.retryAfterMs)) });
}
