// The in-memory decision store, for all-in-one mode and unit tests: the same
// decide-once contract as Redis within one process. Expiry is lazy (an expired
// decision is never returned) plus a periodic sweep that frees memory; the
// table is bounded by maxEntries, evicting the oldest decision first and
// counting each eviction, so memory stays bounded whatever the TTLs. Budget
// buckets are token buckets with the arithmetic of lua/take-tokens-1.lua.
import { closeOnce } from '../lifecycle.js';
import type { TraceId } from '../model/ids.js';
import { storeClosedError, storeNotStartedError, validateBudgetRequest, validateTtlMs } from './store-errors.js';
import type { BudgetRequest, Decision, DecisionStore } from './store.js';

export interface MemoryDecisionStoreOptions {
  name?: string;
  /** Most decisions held; beyond it the oldest is evicted (and counted). */
  maxEntries?: number;
  /** How often expired decisions are swept out of memory. */
  sweepIntervalMs?: number;
  /**
   * Decisions shared with other stores made with the same table, as two
   * samplers share one Redis (tests; several workers in one process).
   */
  table?: MemoryDecisionTable;
  /** Clock, ms since the epoch (tests). */
  nowMs?: () => number;
}

export interface MemoryStoreStats {
  entries: number;
  /** Decisions removed because the table was full, before their TTL. */
  evicted: number;
  /** Expired decisions removed. */
  expired: number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const DEFAULT_SWEEP_INTERVAL_MS = 30_000; // 30 seconds

interface Entry {
  decision: Decision;
  expiresAtMs: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** The decisions themselves; a Map keeps insertion order, which is oldest-first for eviction. */
export class MemoryDecisionTable {
  private readonly entries = new Map<TraceId, Entry>();
  private readonly buckets = new Map<string, Bucket>();
  private evicted = 0;
  private expired = 0;

  constructor(readonly maxEntries = DEFAULT_MAX_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  lookup(traceId: TraceId, nowMs: number): Decision | undefined {
    const entry = this.entries.get(traceId);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.decision;
    this.entries.delete(traceId);
    this.expired++;
    return undefined;
  }

  /** Records the decision unless one is in force; returns the one in force. */
  decide(traceId: TraceId, decision: Decision, expiresAtMs: number, nowMs: number): Decision {
    const existing = this.lookup(traceId, nowMs);
    if (existing !== undefined) return existing;
    this.entries.set(traceId, { decision: { ...decision }, expiresAtMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.evicted++;
    }
    return decision;
  }

  /** Refunds, refills and takes, as lua/take-tokens-1.lua does in Redis. */
  takeTokens(r: BudgetRequest, nowMs: number): number {
    let bucket = this.buckets.get(r.bucket);
    if (bucket === undefined) {
      bucket = { tokens: r.burst, atMs: nowMs };
      this.buckets.set(r.bucket, bucket);
    }
    if (nowMs > bucket.atMs) {
      bucket.tokens += ((nowMs - bucket.atMs) * r.ratePerSecond) / 1_000;
      bucket.atMs = nowMs;
    }
    bucket.tokens = Math.min(r.burst, bucket.tokens + r.refund);
    const granted = Math.max(0, Math.min(r.take, Math.floor(bucket.tokens)));
    bucket.tokens -= granted;
    return granted;
  }

  sweep(nowMs: number): void {
    for (const [traceId, entry] of this.entries) {
      if (entry.expiresAtMs <= nowMs) {
        this.entries.delete(traceId);
        this.expired++;
      }
    }
  }

  clear(): void {
    this.entries.clear();
    this.buckets.clear();
  }

  stats(): MemoryStoreStats {
    return { entries: this.entries.size, evicted: this.evicted, expired: this.expired };
  }
}

export class MemoryDecisionStore implements DecisionStore {
  readonly name: string;
  readonly close: () => Promise<void>;
  private readonly table: MemoryDecisionTable;
  private readonly ownsTable: boolean;
  private readonly sweepIntervalMs: number;
  private readonly nowMs: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(options: MemoryDecisionStoreOptions = {}) {
    this.name = options.name ?? 'memory-decision-store';
    this.ownsTable = options.table === undefined;
    this.table = options.table ?? new MemoryDecisionTable(options.maxEntries);
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.nowMs = options.nowMs ?? Date.now;
    this.close = closeOnce(async () => {
      this.closed = true;
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
      if (this.ownsTable) this.table.clear();
    });
  }

  async start(): Promise<void> {
    if (this.closed) throw storeClosedError(this.name);
    if (this.started) return;
    this.started = true;
    // Unref'd: the sweep only frees memory and must not keep a process alive.
    this.sweepTimer = setInterval(() => this.table.sweep(this.nowMs()), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  async decide(proposals: { traceId: TraceId; decision: Decision }[], ttlMs: number): Promise<Decision[]> {
    this.assertUsable();
    validateTtlMs(ttlMs);
    const nowMs = this.nowMs();
    return proposals.map(({ traceId, decision }) => ({ ...this.table.decide(traceId, decision, nowMs + ttlMs, nowMs) }));
  }

  async get(traceIds: TraceId[]): Promise<(Decision | undefined)[]> {
    this.assertUsable();
    const nowMs = this.nowMs();
    return traceIds.map((traceId) => {
      const decision = this.table.lookup(traceId, nowMs);
      return decision === undefined ? undefined : { ...decision };
    });
  }

  async takeBudgets(requests: BudgetRequest[]): Promise<number[]> {
    this.assertUsable();
    requests.forEach(validateBudgetRequest);
    const nowMs = this.nowMs();
    return requests.map((r) => this.table.takeTokens(r, nowMs));
  }

  stats(): MemoryStoreStats {
    return this.table.stats();
  }

  private assertUsable(): void {
    if (this.closed) throw storeClosedError(this.name);
    if (!this.started) throw storeNotStartedError(this.name);
  }
}
