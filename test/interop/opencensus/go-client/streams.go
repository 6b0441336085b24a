package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	agentmetricspb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/metrics/v1"
	agenttracepb "github.com/census-instrumentation/opencensus-proto/gen-go/agent/trace/v1"
	"google.golang.org/grpc"
)

const (
	traceExportMethod   = "/opencensus.proto.agent.trace.v1.TraceService/Export"
	traceConfigMethod   = "/opencensus.proto.agent.trace.v1.TraceService/Config"
	metricsExportMethod = "/opencensus.proto.agent.metrics.v1.MetricsService/Export"
)

// recorder sits between the exporter and gRPC: it keeps each stream the
// exporter opens, tells when the agent ends one, and hands over the config
// stream's traffic (what the agent pushed, what the library answered).
type recorder struct {
	mu      sync.Mutex
	streams map[string]*recordedStream
	// UpdatedLibraryConfig messages from the agent, in arrival order.
	pushed chan *agenttracepb.UpdatedLibraryConfig
	// CurrentLibraryConfig messages the library sent after applying a pushed config.
	reported    chan *agenttracepb.CurrentLibraryConfig
	pushedCount int
	// CurrentLibraryConfig messages the library sent: its first, then one per push it applied.
	currentCount int
}

type recordedStream struct {
	grpc.ClientStream
	rec    *recorder
	method string
	// Closed with the error RecvMsg returned once the agent ended the stream (io.EOF: cleanly).
	ended   chan struct{}
	endOnce sync.Once
	endErr  error
	// Closed when a send failed: the exporter's config goroutine then returns
	// and stops reading, so someone else must read the stream's end.
	sendFailed     chan struct{}
	sendFailedOnce sync.Once
}

func newRecorder() *recorder {
	return &recorder{
		streams:  map[string]*recordedStream{},
		pushed:   make(chan *agenttracepb.UpdatedLibraryConfig, 64),
		reported: make(chan *agenttracepb.CurrentLibraryConfig, 64),
	}
}

func (r *recorder) intercept(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cs, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	s := &recordedStream{ClientStream: cs, rec: r, method: method, ended: make(chan struct{}), sendFailed: make(chan struct{})}
	r.mu.Lock()
	r.streams[method] = s // the latest one: the exporter reopens streams after a reconnect
	r.mu.Unlock()
	return s, nil
}

func (s *recordedStream) SendMsg(m interface{}) error {
	if current, ok := m.(*agenttracepb.CurrentLibraryConfig); ok {
		s.rec.mu.Lock()
		s.rec.currentCount++
		s.rec.mu.Unlock()
		if current.GetConfig() != nil {
			select {
			case s.rec.reported <- current:
			default:
			}
		}
	}
	err := s.ClientStream.SendMsg(m)
	if err != nil {
		s.sendFailedOnce.Do(func() { close(s.sendFailed) })
	}
	return err
}

func (s *recordedStream) RecvMsg(m interface{}) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil {
		s.endOnce.Do(func() {
			s.endErr = err
			close(s.ended)
		})
		return err
	}
	if updated, ok := m.(*agenttracepb.UpdatedLibraryConfig); ok {
		s.rec.mu.Lock()
		s.rec.pushedCount++
		s.rec.mu.Unlock()
		select {
		case s.rec.pushed <- updated:
		default:
		}
	}
	return nil
}

// settled: the agent has answered the library's first config and the library
// has confirmed every push since, so nothing is due on the config stream.
func (r *recorder) settled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushedCount >= 1 && r.currentCount-1 >= r.pushedCount
}

func (r *recorder) pushedTotal() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushedCount
}

// closeStream half-closes the method's stream and waits until the agent ends
// it: "ok" when it ended cleanly, otherwise what went wrong.
func (r *recorder) closeStream(method string, timeout time.Duration) string {
	r.mu.Lock()
	s := r.streams[method]
	r.mu.Unlock()
	if s == nil {
		return "never opened"
	}
	if method == traceConfigMethod {
		// Half-closing while the library still owes the agent its answer to a
		// push makes that answer a SendMsg after CloseSend, which grpc-go
		// turns into an Internal error on the whole stream: wait for the
		// exchange to settle first.
		deadline := time.Now().Add(timeout / 2)
		for !r.settled() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := s.CloseSend(); err != nil {
		return "CloseSend: " + err.Error()
	}
	drain := func() {
		for {
			if err := s.RecvMsg(exportResponse(method)); err != nil {
				return
			}
		}
	}
	// The export streams have no reader: read until the end here. The config
	// stream has one (the exporter's goroutine) until it fails to answer a
	// push after our CloseSend; then take over.
	if method != traceConfigMethod {
		go drain()
	} else {
		go func() {
			select {
			case <-s.sendFailed:
				drain()
			case <-s.ended:
			}
		}()
	}
	select {
	case <-s.ended:
		if errors.Is(s.endErr, io.EOF) {
			return "ok"
		}
		return "ended with " + s.endErr.Error()
	case <-time.After(timeout):
		return "agent did not end the stream within " + timeout.String()
	}
}

func exportResponse(method string) interface{} {
	switch method {
	case metricsExportMethod:
		return new(agentmetricspb.ExportMetricsServiceResponse)
	case traceConfigMethod:
		return new(agenttracepb.UpdatedLibraryConfig)
	}
	return new(agenttracepb.ExportTraceServiceResponse)
}

func shortMethod(method string) string {
	parts := strings.Split(strings.TrimPrefix(method, "/opencensus.proto.agent."), "/")
	return strings.Join(parts, ".")
}
