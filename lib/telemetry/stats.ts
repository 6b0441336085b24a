// Self-metrics. Every component counts the items (spans or data points) it
// received, sent, refused (pushed back to the sender, who may retry) and
// dropped (lost for good, always with a reason). The operator page and
// /metrics render the same snapshot.

export type Signal = 'traces' | 'metrics';

export interface ComponentStats {
  readonly component: string;
  readonly kind: string;
  received(n: number, signal?: Signal): void;
  sent(n: number, signal?: Signal): void;
  refused(n: number, reason: string, signal?: Signal): void;
  dropped(n: number, reason: string, signal?: Signal): void;
}

export interface Sample {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels: Record<string, string>;
  value: number;
}

type Collector = () => Sample[];

const COUNTER_HELP = {
  received: 'Items (spans or data points) received by the component.',
  sent: 'Items the component handed on and saw acknowledged.',
  refused: 'Items pushed back to the sender with a retryable error, by reason.',
  dropped: 'Items lost for good, by reason.',
} as const;
type CounterName = keyof typeof COUNTER_HELP;

export class Registry {
  private readonly counters = new Map<string, Sample>();
  private readonly components = new Map<string, ComponentStats>();
  private readonly collectors: Collector[] = [];

  component(component: string, kind: string): ComponentStats {
    const existing = this.components.get(component);
    if (existing) return existing;
    const add = (name: CounterName, n: number, signal: Signal | undefined, reason?: string) => {
      const labels: Record<string, string> = { component, kind };
      if (signal) labels.signal = signal;
      if (reason !== undefined) labels.reason = reason;
      this.add(`ocsvc_component_${name}_items_total`, COUNTER_HELP[name], labels, n);
    };
    const stats: ComponentStats = {
      component,
      kind,
      received: (n, signal) => add('received', n, signal),
      sent: (n, signal) => add('sent', n, signal),
      refused: (n, reason, signal) => add('refused', n, signal, reason),
      dropped: (n, reason, signal) => add('dropped', n, signal, reason),
    };
    this.components.set(component, stats);
    return stats;
  }

  /** Adds to a counter identified by name and labels. */
  add(name: string, help: string, labels: Record<string, string>, n: number): void {
    const id = `${name}${JSON.stringify(labels)}`;
    const sample = this.counters.get(id);
    if (sample) sample.value += n;
    else this.counters.set(id, { name, help, type: 'counter', labels, value: n });
  }

  /**
   * A counter with fixed labels, for hot paths: the label set is looked up
   * once, here, instead of on every add. The series appears at its first add.
   */
  counter(name: string, help: string, labels: Record<string, string>): (n: number) => void {
    const id = `${name}${JSON.stringify(labels)}`;
    let sample = this.counters.get(id);
    return (n) => {
      if (sample === undefined) {
        sample = this.counters.get(id) ?? { name, help, type: 'counter', labels, value: 0 };
        this.counters.set(id, sample);
      }
      sample.value += n;
    };
  }

  /** Registers a function whose samples are read at every snapshot (gauges such as consumer lag). */
  collect(collector: Collector): () => void {
    this.collectors.push(collector);
    return () => {
      const i = this.collectors.indexOf(collector);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  componentNames(): { component: string; kind: string }[] {
    return [...this.components.values()].map(({ component, kind }) => ({ component, kind }));
  }

  snapshot(): Sample[] {
    const out = [...this.counters.values()].map((s) => ({ ...s, labels: { ...s.labels } }));
    for (const collect of this.collectors) {
      try {
        out.push(...collect());
      } catch {
        // A failing collector must not take the metrics endpoint down.
      }
    }
    return out;
  }

  /** Total of one counter name across label sets matching `where`. */
  total(name: string, where: Record<string, string> = {}): number {
    let sum = 0;
    for (const s of this.counters.values()) {
      if (s.name !== name) continue;
      if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
    return sum;
  }
}
