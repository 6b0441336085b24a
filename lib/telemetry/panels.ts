// Panels: tables a service adds to its operator page beyond the counters, such
// as the sampler's last decisions. A panel is rendered as a table on the page,
// listed (columns and rows) in /api/status, and served whole, with its
// structured data, at /api/panels. Providers are called on each request, so
// a panel always shows the current state.

export interface Panel {
  /** Stable identifier, e.g. "sampler-decisions". */
  id: string;
  title: string;
  help: string;
  columns: string[];
  rows: (string | number | boolean)[][];
  /** The same content as objects, for /api/panels. */
  data: unknown;
}

export class Panels {
  private readonly providers = new Map<string, () => Panel>();

  /** Registers a panel; returns a function that removes it. */
  add(id: string, provider: () => Panel): () => void {
    this.providers.set(id, provider);
    return () => {
      if (this.providers.get(id) === provider) this.providers.delete(id);
    };
  }

  list(): Panel[] {
    return [...this.providers.values()].map((provide) => provide());
  }
}
