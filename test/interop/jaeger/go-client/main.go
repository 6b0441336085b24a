// A jaeger-client-go program for the interop tests: it reports three spans
// of one trace (a server root, a client child with an error and a log, a
// producer span that follows from the root) through the transport named by
// -mode, compact Thrift over UDP to the agent port (6831, the Go client's
// only UDP protocol) or binary Thrift over HTTP to /api/traces, then prints
// one JSON line with the IDs it used so that the test can find the spans.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/opentracing/opentracing-go"
	"github.com/opentracing/opentracing-go/ext"
	otlog "github.com/opentracing/opentracing-go/log"
	jaeger "github.com/uber/jaeger-client-go"
	"github.com/uber/jaeger-client-go/transport"
)

func main() {
	mode := flag.String("mode", "udp", "udp (compact Thrift to -agent) or http (binary Thrift to -collector)")
	agent := flag.String("agent", "127.0.0.1:6831", "host:port of the agent's compact UDP endpoint")
	collector := flag.String("collector", "http://127.0.0.1:14268/api/traces", "URL of the collector's Thrift HTTP endpoint")
	service := flag.String("service", "interop-go", "service name")
	run := flag.String("run", "", "a value for the interop.run tracer tag")
	flag.Parse()

	var sender jaeger.Transport
	var err error
	switch *mode {
	case "udp":
		sender, err = jaeger.NewUDPTransport(*agent, 0)
	case "http":
		sender = transport.NewHTTPTransport(*collector)
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tracer, closer := jaeger.NewTracer(*service, jaeger.NewConstSampler(true), jaeger.NewRemoteReporter(sender),
		jaeger.TracerOptions.Gen128Bit(true), jaeger.TracerOptions.Tag("interop.run", *run))

	root := tracer.StartSpan("GET /cart", ext.SpanKindRPCServer)
	root.SetTag("http.method", "GET")
	root.SetTag("http.status_code", 200)
	root.SetTag("interop.ratio", 0.25)
	root.SetTag("interop.flag", true)

	child := tracer.StartSpan("SELECT cart", opentracing.ChildOf(root.Context()), ext.SpanKindRPCClient)
	ext.Error.Set(child, true)
	child.LogFields(otlog.String("event", "error"), otlog.String("message", "query timed out"), otlog.Int("attempt", 2))
	time.Sleep(2 * time.Millisecond)
	child.Finish()

	later := tracer.StartSpan("publish cart.updated", opentracing.FollowsFrom(root.Context()), ext.SpanKindProducer)
	later.Finish()
	root.Finish()
	if err := closer.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		os.Exit(1)
	}

	ctx := func(s opentracing.Span) jaeger.SpanContext { return s.Context().(jaeger.SpanContext) }
	tid := ctx(root).TraceID()
	out, _ := json.Marshal(map[string]any{
		"traceId": fmt.Sprintf("%016x%016x", tid.High, tid.Low),
		"root":    fmt.Sprintf("%016x", uint64(ctx(root).SpanID())),
		"child":   fmt.Sprintf("%016x", uint64(ctx(child).SpanID())),
		"later":   fmt.Sprintf("%016x", uint64(ctx(later).SpanID())),
	})
	fmt.Println(string(out))
}
