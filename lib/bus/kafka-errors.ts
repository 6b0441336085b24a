// KafkaJS errors, translated once into ours, so that callers see one error
// model whichever bus they use: UnavailableError (try again later: broker
// down, leader moving, timeouts, rebalances) unless trying again can never
// help (a record the broker will never take: InvalidInputError).
import { InvalidInputError, OcsvcError, UnavailableError } from '../errors.js';

interface KafkaJsLike {
  name?: string;
  type?: string;
  message?: string;
  cause?: unknown;
}

// Broker error types a retry can never fix.
const INVALID_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_REQUIRED_ACKS']);
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);

/** The broker error types along the cause chain, outermost first. */
function types(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as KafkaJsLike | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as KafkaJsLike, depth++) {
    if (typeof e.type === 'string') out.push(e.type);
  }
  return out;
}

export function isRebalancing(err: unknown): boolean {
  return types(err).some((t) => REBALANCING.has(t));
}

// The broker no longer accepts this producer's ID, epoch or sequence numbers.
const PRODUCER_FENCED = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING']);

export function isProducerFenced(err: unknown): boolean {
  return types(err).some((t) => PRODUCER_FENCED.has(t));
}

// KafkaJS errors of a cluster that is starting, restarting or moving things
// around: trying again later helps, even where KafkaJS calls them final
// (KafkaJSGroupCoordinatorNotFound is "non-retriable" to KafkaJS).
const TRANSIENT_NAMES = new Set([
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSStaleTopicMetadataAssignment',
]);
// Broker refusals a retry cannot fix.
const FATAL_TYPES = new Set(['GROUP_AUTHORIZATION_FAILED', 'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED', 'INVALID_GROUP_ID', 'INCONSISTENT_GROUP_PROTOCOL', 'INVALID_SESSION_TIMEOUT']);

/** Whether waiting and trying again may help: a cluster starting or moving, not a refusal. */
export function isTransient(err: unknown): boolean {
  if (types(err).some((t) => FATAL_TYPES.has(t))) return false;
  for (let e = err as KafkaJsLike & { retriable?: boolean } | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as KafkaJsLike, depth++) {
    if (e.retriable === true || (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name))) return true;
  }
  return false;
}

export function isUnknownTopic(err: unknown): boolean {
  return types(err).includes('UNKNOWN_TOPIC_OR_PARTITION');
}

/** Wrong SASL credentials: KafkaJS's error along the cause chain, or the broker's refusal. */
export function isAuthenticationFailure(err: unknown): boolean {
  if (types(err).includes('SASL_AUTHENTICATION_FAILED')) return true;
  for (let e = err as KafkaJsLike | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as KafkaJsLike, depth++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
  }
  return false;
}

export function toBusError(err: unknown, what: string): OcsvcError {
  if (err instanceof OcsvcError) return err;
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  // Trying again with the same credentials cannot help, and a loop of them may lock the user out.
  if (isAuthenticationFailure(err)) {
    return new OcsvcError('BUS_AUTHENTICATION_FAILED', `${message} (check kafka.sasl.username and the password from kafka.sasl.passwordFile or OCSVC_KAFKA_SASL_PASSWORD)`, {
      cause: err,
    });
  }
  const found = types(err);
  const invalid = found.find((t) => INVALID_RECORD.has(t));
  if (invalid !== undefined) return new InvalidInputError(message, { cause: err, code: `BUS_${invalid}` });
  if (found.includes('UNKNOWN_TOPIC_OR_PARTITION')) return new UnavailableError(message, { cause: err, code: 'BUS_UNKNOWN_TOPIC' });
  if (found.some((t) => REBALANCING.has(t))) return new UnavailableError(message, { cause: err, code: 'BUS_REBALANCING' });
  return new UnavailableError(message, { cause: err, code: 'BUS_UNAVAILABLE' });
}
