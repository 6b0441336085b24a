package main

import (
	"context"
	"encoding/hex"
	"os"

	"contrib.go.opencensus.io/exporter/ocagent"
	"go.opencensus.io"
	"go.opencensus.io/trace"
)

// The linked span: any fixed IDs do, the link only points at them.
var linkTraceID = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
var linkSpanID = trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}

// runTraces sends one trace: a SERVER root and a CLIENT child with
// attributes of every type, an annotation with attributes, a message event,
// a link and a status. The spans choose AlwaysSample themselves, so that
// whatever TraceConfig the agent pushes does not matter here.
func runTraces(o options) error {
	exp, rec, err := newExporter(o)
	if err != nil {
		return err
	}
	trace.RegisterExporter(exp)
	always := trace.WithSampler(trace.AlwaysSample())

	ctx, root := trace.StartSpan(context.Background(), "oc-interop root", trace.WithSpanKind(trace.SpanKindServer), always)
	root.AddAttributes(trace.StringAttribute("interop.run", o.run))
	_, child := trace.StartSpan(ctx, "oc-interop child", trace.WithSpanKind(trace.SpanKindClient), always)
	child.AddAttributes(
		trace.StringAttribute("peer.service", "inventory"),
		trace.Int64Attribute("retry.count", 3),
		trace.BoolAttribute("cache.hit", true),
		trace.Float64Attribute("load.ratio", 0.25),
	)
	child.Annotate([]trace.Attribute{
		trace.StringAttribute("cache.key", "sku-42"),
		trace.Int64Attribute("attempt", 2),
		trace.BoolAttribute("stale", false),
	}, "cache miss")
	child.AddMessageSendEvent(7, 1024, 512)
	child.AddLink(trace.Link{TraceID: linkTraceID, SpanID: linkSpanID, Type: trace.LinkTypeParent, Attributes: map[string]interface{}{"link.reason": "retry"}})
	child.SetStatus(trace.Status{Code: trace.StatusCodeNotFound, Message: "sku not found"})
	child.End()
	root.End()

	closed := shutdown(exp, rec, o.timeout, traceExportMethod, traceConfigMethod, metricsExportMethod)
	rootCtx, childCtx := root.SpanContext(), child.SpanContext()
	emit(map[string]interface{}{
		"mode":               "traces",
		"language":           "go",
		"pid":                os.Getpid(),
		"hostName":           os.Getenv("HOSTNAME"), // what the exporter puts in the Node
		"service":            o.service,
		"coreLibraryVersion": opencensus.Version(),
		"exporterVersion":    ocagent.Version,
		"traceId":            hex.EncodeToString(rootCtx.TraceID[:]),
		"root":               map[string]string{"spanId": hex.EncodeToString(rootCtx.SpanID[:])},
		"child":              map[string]string{"spanId": hex.EncodeToString(childCtx.SpanID[:]), "parentSpanId": hex.EncodeToString(rootCtx.SpanID[:])},
		"link":               map[string]string{"traceId": hex.EncodeToString(linkTraceID[:]), "spanId": hex.EncodeToString(linkSpanID[:])},
		"closed":             closed,
	})
	return nil
}
