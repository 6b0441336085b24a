// The configuration reference, rendered from the schemas.
import { BACKEND_TYPES } from './backends.js';
import { POLICY_TYPES } from './policies.js';
import { leaves, type Leaf } from './load.js';
import { SERVICE_NAMES, type ServiceName } from './schemas.js';

const INTRO = `# Configuration reference

Generated from the schemas by \`npm run docs:config\`; do not edit by hand.

Every service reads, in increasing precedence: the defaults below, a YAML or
JSON file (\`--config FILE\` or \`OCSVC_CONFIG\`), then environment variables.
Validation is strict: an unknown key, a value of the wrong type or out of range
stops the service at start-up with every problem listed, each as
\`key.path: problem (got value)\`. \`ocsvc validate --config FILE\` checks a file
without starting anything and names the services it is valid for.

A file mirrors the key paths:

\`\`\`yaml
kafka:
  brokers: [kafka-1:9092, kafka-2:9092]
receivers:
  otlp:
    grpc:
      endpoint: 0.0.0.0:4317
\`\`\`

The variable of a key is \`OCSVC_\` and its path in upper snake case
(\`receivers.otlp.grpc.maxRecvMsgBytes\` is \`OCSVC_RECEIVERS_OTLP_GRPC_MAX_RECV_MSG_BYTES\`).
Lists are comma-separated (\`OCSVC_KAFKA_BROKERS=a:9092,b:9092\`); the backends
and sampling policy lists and header maps are JSON.
`;

const BACKENDS = `## Backends

\`exporter.backends\` is a list; each entry has a unique \`name\` (it names the
consumer group \`<groupPrefix>-<name>\`, the counters and log lines), a \`type\`
(${BACKEND_TYPES.join(', ')}), and \`signals\` (every signal the type carries by default:
\`[traces, metrics]\`, or \`[traces]\` for jaeger and zipkin).

| type | keys | notes |
|---|---|---|
| otlp | endpoint (host:port, required), insecure (default false: TLS), caFile, certFile + keyFile (mutual TLS), headers, compression (gzip, none), timeoutMs | OTLP/gRPC |
| otlphttp | endpoint (http(s) base URL, required; /v1/traces and /v1/metrics are appended), encoding (proto, json), compression, headers, timeoutMs, caFile, certFile + keyFile (https only) | OTLP/HTTP |
| file | path (required), rotateBytes (0: never), maxBackups (0: all), fsync | OTLP JSON lines, one export request per line |
| debug | verbosity (basic, normal, detailed) | to the log |
| opencensus | endpoint (host:port or gRPC target, required), insecure (default false: TLS), caFile, certFile + keyFile (mutual TLS), headers, compression (default gzip), numStreams (default 1), timeoutMs (default 10000), acknowledgements (response, none) | OpenCensus agent protocol, long-lived Export streams; see below |
| jaeger | endpoint (host:port or gRPC target of a collector's port 14250, required), insecure (default false: TLS), caFile, certFile + keyFile (mutual TLS), headers, compression (default none), timeoutMs (default 10000) | Jaeger gRPC CollectorService.PostSpans (api_v2); traces only; mapping in docs/protocols.md |
| zipkin | endpoint (http(s) URL of the spans endpoint, required; a URL without a path gets /api/v2/spans), encoding (json, proto; default json), compression (default gzip), headers, timeoutMs (default 10000), caFile, certFile + keyFile (https only) | Zipkin v2 API, traces only; spans mapped as the OpenTelemetry specification says (docs/protocols.md) |

\`\`\`yaml
exporter:
  backends:
    - { name: tempo, type: otlp, endpoint: "tempo:4317", insecure: true }
    - { name: archive, type: file, path: /var/lib/ocsvc/spans.jsonl, signals: [traces] }
    - { name: legacy, type: opencensus, endpoint: "otelcol:55678", insecure: true, acknowledgements: none }
    - { name: jaeger, type: jaeger, endpoint: "jaeger-collector:14250", insecure: true }
    - { name: zipkin, type: zipkin, endpoint: "http://zipkin:9411/api/v2/spans" }
\`\`\`

\`opencensus\` keeps \`numStreams\` streams per signal open and uses them in
turn, so that many exports can be in flight. With \`acknowledgements: response\`
(the default) an export is done only when the server has written one response
per message, as an ocsvc receiver does once the data is in Kafka. The
OpenCensus Service and the OpenTelemetry Collector's opencensus receiver never
write responses: use \`none\` for them, where an export is done once written
and the stream has not failed within 250 ms. That is at most
once: data such a server loses after that is not sent again.

TLS (docs/security.md): gRPC types use TLS unless \`insecure: true\`; HTTP
types when the URL is https://. \`caFile\` is the CA that signed the server's
certificate (default: the system roots); \`certFile\` and \`keyFile\` a client
certificate for mutual TLS. All three are re-read when they change, for new
connections. \`headers\` values may take secrets from \`\${env:NAME}\`
and \`\${file:/path}\`; \`authorization\` must:
\`headers: { authorization: "Bearer \${env:TEMPO_TOKEN}" }\`.

Defaults: the exporter sends both signals to an OTLP/gRPC backend at
\`127.0.0.1:14317\` (plaintext); all-in-one writes them to
\`./data/ocsvc-telemetry.jsonl\` and logs them (debug, verbosity normal).

In the environment: \`OCSVC_EXPORTER_BACKENDS='[{"name":"tempo","type":"otlp","endpoint":"tempo:4317","insecure":true}]'\`.
`;

