// The decision store's public face: the interface, both implementations, and
// one factory so that configuration picks an implementation by kind.
import { MemoryDecisionStore, type MemoryDecisionStoreOptions } from './memory-store.js';
import { RedisDecisionStore, type RedisDecisionStoreOptions } from './redis-store.js';
import type { DecisionStore } from './store.js';

export type { BudgetRequest, Decision, DecisionStore, Verdict } from './store.js';
export { MemoryDecisionStore, MemoryDecisionTable, type MemoryDecisionStoreOptions, type MemoryStoreStats } from './memory-store.js';
export { DEFAULT_KEY_PREFIX, LUA_DIR, RedisDecisionStore, decodeDecision, encodeDecision, type RedisDecisionStoreOptions } from './redis-store.js';

export type DecisionStoreOptions = ({ kind: 'memory' } & MemoryDecisionStoreOptions) | ({ kind: 'redis' } & RedisDecisionStoreOptions);
export type DecisionStoreKind = DecisionStoreOptions['kind'];

export function createDecisionStore(options: DecisionStoreOptions): DecisionStore {
  switch (options.kind) {
    case 'memory':
      return new MemoryDecisionStore(options);
    case 'redis':
      return new RedisDecisionStore(options);
  }
}
