// Loads the OpenCensus agent .proto schemas (opencensus-proto v0.4.1) once, by
// reflection, and looks up the message types the codec uses. protobufjs bundles
// google/protobuf/timestamp.proto and wrappers.proto; the rest comes from the
// repository's proto/ folder.
//
// One change to the schemas as written: every `map<K, V> f = N` field becomes
// `repeated FEntry f = N` with `message FEntry { K key = 1; V value = 2; }`,
// which is exactly how the protobuf wire format defines a map. protobufjs would
// otherwise decode a map into a plain object, which reorders integer-like keys
// and drops a "__proto__" key; as a list of entries, wire order is kept and no
// key is special (types.ts keeps maps as arrays of entries for that reason).
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { PACKAGE_ROOT } from '../../package-root.js';

const PROTO_DIR = join(PACKAGE_ROOT, 'proto');

function entryTypeName(fieldName: string): string {
  return `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Entry`;
}

/** Replaces the map fields of `ns` and every type nested in it by repeated entry messages. */
function mapsToEntries(ns: protobuf.NamespaceBase): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) {
      for (const field of nested.fieldsArray) {
        if (!(field instanceof protobuf.MapField)) continue;
        const entry = new protobuf.Type(entryTypeName(field.name))
          .add(new protobuf.Field('key', 1, field.keyType))
          .add(new protobuf.Field('value', 2, field.type));
        nested.remove(field);
        nested.add(entry);
        nested.add(new protobuf.Field(field.name, field.id, entry.name, 'repeated'));
      }
    }
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) mapsToEntries(nested);
  }
}

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  // keepCase false: fields read as lowerCamelCase (start_time -> startTime),
  // matching types.ts; `samplingProbability` is written that way in the schema.
  root.loadSync(
    ['opencensus/proto/agent/trace/v1/trace_service.proto', 'opencensus/proto/agent/metrics/v1/metrics_service.proto'],
    { keepCase: false },
  );
  mapsToEntries(root);
  root.resolveAll();
  return root;
}

const root = loadRoot();

export const OcTraceRequestType = root.lookupType('opencensus.proto.agent.trace.v1.ExportTraceServiceRequest');
export const OcTraceResponseType = root.lookupType('opencensus.proto.agent.trace.v1.ExportTraceServiceResponse');
export const OcMetricsRequestType = root.lookupType('opencensus.proto.agent.metrics.v1.ExportMetricsServiceRequest');
export const OcMetricsResponseType = root.lookupType('opencensus.proto.agent.metrics.v1.ExportMetricsServiceResponse');
/** CurrentLibraryConfig; UpdatedLibraryConfig has the same fields and numbers. */
export const OcLibraryConfigType = root.lookupType('opencensus.proto.agent.trace.v1.CurrentLibraryConfig');
