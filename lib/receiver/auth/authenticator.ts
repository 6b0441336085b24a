// Bearer-token authentication, shared by every receiver of a service
// (receivers.auth): HTTP requests carry `Authorization: Bearer <token>`, gRPC
// calls the metadata `authorization: Bearer <token>`. The token names the
// tenant (tokens.ts), which goes with the data (ReceiveContext.tenant, then
// the ocsvc.tenant header on published records).
//
// Failures are answered 401 with `WWW-Authenticate: Bearer` or UNAUTHENTICATED
// by the servers (http-server.ts, grpc-server.ts, the OpenCensus gateway) and
// counted in ocsvc_receiver_auth_failures_total{component, reason}. Neither
// the answer, the counter nor any log line carries the token.
//
// required: false lets requests without a token through without a tenant
// (anonymous), so that clients can move to tokens one by one; a token that is
// sent but unknown is refused either way, as a misconfigured client should
// hear about it rather than lose its tenant.
import type { Logger } from '../../telemetry/log.js';
import type { Registry } from '../../telemetry/stats.js';
import { matchToken, TokensFile } from './tokens.js';

/** Who sent a request, as far as the receivers know. */
export interface Caller {
  /** The tenant of the caller's token; absent for anonymous callers (auth off, or not required). */
  tenant?: string;
}

export const AUTH_FAILURE_REASONS = ['missing', 'malformed', 'unknown_token'] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export type AuthVerdict = { ok: true; caller: Caller } | { ok: false; reason: AuthFailureReason; message: string };

export const AUTH_FAILURES = 'ocsvc_receiver_auth_failures_total';
const AUTH_FAILURES_HELP = 'Requests and calls refused for a missing, malformed or unknown bearer token, by component and reason.';

export interface AuthenticatorOptions {
  /** YAML or JSON file of tenants and their tokens (tokens.ts); re-read when it changes. */
  tokensFile: string;
  /** Refuse requests without a token (true), or let them through anonymous (false). */
  required: boolean;
  registry: Registry;
  log?: Logger;
  /** How often, at most, the tokens file is looked at for changes; default 1 s. */
  checkIntervalMs?: number;
}

const ANONYMOUS: AuthVerdict = { ok: true, caller: {} };
// RFC 6750 section 2.1: the scheme is case-insensitive; the token is one word.
const BEARER = /^Bearer +(\S+) *$/i;

export class Authenticator {
  readonly required: boolean;
  private readonly tokens: TokensFile;
  private readonly registry: Registry;

  /** Reads the tokens file now; throws InvalidInputError (naming the file, never a token) when unusable. */
  constructor(o: AuthenticatorOptions) {
    this.required = o.required;
    this.registry = o.registry;
    const log = o.log?.child({ component: 'auth' });
    this.tokens = new TokensFile(o.tokensFile, {
      checkIntervalMs: o.checkIntervalMs,
      onReload: (tenants, tokens) => log?.info('tokens file reloaded', { file: o.tokensFile, tenants, tokens }),
      onError: (err) => log?.error('tokens file not applied; keeping the previous tokens', { err }),
    });
  }

  /**
   * Checks the value of an Authorization header (or authorization metadata;
   * undefined when absent) for `component`, counting a failure.
   */
  check(authorization: string | undefined, component: string): AuthVerdict {
    const verdict = this.verdict(authorization);
    if (!verdict.ok) this.registry.add(AUTH_FAILURES, AUTH_FAILURES_HELP, { component, reason: verdict.reason }, 1);
    return verdict;
  }

  private verdict(authorization: string | undefined): AuthVerdict {
    if (authorization === undefined || authorization === '') {
      return this.required ? { ok: false, reason: 'missing', message: 'a bearer token is required: send Authorization: Bearer <token>' } : ANONYMOUS;
    }
    const match = BEARER.exec(authorization);
    if (match === null) return { ok: false, reason: 'malformed', message: 'the Authorization header must be "Bearer <token>"' };
    const tenant = matchToken(this.tokens.get(), match[1]!);
    if (tenant === undefined) return { ok: false, reason: 'unknown_token', message: 'the bearer token is not valid' };
    return { ok: true, caller: { tenant } };
  }
}

/** The WWW-Authenticate challenge of a 401 (RFC 6750 section 3). */
export function bearerChallenge(verdict: Extract<AuthVerdict, { ok: false }>): string {
  // A request without credentials gets no error code (section 3.1).
  return verdict.reason === 'missing' ? 'Bearer realm="ocsvc"' : 'Bearer realm="ocsvc", error="invalid_token"';
}
