// Readiness of a service, assembled from named checks that its components set
// (the bus once connected, a receiver once listening). Orchestrators route
// traffic by `ready`; `live` only says the process still answers.

export interface Check {
  ready: boolean;
  /** Why not ready, or what it is connected to; shown on the operator page. */
  detail?: string;
}

export interface CheckState extends Check {
  /** Failed for good (not just not ready yet); set by fail(). */
  failed?: boolean;
}

export interface HealthReport {
  status: 'ready' | 'not ready';
  ready: boolean;
  components: Record<string, CheckState>;
  /** Present once markStopping() was called. */
  stopping?: true;
}

export class Health {
  private readonly checks = new Map<string, CheckState>();
  private stopping = false;

  set(name: string, check: Check): void {
    this.checks.set(name, { ready: check.ready, ...(check.detail === undefined ? {} : { detail: check.detail }) });
  }

  /** A component broke and will not recover by itself; the service stays not ready until set() again. */
  fail(name: string, detail: string): void {
    this.checks.set(name, { ready: false, failed: true, detail });
  }

  remove(name: string): void {
    this.checks.delete(name);
  }

  /** Called at the start of a graceful stop, so that load balancers stop sending before the ports close. */
  markStopping(): void {
    this.stopping = true;
  }

  /**
   * Ready when at least one check is registered, all are ready and none
   * failed. Nothing registered means the service is still wiring itself up.
   */
  get ready(): boolean {
    if (this.stopping || this.checks.size === 0) return false;
    for (const check of this.checks.values()) if (!check.ready || check.failed) return false;
    return true;
  }

  /** The process answers; there is no state in which a running service is not live. */
  get live(): boolean {
    return true;
  }

  report(): HealthReport {
    const ready = this.ready;
    const components: Record<string, CheckState> = {};
    for (const [name, check] of [...this.checks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      components[name] = { ...check };
    }
    return { status: ready ? 'ready' : 'not ready', ready, components, ...(this.stopping ? { stopping: true as const } : {}) };
  }
}
