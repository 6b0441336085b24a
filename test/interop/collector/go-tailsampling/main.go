// Runs the OpenTelemetry Collector's own tail sampling processor
// (processor/tailsamplingprocessor, built from its public factory) on cases
// read from stdin, and prints which traces it kept, so that
// test/interop/collector/tail-sampling.test.ts can hold ocsvc's policies to
// the Collector's decisions.
//
// It also prints the two numbers the probabilistic policy rests on, for
// given inputs: the FNV-1a 64 hash of salt + trace ID (Go's hash/fnv, as the
// Collector hashes), and the threshold of a percentage as the Collector's
// calculateThreshold computes it with math/big (unexported there, so the
// same three lines of math/big are here).
//
// stdin: {"cases": [{"name", "policies": [...], "traces": ["<OTLP/JSON TracesData>"]}],
// "hashes": [{"salt", "traceId": "<hex>"}], "thresholds": [<percentage>],
// "invertedDecisions": false}
// stdout: {"cases": [{"name", "kept": ["<trace ID hex>"]}], "hashes": ["<uint64>"],
// "thresholds": ["<uint64>"]}
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/featuregate"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
)

type input struct {
	Cases []struct {
		Name     string           `json:"name"`
		Policies []map[string]any `json:"policies"`
		Traces   []string         `json:"traces"`
	} `json:"cases"`
	Hashes []struct {
		Salt    string `json:"salt"`
		TraceID string `json:"traceId"`
	} `json:"hashes"`
	Thresholds []float64 `json:"thresholds"`
	// The Collector's legacy inverted decisions (its feature gate
	// processor.tailsamplingprocessor.disableinvertdecisions off).
	InvertedDecisions bool `json:"invertedDecisions"`
}

func hash(salt string, id []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(salt))
	_, _ = h.Write(id)
	return h.Sum64()
}

func threshold(percentage float64) uint64 {
	boundary := new(big.Float).SetInt(new(big.Int).SetUint64(math.MaxUint64))
	res, _ := boundary.Mul(boundary, big.NewFloat(percentage/100)).Uint64()
	return res
}

type result struct {
	Name  string   `json:"name"`
	Kept  []string `json:"kept"`
	Error string   `json:"error,omitempty"`
}

// The processor decides a trace decision_wait after its first span, on a
// one-second ticker: a second of wait, and a little more to be sure.
const decisionWait = time.Second
const settle = 3 * time.Second

func run(name string, policies []map[string]any, traces []string) result {
	out := result{Name: name, Kept: []string{}}
	factory := tailsamplingprocessor.NewFactory()
	cfg := factory.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{"decision_wait": decisionWait.String(), "num_traces": 100000, "policies": policies})
	if err := conf.Unmarshal(cfg); err != nil {
		out.Error = fmt.Sprintf("config: %v", err)
		return out
	}
	sink := new(consumertest.TracesSink)
	proc, err := factory.CreateTraces(context.Background(), processortest.NewNopSettings(component.MustNewType("tail_sampling")), cfg, sink)
	if err != nil {
		out.Error = fmt.Sprintf("create: %v", err)
		return out
	}
	if err := proc.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		out.Error = fmt.Sprintf("start: %v", err)
		return out
	}
	unmarshaler := ptrace.JSONUnmarshaler{}
	for i, text := range traces {
		td, err := unmarshaler.UnmarshalTraces([]byte(text))
		if err != nil {
			out.Error = fmt.Sprintf("trace %d: %v", i, err)
			return out
		}
		if err := proc.ConsumeTraces(context.Background(), td); err != nil {
			out.Error = fmt.Sprintf("consume %d: %v", i, err)
			return out
		}
	}
	time.Sleep(decisionWait + settle)
	_ = proc.Shutdown(context.Background())
	seen := map[string]bool{}
	for _, td := range sink.AllTraces() {
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					seen[spans.At(k).TraceID().String()] = true
				}
			}
		}
	}
	for id := range seen {
		out.Kept = append(out.Kept, id)
	}
	sort.Strings(out.Kept)
	return out
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "reading stdin: %v\n", err)
		os.Exit(2)
	}
	if err := featuregate.GlobalRegistry().Set("processor.tailsamplingprocessor.disableinvertdecisions", !in.InvertedDecisions); err != nil {
		fmt.Fprintf(os.Stderr, "feature gate: %v\n", err)
		os.Exit(2)
	}
	results := make([]result, len(in.Cases))
	var wg sync.WaitGroup
	for i, c := range in.Cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(c.Name, c.Policies, c.Traces)
		}()
	}
	wg.Wait()
	hashes := []string{}
	for _, h := range in.Hashes {
		id, err := hex.DecodeString(h.TraceID)
		if err != nil {
			fmt.Fprintf(os.Stderr, "trace ID %q: %v\n", h.TraceID, err)
			os.Exit(2)
		}
		hashes = append(hashes, strconv.FormatUint(hash(h.Salt, id), 10))
	}
	thresholds := []string{}
	for _, p := range in.Thresholds {
		thresholds = append(thresholds, strconv.FormatUint(threshold(p), 10))
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"cases": results, "hashes": hashes, "thresholds": thresholds}); err != nil {
		fmt.Fprintf(os.Stderr, "writing stdout: %v\n", err)
		os.Exit(2)
	}
}
