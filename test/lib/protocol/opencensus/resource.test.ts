// OpenCensus Node/Resource <-> model Resource: each row of RESOURCE_MAPPING,
// the markers that make the round trip exact (and their absence for a typical
// Node), a resource from an OpenTelemetry SDK, and exactness for any input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AnyValue, KeyValue, Resource } from '../../../../lib/model/index.js';
import { decodeTracesProto, encodeTracesProto } from '../../../../lib/protocol/otlp/index.js';
import {
  formatTime,
  OC_RESOURCE_KEYS,
  parseTime,
  RESOURCE_MAPPING,
  resourceFromOc,
  resourceToOc,
} from '../../../../lib/protocol/opencensus/resource.js';
import type { OcNode, OcResource } from '../../../../lib/protocol/opencensus/types.js';
import { textArb } from '../../../helpers/arbitraries.js';
import { ocNode, ocResource } from '../../../helpers/opencensus-arbitraries.js';

const str = (value: string): AnyValue => ({ kind: 'string', value });
const int = (value: bigint): AnyValue => ({ kind: 'int', value });
const list = (...values: string[]): AnyValue => ({ kind: 'array', value: values.map(str) });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

const T = 1_546_300_800_123_456_789n; // 2019-01-01T00:00:00.123456789Z

function node(over: Partial<OcNode> = {}): OcNode {
  return { identifier: undefined, libraryInfo: undefined, serviceInfo: undefined, attributes: [], ...over };
}
const identifier = (hostName = '', pid = 0, startTimestamp: bigint | undefined = undefined) => ({ hostName, pid, startTimestamp });
const libraryInfo = (language = 0, coreLibraryVersion = '', exporterVersion = '') => ({ language, exporterVersion, coreLibraryVersion });

/** Asserts the attributes, then that they give back exactly the same Node and Resource. */
function check(n: OcNode | undefined, r: OcResource | undefined, attributes: KeyValue[]): void {
  const model = resourceFromOc(n, r);
  assert.deepStrictEqual(model, { attributes, droppedAttributesCount: 0 });
  assert.deepStrictEqual(resourceToOc(model), { node: n, resource: r });
}

describe('OpenCensus resource: one attribute per field (RESOURCE_MAPPING)', () => {
  const languages = ['cpp', 'dotnet', 'erlang', 'go', 'java', 'nodejs', 'php', 'python', 'ruby', 'webjs'];
  const cases: [string, OcNode | undefined, OcResource | undefined, KeyValue[]][] = [
    ['service_info.name -> service.name', node({ serviceInfo: { name: 'cart' } }), undefined, [kv('service.name', str('cart'))]],
    ['identifier.host_name -> host.name', node({ identifier: identifier('h1') }), undefined, [kv('host.name', str('h1'))]],
    ['identifier.pid -> process.pid (int)', node({ identifier: identifier('', 0xffff_ffff) }), undefined, [kv('process.pid', int(0xffff_ffffn))]],
    [
      'identifier.start_timestamp -> opencensus.starttime (RFC 3339, nanoseconds)',
      node({ identifier: identifier('', 0, T) }),
      undefined,
      [kv('opencensus.starttime', str('2019-01-01T00:00:00.123456789Z'))],
    ],
    ...languages.map((name, i): [string, OcNode, undefined, KeyValue[]] => [
      `library_info.language ${i + 1} -> telemetry.sdk.language ${name}`,
      node({ libraryInfo: libraryInfo(i + 1) }),
      undefined,
      [kv('telemetry.sdk.language', str(name))],
    ]),
    ['an unknown language number -> opencensus.language', node({ libraryInfo: libraryInfo(42) }), undefined, [kv('opencensus.language', int(42n))]],
    ['library_info.core_library_version -> telemetry.sdk.version', node({ libraryInfo: libraryInfo(0, '0.24.0') }), undefined, [kv('telemetry.sdk.version', str('0.24.0'))]],
    ['library_info.exporter_version -> opencensus.exporterversion', node({ libraryInfo: libraryInfo(0, '', '0.6.0') }), undefined, [kv('opencensus.exporterversion', str('0.6.0'))]],
    ['resource.type -> opencensus.resourcetype', undefined, { type: 'k8s', labels: [] }, [kv('opencensus.resourcetype', str('k8s'))]],
    [
      'resource.labels -> string attributes with their own keys, in order',
      undefined,
      { type: '', labels: [{ key: 'zone', value: 'b' }, { key: 'az', value: 'a' }] },
      [kv('zone', str('b')), kv('az', str('a'))],
    ],
    [
      'node.attributes -> string attributes, listed in opencensus.nodeattributes',
      node({ attributes: [{ key: 'zone', value: 'a' }] }),
      { type: '', labels: [{ key: 'zone', value: 'b' }] },
      [kv('zone', str('a')), kv('zone', str('b')), kv('opencensus.nodeattributes', list('zone'))],
    ],
  ];
  for (const [name, n, r, attributes] of cases) it(name, () => check(n, r, attributes));

  it('RESOURCE_MAPPING names each field once and each key once', () => {
    assert.equal(new Set(RESOURCE_MAPPING.map((r) => r.key)).size, RESOURCE_MAPPING.length);
    assert.equal(new Set(RESOURCE_MAPPING.map((r) => r.field)).size, RESOURCE_MAPPING.length);
  });
});

