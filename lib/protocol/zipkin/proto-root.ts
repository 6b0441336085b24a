// Loads Zipkin's proto3 schema (proto/zipkin/zipkin.proto) once, by reflection,
// as the OTLP codecs load theirs.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PACKAGE_ROOT } from '../../package-root.js';

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PACKAGE_ROOT, 'proto', target);
  // keepCase false: trace_id reads as traceId, local_endpoint as localEndpoint.
  root.loadSync('zipkin/zipkin.proto', { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();

export const ListOfSpansType = root.lookupType('zipkin.proto3.ListOfSpans');
