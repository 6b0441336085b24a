// Loads the OTLP .proto schemas once, by reflection, and looks up the message
// types the codecs use. The schemas live in the repository's proto/ folder,
// found by walking up from this file, so the same code works from source (tsx)
// and from the compiled dist/ tree.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const MARKER = join('proto', 'opentelemetry', 'proto', 'common', 'v1', 'common.proto');

function findProtoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, MARKER))) return join(dir, 'proto');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${MARKER} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const PROTO_DIR = findProtoDir();

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    ],
    { keepCase: false },
  );
  root.resolveAll();
  return root;
}

const root = loadRoot();

// ExportTraceServiceRequest and TracesData are the same on the wire; the
// request type is used for both.
export const TraceRequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
export const TraceResponseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
export const MetricsRequestType = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
);
export const MetricsResponseType = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
);
export const TracesDataType = root.lookupType('opentelemetry.proto.trace.v1.TracesData');
export const MetricsDataType = root.lookupType('opentelemetry.proto.metrics.v1.MetricsData');
