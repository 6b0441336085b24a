// Custom convict formats. Each one names what is allowed, so that a bad value
// reads as "key: problem (got value)" without a trip to the docs.
import convict from 'convict';
import { endpointProblem } from '../net/endpoint.js';

function fail(what: string): never {
  throw new Error(what);
}

function checkEndpoint(value: string): void {
  const problem = endpointProblem(value);
  if (problem !== undefined) fail(problem);
}

export const FORMATS = {
  endpoint: {
    name: 'endpoint',
    validate(value: unknown) {
      if (typeof value !== 'string') fail('must be a string host:port');
      checkEndpoint(value);
    },
  },
  /** Like endpoint, but '' turns the listener off. */
  'optional-endpoint': {
    name: 'optional-endpoint',
    validate(value: unknown) {
      if (typeof value !== 'string') fail('must be a string host:port, or "" to disable');
      if (value !== '') checkEndpoint(value);
    },
  },
  'broker-list': {
    name: 'broker-list',
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0) fail('must list at least one broker host:port');
      for (const b of value) {
        if (typeof b !== 'string') fail('each broker must be a string host:port');
        checkEndpoint(b);
      }
    },
    coerce: (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean),
  },
  /** Strict: convict's Boolean turns any string into true. */
  boolean: {
    name: 'boolean',
    validate(value: unknown) {
      if (typeof value !== 'boolean') fail('must be true or false');
    },
    coerce: (v: string) => (v === 'true' ? true : v === 'false' ? false : v),
  },
  'positive-int': {
    name: 'positive-int',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail('must be an integer >= 1');
    },
    coerce: (v: string) => Number(v),
  },
  'non-negative-int': {
    name: 'non-negative-int',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail('must be an integer >= 0');
    },
    coerce: (v: string) => Number(v),
  },
  'positive-number': {
    name: 'positive-number',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail('must be a number > 0');
    },
    coerce: (v: string) => Number(v),
  },
  url: {
    name: 'url',
    validate(value: unknown) {
      if (typeof value !== 'string') fail('must be a URL string');
      try {
        new URL(value);
      } catch {
        fail('must be an absolute URL, e.g. redis://127.0.0.1:6379');
      }
    },
  },
  'string-map': {
    name: 'string-map',
    validate(value: unknown) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('must be an object of string values');
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') fail(`value of "${k}" must be a string`);
    },
    coerce: (v: string) => JSON.parse(v) as unknown,
  },
} satisfies Record<string, convict.Format>;

let registered = false;
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  convict.addFormats(FORMATS);
}
