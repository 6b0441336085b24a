// The tag keys through which Jaeger carries what the model has fields for,
// from the OpenTelemetry specification's Jaeger and non-OTLP mappings and
// the OpenTelemetry Collector's jaeger translator, and the one key of our own.

export const JaegerAttr = {
  /** Process.serviceName <-> resource attribute. */
  serviceName: 'service.name',
  /** client, server, producer, consumer, internal <-> Span.kind. */
  spanKind: 'span.kind',
  /** bool true: an ERROR status (OpenTracing's convention, what jaeger clients write). */
  error: 'error',
  /** "OK" or "ERROR" (OpenTelemetry's exporters). */
  statusCode: 'otel.status_code',
  statusDescription: 'otel.status_description',
  /** The W3C tracestate header's value. */
  traceState: 'w3c.tracestate',
  scopeName: 'otel.scope.name',
  scopeVersion: 'otel.scope.version',
  /** What OpenTelemetry called the scope before 1.10; read, never written. */
  libraryName: 'otel.library.name',
  libraryVersion: 'otel.library.version',
  droppedAttributesCount: 'otel.dropped_attributes_count',
  droppedEventsCount: 'otel.dropped_events_count',
  droppedLinksCount: 'otel.dropped_links_count',
  /** On links: "child_of" or "follows_from", the reference's type. */
  refType: 'opentracing.ref_type',
  /** The log field that names an event. */
  event: 'event',
  /**
   * Span.flags when it has bits besides sampled (debug 2, firehose 8): the
   * model keeps only the W3C sampled bit, which Jaeger's bit 1 is. Ours; only
   * written when needed, so that a round trip keeps the debug flag.
   */
  flags: 'jaeger.flags',
} as const;

export const SPAN_KIND_NAMES = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const REF_TYPE_NAMES = ['child_of', 'follows_from'] as const;
