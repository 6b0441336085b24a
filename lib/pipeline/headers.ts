// Headers on every record ocsvc publishes: where the data came from. Topics
// carry plain OTLP protobuf, so other tools can read them; these are extra.
export const HEADER = {
  protocol: 'ocsvc.protocol',
  sender: 'ocsvc.sender',
  receivedAtMs: 'ocsvc.received_at_ms',
  /** The tenant of the client's bearer token (receivers.auth); absent when anonymous. */
  tenant: 'ocsvc.tenant',
} as const;
