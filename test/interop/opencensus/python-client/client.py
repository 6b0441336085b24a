"""Drives the real OpenCensus Python libraries (opencensus and
opencensus-ext-ocagent, pinned in requirements.txt) against an OpenCensus
agent, for ocsvc's interop tests (test/interop/opencensus/python.test.ts).

    python client.py <traces|metrics|config> --agent 127.0.0.1:55678 --service NAME --run ID

Prints what it did as JSON lines on stdout, diagnostics on stderr.

What the library does on the wire, read from its sources (0.7.1):
- traces: TraceExporter.emit opens one TraceService.Export stream per batch
  (with SyncTransport: per ended span), sends one request carrying the Node
  and the spans, half-closes and reads until the agent ends the stream. RPC
  errors are swallowed, so the script cannot tell a refusal from success.
- metrics: ExportRpcHandler keeps one MetricsService.Export stream (google
  api_core BidiRpc); its first request carries Node, Resource and metrics.
- config: TraceExporter.update_config(config) opens a TraceService.Config
  stream, sends one CurrentLibraryConfig (Node + the given config),
  half-closes, returns the first UpdatedLibraryConfig and applies nothing:
  samplers are chosen by the application (Tracer(sampler=...)).
"""

import argparse
import datetime
import json
import os
import socket
import sys
import threading

from opencensus.common.monitored_resource import aws_identity_doc_utils
from opencensus.common.monitored_resource import gcp_metadata_config
from opencensus.ext.ocagent import stats_exporter
from opencensus.ext.ocagent import trace_exporter
from opencensus.ext.ocagent import utils as ocagent_utils
from opencensus.metrics import transport
from opencensus.proto.trace.v1 import trace_config_pb2
from opencensus.stats import aggregation
from opencensus.stats import measure
from opencensus.stats import stats as stats_module
from opencensus.stats import view
from opencensus.tags import tag_key
from opencensus.tags import tag_map
from opencensus.tags import tag_value
from opencensus.trace import attributes as attributes_module
from opencensus.trace import link as link_module
from opencensus.trace import samplers
from opencensus.trace import span as span_module
from opencensus.trace import status as status_module
from opencensus.trace import time_event
from opencensus.trace.tracer import Tracer

LINK_TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
LINK_SPAN_ID = 'b7ad6b7169203331'


def no_cloud_probes():
    """The stats exporter looks for GCE and EC2 metadata servers over the
    network (2 s timeouts each) to describe its Resource. Tests talk to
    loopback only, and this machine is neither: say so without asking."""
    gcp_metadata_config.GcpMetadataConfig.is_running_on_gcp = classmethod(lambda cls: False)
    aws_identity_doc_utils.AwsIdentityDocumentUtils.is_running_on_aws = classmethod(lambda cls: False)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def log(message):
    sys.stderr.write('python-client: %s\n' % message)
    sys.stderr.flush()


def node_info(service):
    node = ocagent_utils.get_node(service, None)
    return {
        'language': 'python',
        'pid': os.getpid(),
        'hostName': node.identifier.host_name,
        'service': service,
        'exporterVersion': node.library_info.exporter_version,
        'coreLibraryVersion': node.library_info.core_library_version,
    }


def run_traces(args):
    """One trace: a SERVER root and a CLIENT child with attributes of every
    type, an annotation with attributes, a message event, a link and a status.
    AlwaysOnSampler, so that the agent's TraceConfig does not matter here."""
    exporter = trace_exporter.TraceExporter(service_name=args.service, endpoint=args.agent)
    tracer = Tracer(exporter=exporter, sampler=samplers.AlwaysOnSampler())
    with tracer.span(name='oc-interop root') as root:
        root.span_kind = span_module.SpanKind.SERVER
        root.add_attribute('interop.run', args.run)
        with tracer.span(name='oc-interop child') as child:
            child.span_kind = span_module.SpanKind.CLIENT
            child.add_attribute('peer.service', 'inventory')
            child.add_attribute('retry.count', 3)
            child.add_attribute('cache.hit', True)
            child.add_attribute('load.ratio', 0.25)
            child.add_annotation('cache miss', **{'cache.key': 'sku-42', 'attempt': 2, 'stale': False})
            child.add_message_event(time_event.MessageEvent(
                datetime.datetime.utcnow(), 7, type=time_event.Type.SENT,
                uncompressed_size_bytes=1024, compressed_size_bytes=512))
            child.add_link(link_module.Link(
                LINK_TRACE_ID, LINK_SPAN_ID, link_module.Type.PARENT_LINKED_SPAN,
                attributes_module.Attributes({'link.reason': 'retry'})))
            child.set_status(status_module.Status(5, 'sku not found'))
    # Each span was exported as it ended, on its own stream, and emit() only
    # returned once the agent had ended that stream.
    out = node_info(args.service)
    out.update({
        'mode': 'traces',
        'traceId': tracer.span_context.trace_id,
        'root': {'spanId': root.span_id},
        'child': {'spanId': child.span_id, 'parentSpanId': root.span_id},
        'link': {'traceId': LINK_TRACE_ID, 'spanId': LINK_SPAN_ID},
    })
    emit(out)


