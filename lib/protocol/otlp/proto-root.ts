// Loads the OTLP .proto schemas once, by reflection, and looks up the message
// types the codecs use. The schemas live in the repository's proto/ folder,
// under the package root (lib/package-root.ts).
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PACKAGE_ROOT } from '../../package-root.js';

export const PROTO_DIR = join(PACKAGE_ROOT, 'proto');

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
