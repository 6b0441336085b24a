// The ingester: the collector's network front door, for apps and agents that
// cannot reach Kafka. Today it runs the agent's receivers and publisher; TLS,
// authentication and per-tenant limits are what will set it apart.
import { buildAgent } from '../agent/agent.js';
import type { IngesterConfig } from '../lib/config/schemas.js';
import type { Service } from '../lib/service/runtime.js';

export function buildIngester(config: IngesterConfig): Service {
  return buildAgent(config, 'ingester');
}
