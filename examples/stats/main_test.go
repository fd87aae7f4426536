package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type metric struct {
	Name       string
	Type       string
	Timeseries []struct {
		Labels map[string]*string
		Points []struct {
			Int64        int64
			Double       float64
			Distribution *struct {
				Count   int64
				Sum     float64
				Buckets []struct{ Count int64 }
			}
		}
	}
}

func TestRunPrintsMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]metric{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m metric
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[m.Name] = m
	}
	if len(got) != 4 {
		t.Fatalf("got metrics %v, want 4", got)
	}
	lat := got["example.com/checkout/latency_by_region"]
	if lat.Type != "CUMULATIVE_DISTRIBUTION" || len(lat.Timeseries) != 2 {
		t.Fatalf("latency metric = %+v", lat)
	}
	if d := lat.Timeseries[0].Points[0].Distribution; *lat.Timeseries[0].Labels["region"] != "eu" || d.Count != 2 || d.Sum != 50 {
		t.Errorf("eu latency = %+v", d)
	}
	if n := got["example.com/checkout/items_total"].Timeseries[0].Points[0].Int64; n != 13 {
		t.Errorf("items total = %d, want 13", n)
	}
	if q := got["example.com/checkout/queue_length"]; q.Type != "GAUGE_INT64" || q.Timeseries[0].Points[0].Int64 != 5 {
		t.Errorf("queue length = %+v", q)
	}
	if c := got["example.com/checkout/count"]; len(c.Timeseries) != 3 {
		t.Errorf("count series = %+v", c.Timeseries)
	}
}
