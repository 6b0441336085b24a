// One error base for the whole project: a stable `code` that logs and tests can
// match, the `cause`, and whether trying again may succeed.

export class OcsvcError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OcsvcError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Input that can never be accepted as it is: malformed, too large, wrong type. */
export class InvalidInputError extends OcsvcError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'INVALID_INPUT', message, { cause: options.cause, retryable: false });
    this.name = 'InvalidInputError';
  }
}

/** A dependency (Kafka, a backend, a full buffer) refused for now; try again later. */
export class UnavailableError extends OcsvcError {
  readonly retryAfterMs: number;
  /** Out of room (a full buffer, a limit) rather than a dependency down: clients see RESOURCE_EXHAUSTED / 429. */
  readonly exhausted: boolean;
  constructor(message: string, options: { cause?: unknown; code?: string; retryAfterMs?: number; exhausted?: boolean } = {}) {
    super(options.code ?? 'UNAVAILABLE', message, { cause: options.cause, retryable: true });
    this.name = 'UnavailableError';
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.exhausted = options.exhausted ?? false;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
