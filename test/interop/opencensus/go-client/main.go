// ocagent-client drives the real OpenCensus Go libraries (go.opencensus.io and
// contrib.go.opencensus.io/exporter/ocagent) against an OpenCensus agent, for
// ocsvc's interop tests (test/interop/opencensus/go.test.ts).
//
//	ocagent-client <traces|metrics|config> -agent 127.0.0.1:55678 -service NAME -run ID
//
// It prints what it did as JSON lines on stdout (one per trace, metrics
// report or config round) and diagnostics on stderr. Before exiting it ends
// every stream it opened (CloseSend) and waits until the agent ends it too:
// the library's own Stop() only closes the connection, which can drop what
// is still in flight, and an agent that never ends a half-closed stream is a
// bug the tests must see ("closed" in the output).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"contrib.go.opencensus.io/exporter/ocagent"
	"google.golang.org/grpc"
)

type options struct {
	agent   string
	service string
	run     string
	spans   int
	rounds  int
	timeout time.Duration
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
	exp, err := ocagent.NewExporter(
		ocagent.WithInsecure(),
		ocagent.WithAddress(o.agent),
		ocagent.WithServiceName(o.service),
		ocagent.WithReconnectionPeriod(500*time.Millisecond),
		ocagent.WithGRPCDialOption(grpc.WithStreamInterceptor(rec.intercept)),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("ocagent.NewExporter: %w", err)
	}
	return exp, rec, nil
}

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