describe('OpenCensus resource: markers only where the attributes cannot tell', () => {
  it('a Node from a real library gives clean semantic-convention attributes and no marker', () => {
    const javaNode = node({
      identifier: identifier('api-7f9c', 4242, T),
      libraryInfo: libraryInfo(5, '0.31.1', '0.31.1'),
      serviceInfo: { name: 'checkout' },
    });
    const model = resourceFromOc(javaNode, { type: 'k8s', labels: [{ key: 'k8s.pod.name', value: 'api-7f9c' }] });
    assert.deepStrictEqual(
      model.attributes.map((a) => a.key),
      ['service.name', 'host.name', 'process.pid', 'opencensus.starttime', 'telemetry.sdk.language', 'telemetry.sdk.version', 'opencensus.exporterversion', 'opencensus.resourcetype', 'k8s.pod.name'],
    );
  });

  const cases: [string, OcNode | undefined, OcResource | undefined, KeyValue[]][] = [
    ['absent Node and Resource -> no attributes', undefined, undefined, []],
    ['an empty Node -> opencensus.present ["node"]', node(), undefined, [kv('opencensus.present', list('node'))]],
    [
      'empty identifier, library_info and service_info are listed',
      node({ identifier: identifier(), libraryInfo: libraryInfo(), serviceInfo: { name: '' } }),
      undefined,
      [kv('opencensus.present', list('identifier', 'library_info', 'service_info'))],
    ],
    [
      'a message that shows through one field needs no marker, its empty fields read back as defaults',
      node({ identifier: identifier('h', 0, undefined) }),
      undefined,
      [kv('host.name', str('h'))],
    ],
    ['an empty Resource -> opencensus.present ["resource"]', undefined, { type: '', labels: [] }, [kv('opencensus.present', list('resource'))]],
    [
      'a node attribute named service.name beside the service name: counted by key',
      node({ serviceInfo: { name: 'svc' }, attributes: [{ key: 'service.name', value: 'attr' }] }),
      undefined,
      [kv('service.name', str('svc')), kv('service.name', str('attr')), kv('opencensus.nodeattributes', list('service.name'))],
    ],
    [
      'a node attribute named service.name without a service: not taken for the service',
      node({ attributes: [{ key: 'service.name', value: 'attr' }] }),
      undefined,
      [kv('service.name', str('attr')), kv('opencensus.nodeattributes', list('service.name'))],
    ],
    [
      'a label named host.name (an OpenCensus resource key) -> listed in opencensus.resourcelabels',
      node({ identifier: identifier('h1') }),
      { type: 'host', labels: [{ key: 'host.name', value: 'h2' }] },
      [kv('host.name', str('h1')), kv('opencensus.resourcetype', str('host')), kv('host.name', str('h2')), kv('opencensus.resourcelabels', list('host.name'))],
    ],
    [
      'labels named like the markers stay labels',
      undefined,
      { type: '', labels: [{ key: 'opencensus.present', value: 'x' }, { key: 'opencensus.nodeattributes', value: 'y' }] },
      [
        kv('opencensus.present', str('x')),
        kv('opencensus.nodeattributes', str('y')),
        kv('opencensus.resourcelabels', list('opencensus.present', 'opencensus.nodeattributes')),
      ],
    ],
  ];
  for (const [name, n, r, attributes] of cases) it(name, () => check(n, r, attributes));
});

