// Loads Jaeger's api_v2 schemas (proto/jaeger/api_v2) once, by reflection, as
// the other protocols load theirs. protobufjs bundles the google/protobuf
// Timestamp and Duration they import.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PACKAGE_ROOT } from '../../package-root.js';

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PACKAGE_ROOT, 'proto', target);
  // keepCase false: operation_name reads as operationName, v_str as vStr.
  root.loadSync('jaeger/api_v2/collector.proto', { keepCase: false });
  root.resolveAll();
  return root;
}

const root = loadRoot();

export const PostSpansRequestType = root.lookupType('jaeger.api_v2.PostSpansRequest');
export const PostSpansResponseType = root.lookupType('jaeger.api_v2.PostSpansResponse');

/** The gRPC method a Jaeger collector serves on 14250. */
export const JAEGER_POST_SPANS_PATH = '/jaeger.api_v2.CollectorService/PostSpans';
