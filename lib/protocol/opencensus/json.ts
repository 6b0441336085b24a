// OpenCensus JSON: the proto3 JSON mapping of ExportTraceServiceRequest and
// ExportMetricsServiceRequest, as the OpenCensus HTTP/JSON gateway
// (grpc-gateway) took it. Decoding accepts lowerCamelCase and the original
// snake_case field names, base64 bytes (standard or URL-safe, padded or not),
// 64-bit integers as strings or numbers, RFC 3339 Timestamps, wrappers as plain
// values, enums by name or number, "NaN"/"Infinity" doubles, and maps as JSON
// objects; null is absent and unknown fields are ignored. It throws only
// InvalidInputError, naming the JSON path (`spans[0].startTime: ...`).
// Encoding writes canonical proto3 JSON (lowerCamelCase, defaults left out),
// for tests, benchmarks and clients.
//
// One limit of JSON itself: a JSON object lists integer-like keys ("1", "2")
// first once parsed, so a map's entry order survives a JSON round trip only
// for other keys (protobuf keeps any order).
import { OcLanguage, type OcExportMetricsRequest, type OcExportTraceRequest, type OcNode } from './types.js';
import { guard } from '../decode-error.js';
import {
  enumJ,
  enumOf,
  list,
  listJ,
  numJ,
  parseJson,
  resourceFromJson,
  resourceToJson,
  str,
  stringMap,
  stringMapToJson,
  strJ,
  sub,
  time,
  timeToJson,
  uint32,
  type JsonObject,
} from './json-common.js';
import { metricFromJson, metricToJson } from './json-metrics.js';
import { spanFromJson, spanToJson } from './json-traces.js';

export function decodeTraceRequestJson(body: Uint8Array | string): OcExportTraceRequest {
  return guard(
    (o): OcExportTraceRequest => ({
      node: sub(o, nodeFromJson, 'node'),
      spans: list(o, spanFromJson, 'spans'),
      resource: sub(o, resourceFromJson, 'resource'),
    }),
    parseJson(body),
  );
}

export function decodeMetricsRequestJson(body: Uint8Array | string): OcExportMetricsRequest {
  return guard(
    (o): OcExportMetricsRequest => ({
      node: sub(o, nodeFromJson, 'node'),
      metrics: list(o, metricFromJson, 'metrics'),
      resource: sub(o, resourceFromJson, 'resource'),
    }),
    parseJson(body),
  );
}

export function encodeTraceRequestJson(request: OcExportTraceRequest): string {
  return JSON.stringify({
    node: nodeToJson(request.node),
    spans: listJ(request.spans, spanToJson),
    resource: resourceToJson(request.resource),
  });
}

export function encodeMetricsRequestJson(request: OcExportMetricsRequest): string {
  return JSON.stringify({
    node: nodeToJson(request.node),
    metrics: listJ(request.metrics, metricToJson),
    resource: resourceToJson(request.resource),
  });
}

function nodeFromJson(o: JsonObject): OcNode {
  return {
    identifier: sub(
      o,
      (id) => ({
        hostName: str(id, 'hostName', 'host_name'),
        pid: uint32(id, 'pid'),
        startTimestamp: time(id, 'startTimestamp', 'start_timestamp'),
      }),
      'identifier',
    ),
    libraryInfo: sub(
      o,
      (lib) => ({
        language: enumOf(lib, OcLanguage, 'language'),
        exporterVersion: str(lib, 'exporterVersion', 'exporter_version'),
        coreLibraryVersion: str(lib, 'coreLibraryVersion', 'core_library_version'),
      }),
      'libraryInfo',
      'library_info',
    ),
    serviceInfo: sub(o, (s) => ({ name: str(s, 'name') }), 'serviceInfo', 'service_info'),
    attributes: stringMap(o, 'attributes'),
  };
}

function nodeToJson(n: OcNode | undefined): JsonObject | undefined {
  if (n === undefined) return undefined;
  const { identifier: id, libraryInfo: lib } = n;
  return {
    identifier: id && { hostName: strJ(id.hostName), pid: numJ(id.pid), startTimestamp: timeToJson(id.startTimestamp) },
    libraryInfo: lib && {
      language: enumJ(lib.language, OcLanguage),
      exporterVersion: strJ(lib.exporterVersion),
      coreLibraryVersion: strJ(lib.coreLibraryVersion),
    },
    serviceInfo: n.serviceInfo && { name: strJ(n.serviceInfo.name) },
    attributes: stringMapToJson(n.attributes),
  };
}