describe('OpenCensus resource: a resource from elsewhere (an OpenTelemetry SDK) gives a sensible Node', () => {
  it('reads the semantic conventions into the Node and makes the rest labels', () => {
    const otel: Resource = {
      attributes: [
        kv('service.name', str('frontend')),
        kv('telemetry.sdk.language', str('nodejs')),
        kv('telemetry.sdk.name', str('opentelemetry')),
        kv('telemetry.sdk.version', str('1.30.0')),
        kv('host.name', str('web-1')),
        kv('process.pid', int(31n)),
        kv('process.runtime.version', str('20.19.0')),
        kv('host.cpus', int(8n)),
      ],
      droppedAttributesCount: 3, // no OpenCensus field: lost
    };
    assert.deepStrictEqual(resourceToOc(otel), {
      node: {
        identifier: { hostName: 'web-1', pid: 31, startTimestamp: undefined },
        libraryInfo: { language: 6, exporterVersion: '', coreLibraryVersion: '1.30.0' },
        serviceInfo: { name: 'frontend' },
        attributes: [],
      },
      resource: {
        type: '',
        labels: [
          { key: 'telemetry.sdk.name', value: 'opentelemetry' },
          { key: 'process.runtime.version', value: '20.19.0' },
          { key: 'host.cpus', value: '8' },
        ],
      },
    });
  });

  it('keeps values a field cannot hold as labels (a language without a number, a pid of the wrong type)', () => {
    const { node: n, resource: r } = resourceToOc({
      attributes: [kv('telemetry.sdk.language', str('rust')), kv('process.pid', str('12')), kv('tags', { kind: 'array', value: [str('a'), int(1n)] })],
      droppedAttributesCount: 0,
    });
    assert.equal(n, undefined);
    assert.deepStrictEqual(r?.labels, [
      { key: 'telemetry.sdk.language', value: 'rust' },
      { key: 'process.pid', value: '12' },
      { key: 'tags', value: '["a",1]' },
    ]);
  });

  it('an empty resource gives neither Node nor Resource', () => {
    assert.deepStrictEqual(resourceToOc({ attributes: [], droppedAttributesCount: 0 }), { node: undefined, resource: undefined });
  });
});

describe('OpenCensus resource: times as RFC 3339', () => {
  const cases: [bigint, string][] = [
    [0n, '1970-01-01T00:00:00Z'],
    [T, '2019-01-01T00:00:00.123456789Z'],
    [1_546_300_800_120_000_000n, '2019-01-01T00:00:00.12Z'],
    [-1n, '1969-12-31T23:59:59.999999999Z'],
    [-62_135_596_800n * 1_000_000_000n, '0001-01-01T00:00:00Z'],
    [2n ** 63n - 1n, '2262-04-11T23:47:16.854775807Z'],
    [253_402_300_800n * 1_000_000_000n, '253402300800000000000'], // year 10000: decimal nanoseconds
  ];
  for (const [ns, text] of cases) {
    it(`${ns} ns <-> ${text}`, () => {
      assert.equal(formatTime(ns), text);
      assert.equal(parseTime(text), ns);
    });
  }
  it('reads offsets and rejects what is not a time', () => {
    assert.equal(parseTime('2019-01-01T01:00:00.5+01:00'), 1_546_300_800_500_000_000n);
    assert.equal(parseTime('yesterday'), undefined);
    assert.equal(parseTime('2019-01-01 00:00:00Z'), undefined);
  });
});

// ---- properties ----

const reservedKeyArb = fc.constantFrom(...Object.values(OC_RESOURCE_KEYS), 'zone');
const keyArb = fc.oneof(textArb, reservedKeyArb);
/** Entries whose keys may repeat and may be any key the mapping reads. */
const entriesArb = fc.array(fc.record({ key: keyArb, value: textArb }, { noNullPrototype: true }), { maxLength: 4 });
/** Valid Nodes and Resources plus what random text seldom hits: reserved keys, repeats, unknown languages. */
const edgyNodeArb = fc.tuple(ocNode(), entriesArb, fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: undefined })).map(
  ([n, attributes, language]): OcNode => ({
    ...n,
    attributes,
    libraryInfo: language === undefined || n.libraryInfo === undefined ? n.libraryInfo : { ...n.libraryInfo, language },
  }),
);
const edgyResourceArb = fc.tuple(ocResource(), entriesArb).map(([r, labels]): OcResource => ({ ...r, labels }));

describe('OpenCensus resource: OC -> model -> OC is exact', () => {
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

  it('for any valid Node and Resource', () => {
    fc.assert(
      fc.property(opt(ocNode()), opt(ocResource()), (n, r) => {
        assert.deepStrictEqual(resourceToOc(resourceFromOc(n, r)), { node: n, resource: r });
      }),
      { numRuns: 150 },
    );
  });

  it('with reserved and repeated keys and unknown languages, also through OTLP protobuf', () => {
    fc.assert(
      fc.property(opt(edgyNodeArb), opt(edgyResourceArb), (n, r) => {
        const model = resourceFromOc(n, r);
        assert.deepStrictEqual(resourceToOc(model), { node: n, resource: r });
        const wire = decodeTracesProto(encodeTracesProto({ resourceSpans: [{ resource: model, scopeSpans: [], schemaUrl: '' }] }));
        assert.deepStrictEqual(resourceToOc(wire.resourceSpans[0]!.resource), { node: n, resource: r });
      }),
      { numRuns: 300 },
    );
  });

  it('times round-trip through RFC 3339 for every int64 nanosecond value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (ns) => assert.equal(parseTime(formatTime(ns)), ns)),
      { numRuns: 500 },
    );
  });
});
