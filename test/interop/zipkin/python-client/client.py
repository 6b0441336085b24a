"""Sends one trace with py_zipkin in Zipkin v1 Thrift to ocsvc's zipkin receiver.

Run by test/interop/zipkin/python.test.ts:
    python client.py --url http://127.0.0.1:PORT --service NAME

A server span (its host and port, the client's address, a binary annotation,
an annotation) with a local child span and a client child span (the server it
calls), in a 128-bit trace, posted by py_zipkin's own SimpleHTTPTransport to
/api/v1/spans as application/x-thrift. Prints one JSON line with the IDs py_zipkin
chose, after the transport has had its 202.
"""
import argparse
import json
import sys
from urllib.parse import urlparse

from py_zipkin import Encoding, Kind
from py_zipkin.transport import SimpleHTTPTransport
from py_zipkin.zipkin import zipkin_span


class CountingTransport(SimpleHTTPTransport):
    """py_zipkin's transport, counting the posts it made (each asserts a 202)."""

    def __init__(self, address, port):
        super().__init__(address, port)
        self.posts = 0
        self.content_types = []

    def _get_path_content_type(self, payload):
        path, content_type = super()._get_path_content_type(payload)
        self.content_types.append(content_type)
        return path, content_type

    def send(self, payload):
        super().send(payload)
        self.posts += 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--service", required=True)
    args = parser.parse_args()
    url = urlparse(args.url)
    transport = CountingTransport(url.hostname, url.port)

    with zipkin_span(
        service_name=args.service,
        span_name="POST /recommend",
        transport_handler=transport,
        sample_rate=100.0,
        encoding=Encoding.V1_THRIFT,
        kind=Kind.SERVER,
        host="10.1.0.5",
        port=5000,
        use_128bit_trace_id=True,
        binary_annotations={"http.uri": "/recommend"},
    ) as server:
        server.add_annotation("model loaded")
        server.update_binary_annotations({"candidates": "40"})
        with zipkin_span(service_name=args.service, span_name="score", binary_annotations={"model": "v3"}) as local:
            local_attrs = local.zipkin_attrs
        with zipkin_span(service_name=args.service, span_name="GET /features", kind=Kind.CLIENT) as client:
            client.add_sa_binary_annotation(port=443, service_name="features", host="10.1.0.7")
            client_attrs = client.zipkin_attrs
        root = server.zipkin_attrs

    out = {
        "traceId": root.trace_id,
        "serverId": root.span_id,
        "localId": local_attrs.span_id,
        "clientId": client_attrs.span_id,
        "posts": transport.posts,
        "contentTypes": transport.content_types,
    }
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
