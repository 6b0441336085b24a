// What every service process shares: its logger, counters and readiness, the
// operator endpoints, and the way it starts and stops. SIGTERM or SIGINT
// stops it gracefully: not ready first, then every part closes in reverse
// start order within the shutdown deadline, then exit 0.
import { closeOnce, Group, type Component } from '../lifecycle.js';
import { PACKAGE_VERSION } from '../package-root.js';
import type { AdminSection, LogSection, ServiceSection } from '../config/sections.js';
import { startAdminEndpoints } from '../telemetry/admin-endpoints.js';
import { Health } from '../telemetry/health.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { Panels } from '../telemetry/panels.js';
import { Registry } from '../telemetry/stats.js';

export interface Runtime {
  service: string;
  log: Logger;
  registry: Registry;
  health: Health;
  /** Tables for the operator page beyond the counters. */
  panels: Panels;
}

export function version(): string {
  return PACKAGE_VERSION;
}

export function createRuntime(role: string, config: { service: ServiceSection; log: LogSection }): Runtime {
  const log = createLogger({ level: config.log.level, format: config.log.format, bindings: { service: role, instance: config.service.name } });
  return { service: role, log, registry: new Registry(), health: new Health(), panels: new Panels() };
}

/** Marks a part ready in the health report once started, and not ready once closing. */
export function tracked(rt: Runtime, part: Component): Component {
  return {
    name: part.name,
    start: async () => {
      rt.health.set(part.name, { ready: false, detail: 'starting' });
      await part.start();
      rt.health.set(part.name, { ready: true });
    },
    close: closeOnce(async () => {
      rt.health.set(part.name, { ready: false, detail: 'stopping' });
      await part.close();
    }),
  };
}

/** A start-up step with nothing to close, e.g. creating topics. */
export function step(name: string, run: () => Promise<void>): Component {
  return { name, start: run, close: async () => undefined };
}

export interface Service extends Component {
  runtime: Runtime;
}

/** The health, self-metrics and operator endpoints of the process, as a part to start first and close last. */
export function startAdmin(rt: Runtime, admin: AdminSection): Component {
  return startAdminEndpoints({ service: rt.service, version: version(), registry: rt.registry, health: rt.health, panels: rt.panels, endpoints: admin, logger: rt.log });
}

/** The service's parts, tracked for readiness, behind the operator endpoints. */
export function assemble(rt: Runtime, admin: AdminSection, parts: Component[]): Service {
  const endpoints = startAdmin(rt, admin);
  const group = new Group(rt.service, [endpoints, ...parts.map((p) => tracked(rt, p))]);
  return {
    name: rt.service,
    runtime: rt,
    start: () => group.start(),
    close: closeOnce(async () => {
      rt.health.markStopping();
      await group.close();
    }),
  };
}

/** Runs a service until SIGTERM or SIGINT; resolves with the exit code. */
export async function runUntilSignal(svc: Service, shutdownTimeoutMs: number): Promise<number> {
  const { log } = svc.runtime;
  try {
    await svc.start();
  } catch (err) {
    log.error('start-up failed', { err });
    await svc.close().catch(() => undefined);
    return 1;
  }
  log.info('started', { version: version() });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal, deadlineMs: shutdownTimeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs)));
  try {
    const outcome = await Promise.race([svc.close().then(() => 'closed' as const), deadline]);
    if (outcome === 'timeout') {
      log.error('shutdown deadline passed; exiting with work undrained', { deadlineMs: shutdownTimeoutMs });
      return 1;
    }
    log.info('stopped');
    return 0;
  } catch (err) {
    log.error('errors while stopping', { err });
    return 1;
  } finally {
    clearTimeout(timer);
  }
}
