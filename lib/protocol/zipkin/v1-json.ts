// Zipkin v1 JSON (zipkin-api.yaml: the body of POST /api/v1/spans with
// application/json) -> V1Span. Annotations and binary annotations carry their
// own endpoints; v1-convert.ts turns them into v2 spans.
import { invalid, mapAt } from './errors.js';
import {
  array,
  boolean,
  endpoint,
  micros,
  object,
  parseJsonBody,
  spanId,
  string,
  traceId,
  typeOf,
} from './json-read.js';
import { MAX_MICROS, type V1Annotation, type V1BinaryAnnotation, type V1Span } from './types.js';

export function readV1Json(body: Uint8Array | string): V1Span[] {
  const root = parseJsonBody(body, 'Zipkin v1 JSON');
  if (!Array.isArray(root)) throw invalid('', `request must be a JSON array of spans, got ${typeOf(root)}`);
  return mapAt(root, '', spanFromJson);
}

function spanFromJson(v: unknown): V1Span {
  const o = object(v, '');
  if (o === undefined) throw invalid('', 'span must be an object, got null');
  const timestamp = micros(o.timestamp, 'timestamp');
  const duration = micros(o.duration, 'duration');
  if (timestamp + duration > MAX_MICROS) throw invalid('duration', 'timestamp + duration is beyond the year 2554');
  return {
    traceId: traceId(o.traceId, 'traceId'),
    id: spanId(o.id, 'id', true),
    parentId: spanId(o.parentId, 'parentId', false),
    name: string(o.name, 'name'),
    timestamp,
    duration,
    debug: boolean(o.debug, 'debug'),
    annotations: mapAt(array(o.annotations, 'annotations'), 'annotations', annotationFromJson),
    binaryAnnotations: mapAt(array(o.binaryAnnotations, 'binaryAnnotations'), 'binaryAnnotations', binaryFromJson).filter(
      (b): b is V1BinaryAnnotation => b !== undefined,
    ),
  };
}

function annotationFromJson(v: unknown): V1Annotation {
  const o = object(v, '');
  if (o === undefined) throw invalid('', 'annotation must be an object, got null');
  if (o.timestamp === undefined || o.timestamp === null) throw invalid('timestamp', 'is required');
  if (typeof o.value !== 'string') throw invalid('value', `must be a string, got ${typeOf(o.value)}`);
  return { timestamp: micros(o.timestamp, 'timestamp'), value: o.value, endpoint: endpoint(o.endpoint, 'endpoint') };
}

const ADDRESS_KEYS = new Set(['ca', 'sa', 'ma']);

/**
 * A string value is a tag. `true` under "ca", "sa" or "ma" with an endpoint is
 * an address annotation. Other booleans and numbers become their JSON text
 * (Zipkin drops them; a tag keeps what the client said). A binary annotation
 * without a value carries nothing and is skipped, as Zipkin does.
 */
function binaryFromJson(v: unknown): V1BinaryAnnotation | undefined {
  const o = object(v, '');
  if (o === undefined) throw invalid('', 'binary annotation must be an object, got null');
  if (typeof o.key !== 'string') throw invalid('key', `must be a string, got ${typeOf(o.key)}`);
  const ep = endpoint(o.endpoint, 'endpoint');
  const value = o.value;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { key: o.key, value, endpoint: ep };
  if (value === true && ep !== undefined && ADDRESS_KEYS.has(o.key)) return { key: o.key, value: undefined, endpoint: ep };
  if (typeof value === 'boolean' || typeof value === 'number') return { key: o.key, value: JSON.stringify(value), endpoint: ep };
  throw invalid('value', `must be a string, boolean or number, got ${typeOf(value)}`);
}
