package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	tracepb "github.com/census-instrumentation/opencensus-proto/gen-go/trace/v1"
	"go.opencensus.io/trace"
)

// runConfig checks what the library does with the TraceConfig the agent
// pushes on the Config stream. The exporter (ocagent v0.7.0,
// handleConfigStreaming) applies only the sampler, with trace.ApplyConfig:
// probability p -> ProbabilitySampler(p); constant ALWAYS_ON -> AlwaysSample;
// any other constant decision (ALWAYS_OFF, and ALWAYS_PARENT too) ->
// NeverSample; rate limiting -> nothing applied. The max* limits are ignored.
// It then sends back a CurrentLibraryConfig holding just that sampler.
//
// Each round waits for that answer (it comes after ApplyConfig), then starts
// -spans root spans with the default sampler (no per-span sampler) and
// prints how many were sampled, with the pushed and the reported config.
// Round r+1 waits for the next config the agent pushes.
func runConfig(o options) error {
	exp, rec, err := newExporter(o)
	if err != nil {
		return err
	}
	trace.RegisterExporter(exp)

	for round := 1; round <= o.rounds; round++ {
		var reported *tracepb.TraceConfig
		select {
		case current := <-rec.reported:
			reported = current.GetConfig()
		case <-time.After(o.timeout):
			return fmt.Errorf("round %d: the library reported no applied config within %s (configs pushed so far: %d)", round, o.timeout, rec.pushedTotal())
		}
		// The push this answers arrived before it.
		var pushed *tracepb.TraceConfig
		for drained := false; !drained; {
			select {
			case updated := <-rec.pushed:
				pushed = updated.GetConfig()
			default:
				drained = true
			}
		}

		sampledTraceIDs := []string{}
		for i := 0; i < o.spans; i++ {
			_, span := trace.StartSpan(context.Background(), fmt.Sprintf("oc-interop config round %d span %d", round, i))
			span.AddAttributes(trace.StringAttribute("interop.run", o.run), trace.Int64Attribute("interop.round", int64(round)))
			if sc := span.SpanContext(); sc.IsSampled() {
				sampledTraceIDs = append(sampledTraceIDs, hex.EncodeToString(sc.TraceID[:]))
			}
			span.End()
		}
		exp.Flush()
		emit(map[string]interface{}{
			"mode":            "config",
			"language":        "go",
			"round":           round,
			"pushed":          samplerJSON(pushed),
			"reported":        samplerJSON(reported),
			"created":         o.spans,
			"sampled":         len(sampledTraceIDs),
			"sampledTraceIds": sampledTraceIDs,
			"pushedSoFar":     rec.pushedTotal(),
		})
	}

	closed := shutdown(exp, rec, o.timeout, traceExportMethod, traceConfigMethod, metricsExportMethod)
	emit(map[string]interface{}{
		"mode":        "config",
		"language":    "go",
		"pid":         os.Getpid(),
		"pushedTotal": rec.pushedTotal(),
		"closed":      closed,
	})
	return nil
}

// samplerJSON describes a TraceConfig's sampler (and limits) as the tests spell them.
func samplerJSON(config *tracepb.TraceConfig) map[string]interface{} {
	if config == nil {
		return nil
	}
	out := map[string]interface{}{}
	switch {
	case config.GetProbabilitySampler() != nil:
		out["sampler"] = "probability"
		out["samplingProbability"] = config.GetProbabilitySampler().GetSamplingProbability()
	case config.GetConstantSampler() != nil:
		out["sampler"] = "constant"
		out["decision"] = config.GetConstantSampler().GetDecision().String()
	case config.GetRateLimitingSampler() != nil:
		out["sampler"] = "rate_limiting"
		out["qps"] = config.GetRateLimitingSampler().GetQps()
	default:
		out["sampler"] = "none"
	}
	out["maxNumberOfAttributes"] = config.GetMaxNumberOfAttributes()
	out["maxNumberOfAnnotations"] = config.GetMaxNumberOfAnnotations()
	out["maxNumberOfMessageEvents"] = config.GetMaxNumberOfMessageEvents()
	out["maxNumberOfLinks"] = config.GetMaxNumberOfLinks()
	return out
}
