package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"go.opencensus.io/stats"
	"go.opencensus.io/stats/view"
	"go.opencensus.io/tag"
)

// The same measures, views and values as the Python client records
// (python-client/client.py), so that one table of expectations serves both.
var (
	keyMethod = tag.MustNewKey("method")
	keyStatus = tag.MustNewKey("status")

	mRequests    = stats.Int64("interop/requests", "Requests served", stats.UnitDimensionless)
	mBytes       = stats.Int64("interop/response_bytes", "Response sizes", stats.UnitBytes)
	mLatency     = stats.Float64("interop/latency", "Request latency", stats.UnitMilliseconds)
	mQueue       = stats.Int64("interop/queue_depth", "Queued requests", stats.UnitDimensionless)
	mTemperature = stats.Float64("interop/temperature", "Board temperature", "Cel")

	views = []*view.View{
		{Name: "interop/request_count", Measure: mRequests, Aggregation: view.Count(), TagKeys: []tag.Key{keyMethod, keyStatus}},
		{Name: "interop/response_bytes_total", Measure: mBytes, Aggregation: view.Sum(), TagKeys: []tag.Key{keyMethod}},
		{Name: "interop/latency_total_ms", Measure: mLatency, Aggregation: view.Sum(), TagKeys: []tag.Key{keyMethod}},
		{Name: "interop/queue_depth", Measure: mQueue, Aggregation: view.LastValue()},
		{Name: "interop/temperature", Measure: mTemperature, Aggregation: view.LastValue()},
		{Name: "interop/latency_ms", Measure: mLatency, Aggregation: view.Distribution(10, 50, 100, 500), TagKeys: []tag.Key{keyMethod}},
	}
)

// viewWatch passes view data on to the ocagent exporter and tells when every
// view has been handed over at least once since recording finished.
type viewWatch struct {
	next  view.Exporter
	mu    sync.Mutex
	armed bool
	seen  map[string]bool
	all   chan struct{}
	once  sync.Once
}

func (w *viewWatch) ExportView(vd *view.Data) {
	w.next.ExportView(vd)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.armed {
		return
	}
	w.seen[vd.View.Name] = true
	if len(w.seen) == len(views) {
		w.once.Do(func() { close(w.all) })
	}
}

func (w *viewWatch) arm() {
	w.mu.Lock()
	w.armed = true
	w.mu.Unlock()
}

// runMetrics records into views of every aggregation, waits for one
// reporting interval to hand them all to the exporter, and exits.
func runMetrics(o options) error {
	exp, rec, err := newExporter(o)
	if err != nil {
		return err
	}
	watch := &viewWatch{next: exp, seen: map[string]bool{}, all: make(chan struct{})}
	view.RegisterExporter(watch)
	view.SetReportingPeriod(500 * time.Millisecond)
	if err := view.Register(views...); err != nil {
		return fmt.Errorf("view.Register: %w", err)
	}

	record := func(method, status string, ms ...stats.Measurement) error {
		ctx, err := tag.New(context.Background(), tag.Upsert(keyMethod, method), tag.Upsert(keyStatus, status))
		if err != nil {
			return err
		}
		stats.Record(ctx, ms...)
		return nil
	}
	for _, m := range []struct {
		method, status string
		bytes          int64
		latencyMs      float64
	}{{"GET", "200", 100, 5}, {"GET", "200", 200, 20}, {"GET", "200", 300, 70}, {"POST", "500", 1000, 600}} {
		if err := record(m.method, m.status, mRequests.M(1), mBytes.M(m.bytes), mLatency.M(m.latencyMs)); err != nil {
			return err
		}
	}
	stats.Record(context.Background(), mQueue.M(4), mTemperature.M(21.5))
	stats.Record(context.Background(), mQueue.M(9), mTemperature.M(22.25))
	// Recording is asynchronous; RetrieveData queues behind it, so once it
	// returns every value above is in the views and the next report has them all.
	if _, err := view.RetrieveData(views[0].Name); err != nil {
		return fmt.Errorf("view.RetrieveData: %w", err)
	}
	watch.arm()

	select {
	case <-watch.all:
	case <-time.After(o.timeout):
		return fmt.Errorf("the views were not reported within %s", o.timeout)
	}
	view.UnregisterExporter(watch)
	closed := shutdown(exp, rec, o.timeout, metricsExportMethod, traceExportMethod, traceConfigMethod)
	names := make([]string, 0, len(views))
	for _, v := range views {
		names = append(names, v.Name)
	}
	emit(map[string]interface{}{
		"mode":     "metrics",
		"language": "go",
		"pid":      os.Getpid(),
		"hostName": os.Getenv("HOSTNAME"),
		"service":  o.service,
		"views":    names,
		"closed":   closed,
	})
	return nil
}
