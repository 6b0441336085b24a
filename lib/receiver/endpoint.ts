// Receivers are configured with an OpenTelemetry-Collector-style endpoint
// string ('host:port'); this parses it once, at construction, so that a typo
// fails at start-up with a message that says what to write instead.
import { InvalidInputError } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses 'host:port', '[::1]:port' or ':port' (every interface). Port 0 asks the OS for a free port. */
export function parseEndpoint(endpoint: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(endpoint);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) {
    throw new InvalidInputError(
      `endpoint must be "host:port" (e.g. "0.0.0.0:4317", "[::1]:4317", "127.0.0.1:0"), got ${JSON.stringify(endpoint)}`,
      { code: 'INVALID_CONFIG' },
    );
  }
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}

/** host:port for gRPC targets and logs, with IPv6 hosts in brackets. */
export function formatEndpoint({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
