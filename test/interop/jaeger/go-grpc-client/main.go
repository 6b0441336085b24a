// A gRPC client of Jaeger's collector API for the interop tests, built on
// jaeger-idl's generated Go code (the model and CollectorServiceClient that
// Jaeger's own agent forwards spans with) and grpc-go: it posts one batch of
// three spans (a server root, a client child in another process with an
// error and a log, a producer span that follows from the root) to -collector,
// then a batch with a zero span ID, and prints one JSON line with the IDs
// used and the status of each call.
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	model "github.com/jaegertracing/jaeger-idl/model/v1"
	api_v2 "github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func random64() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return binary.BigEndian.Uint64(b[:]) | 1
}

func main() {
	collector := flag.String("collector", "127.0.0.1:14250", "host:port of the collector's gRPC endpoint")
	service := flag.String("service", "interop-go-grpc", "service name of the batch's process")
	flag.Parse()

	conn, err := grpc.NewClient(*collector, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer conn.Close()
	client := api_v2.NewCollectorServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	traceID := model.NewTraceID(random64(), random64())
	rootID, childID, laterID := model.NewSpanID(random64()), model.NewSpanID(random64()), model.NewSpanID(random64())
	start := time.Now().Add(-time.Second).Truncate(time.Microsecond).Add(789 * time.Nanosecond)
	spans := []*model.Span{
		{
			TraceID: traceID, SpanID: rootID, OperationName: "GET /cart", Flags: model.SampledFlag,
			StartTime: start, Duration: 25 * time.Millisecond,
			Tags: []model.KeyValue{
				model.String("span.kind", "server"), model.String("http.method", "GET"), model.Int64("http.status_code", 200),
				model.Float64("interop.ratio", 0.25), model.Bool("interop.flag", true), model.Binary("interop.bytes", []byte{0xca, 0xfe}),
			},
		},
		{
			TraceID: traceID, SpanID: childID, OperationName: "SELECT cart", Flags: model.SampledFlag | model.DebugFlag,
			References: []model.SpanRef{model.NewChildOfRef(traceID, rootID)},
			StartTime:  start.Add(2 * time.Millisecond), Duration: 12 * time.Millisecond,
			Tags: []model.KeyValue{model.String("span.kind", "client"), model.Bool("error", true)},
			Logs: []model.Log{{Timestamp: start.Add(13 * time.Millisecond), Fields: []model.KeyValue{model.String("event", "retry"), model.Int64("attempt", 2)}}},
			Process: &model.Process{ServiceName: "db", Tags: []model.KeyValue{model.String("db.system", "postgresql")}},
		},
		{
			TraceID: traceID, SpanID: laterID, OperationName: "publish cart.updated", Flags: model.SampledFlag,
			References: []model.SpanRef{model.NewFollowsFromRef(traceID, rootID)},
			StartTime:  start.Add(30 * time.Millisecond), Duration: time.Millisecond,
			Tags: []model.KeyValue{model.String("span.kind", "producer")},
		},
	}
	process := &model.Process{ServiceName: *service, Tags: []model.KeyValue{model.String("hostname", "go-host"), model.String("jaeger.version", "Go-grpc")}}
	_, err = client.PostSpans(ctx, &api_v2.PostSpansRequest{Batch: model.Batch{Process: process, Spans: spans}})
	first := status.Code(err).String()

	bad := &model.Span{TraceID: traceID, SpanID: model.NewSpanID(0), OperationName: "zero", StartTime: start}
	_, err = client.PostSpans(ctx, &api_v2.PostSpansRequest{Batch: model.Batch{Process: process, Spans: []*model.Span{bad}}})
	st, _ := status.FromError(err)

	out, _ := json.Marshal(map[string]any{
		"traceId":       fmt.Sprintf("%016x%016x", traceID.High, traceID.Low),
		"root":          fmt.Sprintf("%016x", uint64(rootID)),
		"child":         fmt.Sprintf("%016x", uint64(childID)),
		"later":         fmt.Sprintf("%016x", uint64(laterID)),
		"startUnixNano": start.UnixNano(),
		"first":         first,
		"zeroCode":      st.Code().String(),
		"zeroMessage":   st.Message(),
	})
	fmt.Println(string(out))
}