const POLICIES = `## Sampling policies

\`sampler.policies\` is the OpenTelemetry Collector's tail_sampling \`policies\`
list, in the same shape, so a Collector configuration carries over: each entry
has a \`name\` (unique among its siblings; letters, digits and \`_ . : @ -\`), a
\`type\` (${POLICY_TYPES.join(', ')}) and, under a key named like the type, that
type's settings. [sampling.md](sampling.md) describes every type, how the votes
make one decision, and where ocsvc differs from the Collector.

| type | keys (required in bold) |
|---|---|
| always_sample | none |
| latency | **threshold_ms**, upper_threshold_ms (0: none) |
| numeric_attribute | **key**, min_value and/or max_value, invert_match |
| string_attribute | **key**, **values**, enabled_regex_matching, cache_max_size (128), invert_match |
| boolean_attribute | **key**, **value**, invert_match |
| status_code | **status_codes** (OK, ERROR, UNSET) |
| probabilistic | **sampling_percentage** (0-100), hash_salt (default \`default-hash-seed\`) |
| rate_limiting | **spans_per_second** (shared by every sampler) |
| bytes_limiting | **bytes_per_second**, burst_capacity (2 × bytes_per_second) |
| span_count | **min_spans**, max_spans (0: none) |
| trace_state | **key**, **values** |
| trace_flags | none |
| and | **and_sub_policy**: a list of the types above |
| drop | **drop_sub_policy**: a list of the types above |
| composite | **max_total_spans_per_second**, **composite_sub_policy** (the types above and \`and\`), policy_order, rate_allocation: [{policy, percent}] |

\`\`\`yaml
sampler:
  policies:
    - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
    - { name: slow, type: latency, latency: { threshold_ms: 2000 } }
    - { name: some-of-the-rest, type: probabilistic, probabilistic: { sampling_percentage: 5 } }
    - name: no-health-checks
      type: drop
      drop: { drop_sub_policy: [ { name: health, type: string_attribute, string_attribute: { key: url.path, values: [/health, /ready] } } ] }
\`\`\`

In the environment: \`OCSVC_SAMPLER_POLICIES='[{"name":"errors","type":"status_code","status_code":{"status_codes":["ERROR"]}}]'\`.
`;

function show(value: unknown, path = ''): string {
  if (value === '') return '`""`';
  if (path === 'sampler.policies') return 'always_sample; see [Sampling policies](#sampling-policies)';
  if (Array.isArray(value) && value.some((v) => typeof v === 'object')) return 'see [Backends](#backends)';
  const text = Array.isArray(value) ? value.join(',') : String(value);
  return `\`${text}\``;
}

export function renderConfigDocs(): string {
  const bySection = new Map<string, Map<string, { leaf: Leaf; services: ServiceName[]; defaults: Map<string, ServiceName[]> }>>();
  for (const service of SERVICE_NAMES) {
    for (const leaf of leaves(service)) {
      const section = leaf.path.split('.')[0]!;
      const keys = bySection.get(section) ?? new Map();
      bySection.set(section, keys);
      const entry = keys.get(leaf.path) ?? { leaf, services: [], defaults: new Map() };
      keys.set(leaf.path, entry);
      entry.services.push(service);
      const d = show(leaf.path === 'service.name' ? `${service}-<hostname>` : leaf.default, leaf.path);
      entry.defaults.set(d, [...(entry.defaults.get(d) ?? []), service]);
    }
  }
  const parts = [INTRO, '## Which sections each service reads\n', '| service | sections |', '|---|---|'];
  for (const service of SERVICE_NAMES) {
    const sections = [...new Set(leaves(service).map((l) => l.path.split('.')[0]))];
    parts.push(`| ${service} | ${sections.join(', ')} |`);
  }
  for (const [section, keys] of bySection) {
    parts.push('', `## ${section}`, '', '| key | default | variable | description |', '|---|---|---|---|');
    for (const [path, { leaf, defaults }] of keys) {
      const def =
        defaults.size === 1
          ? [...defaults.keys()][0]!
          : [...defaults].map(([d, services]) => `${d} (${services.join(', ')})`).join('<br>');
      parts.push(`| \`${path}\` | ${def} | \`${leaf.env}\` | ${leaf.doc.replace(/\|/g, '\\|')} |`);
    }
  }
  parts.push('', BACKENDS, POLICIES);
  return `${parts.join('\n')}\n`;
}