# The same measures, views and values as the Go client records
# (go-client/metrics.go), so that one table of expectations serves both.
KEY_METHOD = tag_key.TagKey('method')
KEY_STATUS = tag_key.TagKey('status')
M_REQUESTS = measure.MeasureInt('interop/requests', 'Requests served', '1')
M_BYTES = measure.MeasureInt('interop/response_bytes', 'Response sizes', 'By')
M_LATENCY = measure.MeasureFloat('interop/latency', 'Request latency', 'ms')
M_QUEUE = measure.MeasureInt('interop/queue_depth', 'Queued requests', '1')
M_TEMPERATURE = measure.MeasureFloat('interop/temperature', 'Board temperature', 'Cel')
VIEWS = [
    view.View('interop/request_count', 'Requests served', [KEY_METHOD, KEY_STATUS], M_REQUESTS,
              aggregation.CountAggregation()),
    view.View('interop/response_bytes_total', 'Response sizes', [KEY_METHOD], M_BYTES, aggregation.SumAggregation()),
    view.View('interop/latency_total_ms', 'Request latency', [KEY_METHOD], M_LATENCY, aggregation.SumAggregation()),
    view.View('interop/queue_depth', 'Queued requests', [], M_QUEUE, aggregation.LastValueAggregation()),
    view.View('interop/temperature', 'Board temperature', [], M_TEMPERATURE, aggregation.LastValueAggregation()),
    view.View('interop/latency_ms', 'Request latency', [KEY_METHOD], M_LATENCY,
              aggregation.DistributionAggregation([10, 50, 100, 500])),
]


def run_metrics(args):
    """Records into views of every aggregation, lets the exporter's periodic
    task export once, then ends the stream and waits for the agent to end it."""
    no_cloud_probes()
    stats = stats_module.stats
    for v in VIEWS:
        stats.view_manager.register_view(v)
    recorder = stats.stats_recorder
    for method, status, size, latency in [('GET', '200', 100, 5.0), ('GET', '200', 200, 20.0),
                                          ('GET', '200', 300, 70.0), ('POST', '500', 1000, 600.0)]:
        tags = tag_map.TagMap()
        tags.insert(KEY_METHOD, tag_value.TagValue(method))
        tags.insert(KEY_STATUS, tag_value.TagValue(status))
        mmap = recorder.new_measurement_map()
        mmap.measure_int_put(M_REQUESTS, 1)
        mmap.measure_int_put(M_BYTES, size)
        mmap.measure_float_put(M_LATENCY, latency)
        mmap.record(tags)
    for depth, temperature in [(4, 21.5), (9, 22.25)]:
        mmap = recorder.new_measurement_map()
        mmap.measure_int_put(M_QUEUE, depth)
        mmap.measure_float_put(M_TEMPERATURE, temperature)
        mmap.record(tag_map.TagMap())

    # new_stats_exporter() does the same but keeps neither handle: we need
    # the task to stop it and the handler to end its stream.
    handler = stats_exporter.ExportRpcHandler(stats_exporter._create_stub(args.agent), args.service)
    exporter = stats_exporter.StatsExporter(handler)
    exported = threading.Event()
    export_metrics = exporter.export_metrics

    def export_and_tell(metrics):
        export_metrics(metrics)
        exported.set()

    exporter.export_metrics = export_and_tell
    task = transport.get_exporter_thread([stats], exporter, interval=0.5)
    if not exported.wait(args.timeout):
        raise SystemExit('python-client: no export within %s s' % args.timeout)
    task.cancel()
    task.join(args.timeout)
    closed = end_bidi_stream(handler._rpc, args.timeout)
    out = node_info(args.service)
    out.update({'mode': 'metrics', 'views': [v.name for v in VIEWS], 'closed': {'metrics.v1.MetricsService.Export': closed}})
    emit(out)


