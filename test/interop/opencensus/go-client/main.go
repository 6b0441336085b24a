// ocagent-client drives the real OpenCensus Go libraries (go.opencensus.io and
// contrib.go.opencensus.io/exporter/ocagent) against an OpenCensus agent, for
// ocsvc's interop tests (test/interop/opencensus/go.test.ts).
//
//	ocagent-client <traces|metrics|config> -agent 127.0.0.1:55678 -service NAME -run ID
//	    [-ca FILE] [-token TOKEN [-per-rpc]]
//
// With -ca it speaks TLS (server name localhost); with -token it sends
// "authorization: Bearer TOKEN", through ocagent.WithHeaders (which v0.7.0
// puts on the trace Export stream only) or, with -per-rpc, as gRPC per-RPC
// credentials on every call.
//
// It prints what it did as JSON lines on stdout (one per trace, metrics
// report or config round) and diagnostics on stderr. Before exiting it ends
// every stream it opened (CloseSend) and waits until the agent ends it too:
// the library's own Stop() only closes the connection, which can drop what
// is still in flight, and an agent that never ends a half-closed stream is a
// bug the tests must see ("closed" in the output).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"contrib.go.opencensus.io/exporter/ocagent"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

type options struct {
	agent   string
	service string
	run     string
	spans   int
	rounds  int
	timeout time.Duration
	ca      string
	token   string
	perRPC  bool
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: ocagent-client <traces|metrics|config> -agent host:port -service NAME -run ID [-spans N] [-rounds N]")
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	var o options
	flags.StringVar(&o.agent, "agent", os.Getenv("OCSVC_INTEROP_AGENT"), "agent address host:port")
	flags.StringVar(&o.service, "service", os.Getenv("OCSVC_INTEROP_SERVICE"), "service name sent in the Node")
	flags.StringVar(&o.run, "run", os.Getenv("OCSVC_INTEROP_RUN"), "run ID, put in span names and attributes")
	flags.IntVar(&o.spans, "spans", 20, "config: spans created per round")
	flags.IntVar(&o.rounds, "rounds", 1, "config: rounds, each waiting for a newly pushed TraceConfig")
	flags.DurationVar(&o.timeout, "timeout", 20*time.Second, "bound on every wait")
	flags.StringVar(&o.ca, "ca", "", "PEM CA file: speak TLS to the agent (server name localhost)")
	flags.StringVar(&o.token, "token", "", "bearer token to send")
	flags.BoolVar(&o.perRPC, "per-rpc", false, "send the token as per-RPC credentials rather than with ocagent.WithHeaders")
	_ = flags.Parse(os.Args[2:])
	if o.agent == "" || o.service == "" || o.run == "" {
		fail("-agent, -service and -run are required (or OCSVC_INTEROP_AGENT, OCSVC_INTEROP_SERVICE, OCSVC_INTEROP_RUN)")
	}

	var err error
	switch mode {
	case "traces":
		err = runTraces(o)
	case "metrics":
		err = runMetrics(o)
	case "config":
		err = runConfig(o)
	default:
		fail("unknown mode " + mode)
	}
	if err != nil {
		fail(err.Error())
	}
}

// newExporter starts the library's exporter with a stream recorder between it
// and gRPC, so that we can see the config stream and end streams cleanly.
func newExporter(o options) (*ocagent.Exporter, *recorder, error) {
	rec := newRecorder()
	// WithGRPCDialOption replaces the options of an earlier call: one call for all.
	dialOpts := []grpc.DialOption{grpc.WithStreamInterceptor(rec.intercept)}
	if o.token != "" && o.perRPC {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(bearer{token: o.token, tls: o.ca != ""}))
	}
	opts := []ocagent.ExporterOption{
		ocagent.WithAddress(o.agent),
		ocagent.WithServiceName(o.service),
		ocagent.WithReconnectionPeriod(500 * time.Millisecond),
		ocagent.WithGRPCDialOption(dialOpts...),
	}
	if o.ca != "" {
		creds, err := credentials.NewClientTLSFromFile(o.ca, "localhost")
		if err != nil {
			return nil, nil, fmt.Errorf("TLS credentials: %w", err)
		}
		opts = append(opts, ocagent.WithTLSCredentials(creds))
	} else {
		opts = append(opts, ocagent.WithInsecure())
	}
	if o.token != "" && !o.perRPC {
		opts = append(opts, ocagent.WithHeaders(map[string]string{"authorization": "Bearer " + o.token}))
	}
	exp, err := ocagent.NewExporter(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("ocagent.NewExporter: %w", err)
	}
	return exp, rec, nil
}

// bearer sends the token on every call, streams included.
type bearer struct {
	token string
	tls   bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity: grpc-go refuses such credentials without TLS
// unless they say they do not need it.
func (b bearer) RequireTransportSecurity() bool { return b.tls }

// shutdown ends the given streams, waits for the agent to end them, then stops the exporter.
func shutdown(exp *ocagent.Exporter, rec *recorder, timeout time.Duration, methods ...string) map[string]string {
	exp.Flush()
	closed := map[string]string{}
	for _, method := range methods {
		closed[shortMethod(method)] = rec.closeStream(method, timeout)
	}
	if err := exp.Stop(); err != nil {
		logf("exporter.Stop: %v", err)
	}
	return closed
}

func emit(v interface{}) {
	line, err := json.Marshal(v)
	if err != nil {
		fail("json: " + err.Error())
	}
	fmt.Println(string(line))
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ocagent-client: "+format+"\n", args...)
}

func fail(message string) {
	logf("%s", message)
	os.Exit(2)
}
