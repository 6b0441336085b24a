// Listeners, brokers and admin endpoints are configured with an
// OpenTelemetry-Collector-style endpoint string ('host:port'). One grammar for
// all of them, so that config validation accepts exactly what the components
// can bind to; the problem texts say what to write instead, because config
// validation shows them to users as "key: problem (got value)".
import { InvalidInputError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface EndpointOptions {
  /** The host for ':port'; receivers listen on every interface, admin endpoints on loopback. */
  defaultHost?: string;
}

const ENDPOINT = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/;

// The host is undefined for ':port', so that each caller picks its own default.
function read(value: string): { host: string | undefined; port: number } | { problem: string } {
  const match = ENDPOINT.exec(value);
  if (!match) return { problem: 'must be host:port, e.g. 0.0.0.0:4317' };
  const port = Number(match[3]);
  if (port > 65_535) return { problem: 'port must be within 0-65535' };
  return { host: match[1] ?? (match[2] || undefined), port };
}

/** Why `value` is not an endpoint ("must be ..."), or undefined when it is one. */
export function endpointProblem(value: string): string | undefined {
  const result = read(value);
  return 'problem' in result ? result.problem : undefined;
}

/**
 * Parses 'host:port', '[::1]:port' or ':port' (the default host, 0.0.0.0
 * unless the caller says otherwise). Port 0 asks the OS for a free port.
 */
export function parseEndpoint(value: string, options: EndpointOptions = {}): HostPort {
  const result = read(value);
  if ('problem' in result) {
    throw new InvalidInputError(`endpoint ${JSON.stringify(value)}: ${result.problem}`, { code: 'INVALID_ENDPOINT' });
  }
  return { host: result.host ?? options.defaultHost ?? '0.0.0.0', port: result.port };
}

/** host:port for gRPC targets, URLs and logs, with IPv6 hosts in brackets. */
export function formatEndpoint({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