def end_bidi_stream(rpc, timeout):
    """Half-closes an api_core BidiRpc and waits until the agent ends the call.
    (BidiRpc.close() cancels the call at once, which can drop what is queued.)"""
    rpc._request_queue.put(None)  # the request generator returns: gRPC half-closes
    call = rpc.call
    timer = threading.Timer(timeout, call.cancel)
    timer.start()
    try:
        for _ in call:
            pass
        return 'ok'
    except Exception as e:  # grpc.RpcError: cancelled by the timer or ended with an error
        if call.cancelled():
            return 'agent did not end the stream within %s s' % timeout
        return 'ended with %s' % e
    finally:
        timer.cancel()


def sampler_json(config):
    if config is None:
        return None
    which = config.WhichOneof('sampler')
    out = {'sampler': {'probability_sampler': 'probability', 'constant_sampler': 'constant',
                       'rate_limiting_sampler': 'rate_limiting', None: 'none'}[which]}
    if which == 'probability_sampler':
        out['samplingProbability'] = config.probability_sampler.samplingProbability
    elif which == 'constant_sampler':
        out['decision'] = trace_config_pb2.ConstantSampler.ConstantDecision.Name(config.constant_sampler.decision)
    elif which == 'rate_limiting_sampler':
        out['qps'] = config.rate_limiting_sampler.qps
    for key in ['max_number_of_attributes', 'max_number_of_annotations', 'max_number_of_message_events',
                'max_number_of_links']:
        out[''.join(part.capitalize() if i else part for i, part in enumerate(key.split('_')))] = getattr(config, key)
    return out


def run_config(args):
    """Each round asks the agent for its config with update_config (the only
    config API the library has), then starts --spans traces with a Tracer
    left to its default sampler, and reports how many were sampled and what
    sampler the Tracer used. Round r+1 starts when a line arrives on stdin."""
    exporter = trace_exporter.TraceExporter(service_name=args.service, endpoint=args.agent)
    for round_ in range(1, args.rounds + 1):
        if round_ > 1 and not sys.stdin.readline():
            raise SystemExit('python-client: stdin closed before round %d' % round_)
        default = samplers.ProbabilitySampler()  # what Tracer() picks when given no sampler
        current = trace_config_pb2.TraceConfig(
            probability_sampler=trace_config_pb2.ProbabilitySampler(samplingProbability=default.rate))
        updated = exporter.update_config(current)
        sampled = []
        used = None
        for i in range(args.spans):
            tracer = Tracer(exporter=exporter)
            used = tracer.sampler
            with tracer.span(name='oc-interop config round %d span %d' % (round_, i)) as span:
                span.add_attribute('interop.run', args.run)
            if tracer.span_context.trace_options.get_enabled():
                sampled.append(tracer.span_context.trace_id)
        emit({
            'mode': 'config',
            'language': 'python',
            'round': round_,
            'sent': sampler_json(current),
            'pushed': sampler_json(updated.config if updated.HasField('config') else None),
            'tracerSampler': {'type': type(used).__name__, 'rate': getattr(used, 'rate', None)},
            'created': args.spans,
            'sampled': len(sampled),
            'sampledTraceIds': sampled,
        })
    emit({'mode': 'config', 'language': 'python', 'pid': os.getpid(), 'hostName': socket.gethostname()})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['traces', 'metrics', 'config'])
    parser.add_argument('--agent', default=os.environ.get('OCSVC_INTEROP_AGENT'))
    parser.add_argument('--service', default=os.environ.get('OCSVC_INTEROP_SERVICE'))
    parser.add_argument('--run', default=os.environ.get('OCSVC_INTEROP_RUN'))
    parser.add_argument('--spans', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=1)
    parser.add_argument('--timeout', type=float, default=20.0, help='bound on every wait, in seconds')
    args = parser.parse_args()
    if not (args.agent and args.service and args.run):
        parser.error('--agent, --service and --run are required (or OCSVC_INTEROP_AGENT, _SERVICE, _RUN)')
    {'traces': run_traces, 'metrics': run_metrics, 'config': run_config}[args.mode](args)


if __name__ == '__main__':
    main()
