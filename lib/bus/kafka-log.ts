// KafkaJS logs through a logCreator; this one sends its lines to our logger
// (one JSON line each), at warn and above unless asked for more. KafkaJS is
// chatty at info (every join, every fetcher) and logs some errors that we
// handle ourselves, so the level is the first filter, and a few known lines
// that are expected by design are dropped.
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../telemetry/log.js';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

// Expected by design, not worth an operator's attention:
const EXPECTED = [
  // We bound the idempotent producer's retries so that a down broker fails a produce in bounded time.
  'Limiting retries for the idempotent producer',
];

/**
 * KafkaJS logs at error level what it retries as a matter of routine: every
 * error response of a broker (a leader moving, a group rebalancing, a topic
 * that already exists) and every retried send. What is not recovered from
 * reaches our callers as an error, so these lines go to debug; losing the
 * connection to a broker stays a warning.
 */
function levelFor(namespace: string, message: string, fields: Record<string, unknown>, level: logLevel): logLevel {
  if (namespace === 'Connection' && message.startsWith('Response ')) return logLevel.DEBUG;
  if (namespace === 'Producer' && 'retryCount' in fields) return logLevel.DEBUG;
  if (namespace === 'Runner' && message.startsWith('The group is rebalancing')) return logLevel.INFO;
  if (namespace === 'Connection' || namespace === 'BrokerPool') return Math.max(level, logLevel.WARN);
  return level;
}

export function kafkaLogLevel(level: KafkaLogLevel): logLevel {
  return LEVELS[level];
}

export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log as { message: string; timestamp?: string; logger?: string };
    if (EXPECTED.some((text) => message.startsWith(text))) return;
    const line = `kafkajs: ${message}`;
    const all = { kafkajs: namespace, ...fields };
    const effective = levelFor(namespace, message, fields, level);
    if (effective <= logLevel.ERROR) logger.error(line, all);
    else if (effective <= logLevel.WARN) logger.warn(line, all);
    else if (effective <= logLevel.INFO) logger.info(line, all);
    else logger.debug(line, all);
  };
}
