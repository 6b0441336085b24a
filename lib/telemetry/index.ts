// The telemetry toolkit every service wires up: self-metrics, health, logging
// and the operator endpoints.
export { Registry, type ComponentStats, type Sample, type Signal } from './stats.js';
export { createLogger, serializeError, LOG_LEVELS, type Fields, type Logger, type LoggerOptions, type LogFormat, type LogLevel } from './log.js';
export { rateLimited, type RateLimitOptions } from './rate-limited-log.js';
export { renderPrometheus, escapeLabelValue, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export { processCollector } from './process-collector.js';
export { Health, type Check, type CheckState, type HealthReport } from './health.js';
export { AdminServer, DEFAULT_ADMIN_HOST, json, text, type AdminServerOptions, type Reply, type Route, type Routes } from './admin-server.js';
export { buildStatus, type ComponentStatus, type MetricTable, type OperatorStatus, type SignalCounts, type StatusSource } from './operator-status.js';
export { renderOperatorPage } from './operator-page.js';
export { Panels, type Panel } from './panels.js';
export {
  startAdminEndpoints,
  DEFAULT_ADMIN_ENDPOINTS,
  type AdminEndpointKind,
  type AdminEndpoints,
  type AdminEndpointsOptions,
} from './admin-endpoints.js';
