package zpages

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocensus/gocensus/sdk/trace"
)

// pageData is what every page shows in its header.
type pageData struct {
	Title string
	Now   time.Time
}

type tracezData struct {
	pageData
	Rows          []summary
	Overflow      summary
	OverflowNames int
	MaxNames      int
	Buckets       []string
	Pipelines     []pipelineRow

	Selected bool
	Name     string
	Kind     string
	Spans    []*trace.SpanData
}

type pipelineRow struct {
	Name  string
	Stats trace.BatchStats
}

type rpczData struct {
	pageData
	Server, Client []rpcRow
}

func bucketLabels() []string {
	out := make([]string, numBuckets)
	lower := "0"
	for i, b := range LatencyBounds {
		out[i] = "[" + lower + ", " + formatBound(b) + ")"
		lower = formatBound(b)
	}
	out[numBuckets-1] = "[" + lower + ", ∞)"
	return out
}

func formatBound(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return strconv.FormatInt(int64(d/time.Microsecond), 10) + "µs"
	case d < time.Second:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	default:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
}

var codeNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

func statusText(s trace.Status) string {
	name := "CODE_" + strconv.Itoa(int(s.Code))
	if s.Code >= 0 && int(s.Code) < len(codeNames) {
		name = codeNames[s.Code]
	}
	if s.Message != "" {
		return name + ": " + s.Message
	}
	return name
}

var kindNames = [...]string{"UNSPECIFIED", "SERVER", "CLIENT", "PRODUCER", "CONSUMER", "INTERNAL"}

func kindText(k trace.SpanKind) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "KIND_" + strconv.Itoa(int(k))
}

func valueText(v trace.Value) string {
	switch v.Type() {
	case trace.BoolValueType:
		return strconv.FormatBool(v.AsBool())
	case trace.Int64ValueType:
		return strconv.FormatInt(v.AsInt64(), 10)
	case trace.Float64ValueType:
		return strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64)
	case trace.StringValueType:
		return strconv.Quote(v.AsString())
	}
	return "?"
}

func attrsText(attrs []trace.Attribute) string {
	var b strings.Builder
	for i, a := range attrs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(valueText(a.Value))
	}
	return b.String()
}

// event is one line under a span on the details page.
type event struct {
	Offset time.Duration
	Text   string
}

// events merges a span's annotations and message events, in time order.
func events(s *trace.SpanData) []event {
	out := make([]event, 0, len(s.Annotations)+len(s.MessageEvents)+len(s.Links))
	for _, a := range s.Annotations {
		text := a.Message
		if len(a.Attributes) > 0 {
			text += " (" + attrsText(a.Attributes) + ")"
		}
		out = append(out, event{a.Time.Sub(s.StartTime), text})
	}
	for _, m := range s.MessageEvents {
		dir := "Received"
		if m.EventType == trace.MessageEventTypeSent {
			dir = "Sent"
		}
		text := fmt.Sprintf("%s message %d: %d bytes", dir, m.MessageID, m.UncompressedSize)
		if m.CompressedSize > 0 && m.CompressedSize != m.UncompressedSize {
			text += fmt.Sprintf(" (%d compressed)", m.CompressedSize)
		}
		out = append(out, event{m.Time.Sub(s.StartTime), text})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Offset < out[j].Offset })
	for _, l := range s.Links {
		out = append(out, event{-1, fmt.Sprintf("Link to trace %s span %s", l.TraceID, l.SpanID)})
	}
	if n := s.DroppedAttributeCount + s.DroppedAnnotationCount + s.DroppedMessageEventCount + s.DroppedLinkCount; n > 0 {
		out = append(out, event{-1, fmt.Sprintf("Dropped: %d attributes, %d annotations, %d message events, %d links",
			s.DroppedAttributeCount, s.DroppedAnnotationCount, s.DroppedMessageEventCount, s.DroppedLinkCount)})
	}
	return out
}

func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return ""
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 3, 64) + " µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 3, 64) + " ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
	}
}

var funcs = template.FuncMap{
	"stamp": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000 UTC") },
	"elapsed": func(s *trace.SpanData, now time.Time) string {
		if s.EndTime.IsZero() {
			return formatDuration(now.Sub(s.StartTime)) + " (running)"
		}
		return formatDuration(s.EndTime.Sub(s.StartTime))
	},
	"offset":  func(d time.Duration) string { return "+" + formatDuration(d) },
	"status":  statusText,
	"kind":    kindText,
	"attrs":   attrsText,
	"events":  events,
	"millis":  func(v float64) string { return naOr(v, 3) },
	"rate":    func(v float64) string { return naOr(v, 3) },
	"bytes":   formatBytes,
	"bytes64": func(v uint64) string { return formatBytes(float64(v)) },
	"isError": func(s *trace.SpanData) bool { return s.Status.Code != 0 },
	"args": func(title, id string, rows []rpcRow) map[string]any {
		return map[string]any{"Title": title, "ID": id, "Rows": rows}
	},
}

func naOr(v float64, prec int) string {
	if v < 0 {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func formatBytes(v float64) string {
	const unit = 1024
	if v < unit {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	div, exp := float64(unit), 0
	for n := v / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(v/div, 'f', 1, 64) + " " + "KMGTP"[exp:exp+1] + "iB"
}

// parse returns a function building the page template on first use; the
// templates are constants, so a parse error is a bug and panics.
func parse(name, body string) func() *template.Template {
	return sync.OnceValue(func() *template.Template {
		t := template.Must(template.New(name).Funcs(funcs).Parse(layout))
		return template.Must(t.Parse(body))
	})
}

// render executes t into a buffer first, so a template error becomes a 500
// instead of half a page.
func render(w http.ResponseWriter, t func() *template.Template, data any) {
	var buf bytes.Buffer
	if err := t().ExecuteTemplate(&buf, "page", data); err != nil {
		http.Error(w, "zpages: rendering: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(buf.Bytes())
}

const layout = `{{define "page"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline}
header a{color:#c9d1d9;text-decoration:none}header a:hover{text-decoration:underline}
header strong{font-size:16px}
main{padding:12px 20px 40px}
h1{font-size:20px;margin:8px 0}h2{font-size:16px;margin:24px 0 8px}
p.meta{color:#57606a;margin:4px 0 12px}
table{border-collapse:collapse;margin:4px 0 16px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:right;white-space:nowrap}
th{background:#f6f8fa;font-weight:600;text-align:center}
td.name,th.name{text-align:left;white-space:normal;overflow-wrap:anywhere;min-width:12em;max-width:36em}
table.summary thead tr+tr th{white-space:normal;min-width:4.5em}
table.rpc thead tr:first-child th+th{border-left:2px solid #8c959f}
table.rpc tbody td:nth-child(3n+2),table.rpc thead tr+tr th:nth-child(3n+1){border-left:2px solid #8c959f}
tbody tr:nth-child(even) td{background:#fbfcfd}
td.zero{color:#afb8c1}
td.err,td.err a{color:#cf222e;font-weight:600}
a{color:#0969da}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
table.spans th,table.spans td{text-align:left;white-space:normal;vertical-align:top}
table.spans tr.span td{background:#f6f8fa;border-top:2px solid #8c959f}
table.spans tr.span.error td{background:#fff1f0}
table.spans td.ev{color:#57606a}
table.spans td.mono{white-space:nowrap}
.empty{color:#57606a;font-style:italic}
</style>
</head>
<body>
<header><strong>gocensus zpages</strong><a href="tracez">tracez</a><a href="rpcz">rpcz</a></header>
<main>
{{template "body" .}}
</main>
</body>
</html>
{{end}}`

var indexTemplate = parse("index", `{{define "body"}}
<h1>Debug pages</h1>
<p class="meta">As of {{stamp .Now}}.</p>
<ul>
<li><a href="tracez">tracez</a>: span counts by name and latency, with sample spans.</li>
<li><a href="rpcz">rpcz</a>: gRPC calls per method over the last minute, the last hour and in total.</li>
</ul>
{{end}}`)

var tracezTemplate = parse("tracez", `{{define "body"}}
<h1>Trace spans</h1>
<p class="meta">As of {{stamp .Now}}. Sampled spans only. Latency columns count spans that ended OK; spans with any other status count as errors. Click a number to see sample spans.</p>
<table class="summary" id="summary">
<thead>
<tr><th class="name" rowspan="2">Span name</th><th rowspan="2">Running</th><th colspan="{{len .Buckets}}">Latency of completed spans</th><th rowspan="2">Errors</th></tr>
<tr>{{range .Buckets}}<th>{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Rows}}{{$name := .Name}}
<tr data-name="{{.Name}}"><td class="name">{{.Name}}</td>
{{- if .Running}}<td><a href="?name={{.Name}}&amp;type=running">{{.Running}}</a></td>{{else}}<td class="zero">0</td>{{end}}
{{- range $i, $n := .Latency}}{{if $n}}<td><a href="?name={{$name}}&amp;type=latency&amp;bucket={{$i}}">{{$n}}</a></td>{{else}}<td class="zero">0</td>{{end}}{{end}}
{{- if .Errors}}<td class="err"><a href="?name={{.Name}}&amp;type=error">{{.Errors}}</a></td>{{else}}<td class="zero">0</td>{{end}}</tr>
{{- else}}
<tr><td class="name empty" colspan="12">No sampled spans yet.</td></tr>
{{- end}}
{{- if .OverflowNames}}
<tr id="overflow"><td class="name"><em>{{.OverflowNames}} other names (over the limit of {{.MaxNames}})</em></td><td>{{.Overflow.Running}}</td>
{{- range .Overflow.Latency}}<td>{{.}}</td>{{end}}<td>{{.Overflow.Errors}}</td></tr>
{{- end}}
</tbody>
</table>
{{with .Pipelines}}
<h2>Export pipelines</h2>
<table class="pipelines" id="pipelines">
<thead><tr><th class="name">Processor</th><th>Ended</th><th>Exported</th><th>Queued</th><th>Queued bytes</th><th>Dropped: queue full</th><th>Dropped: export failed</th><th>Dropped: shutdown</th></tr></thead>
<tbody>
{{- range .}}
<tr data-name="{{.Name}}"><td class="name">{{.Name}}</td><td>{{.Stats.Ended}}</td><td>{{.Stats.Exported}}</td><td>{{.Stats.Queued}}</td><td>{{bytes64 .Stats.QueuedBytes}}</td>
<td{{if .Stats.DroppedQueueFull}} class="err"{{end}}>{{.Stats.DroppedQueueFull}}</td><td{{if .Stats.DroppedExportFailed}} class="err"{{end}}>{{.Stats.DroppedExportFailed}}</td><td{{if .Stats.DroppedShutdown}} class="err"{{end}}>{{.Stats.DroppedShutdown}}</td></tr>
{{- end}}
</tbody>
</table>
{{end}}
{{if .Selected}}
<h2 id="detail">{{.Name}}: {{.Kind}} ({{len .Spans}} sample{{if ne (len .Spans) 1}}s{{end}})</h2>
{{if .Spans}}
<table class="spans" id="spans">
<thead><tr><th>Start / offset</th><th>Duration</th><th>Ids</th><th>Kind / status / attributes</th></tr></thead>
{{- $now := .Now}}
{{range .Spans}}<tbody>
<tr class="span{{if isError .}} error{{end}}"><td>{{stamp .StartTime}}</td><td>{{elapsed . $now}}</td>
<td class="mono">trace&nbsp;{{.TraceID}}<br>span&nbsp;&nbsp;{{.SpanID}}{{if .ParentSpanID.IsValid}}<br>parent&nbsp;{{.ParentSpanID}}{{if .HasRemoteParent}} (remote){{end}}{{end}}</td>
<td>{{kind .Kind}} · {{status .Status}}{{with .Attributes}}<br><span class="mono">{{attrs .}}</span>{{end}}</td></tr>
{{- range events .}}
<tr><td class="ev">{{if ge .Offset 0}}{{offset .Offset}}{{end}}</td><td></td><td colspan="2" class="ev">{{.Text}}</td></tr>
{{- end}}
</tbody>{{end}}
</table>
{{else}}<p class="empty">No samples kept for this selection.</p>{{end}}
{{end}}
{{end}}`)

var rpczTemplate = parse("rpcz", `{{define "body"}}
<h1>gRPC calls</h1>
<p class="meta">As of {{stamp .Now}}. From the censusgrpc views: Min. is the last minute, Hr. the last hour (or since start), Tot. since the views were registered. Latency is in milliseconds; rates are calls per second.</p>
{{template "table" (args "Served (server side)" "server" .Server)}}
{{template "table" (args "Called (client side)" "client" .Client)}}
{{end}}
{{define "table"}}
<h2>{{.Title}}</h2>
{{if .Rows}}
<table class="rpc" id="{{.ID}}">
<thead>
<tr><th class="name" rowspan="2">Method</th><th colspan="3">Count</th><th colspan="3">Avg latency (ms)</th><th colspan="3">Rate (/s)</th><th colspan="3">Input</th><th colspan="3">Output</th><th colspan="3">Errors</th></tr>
<tr>{{range 6}}<th>Min.</th><th>Hr.</th><th>Tot.</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Rows}}
<tr data-method="{{.Method}}"><td class="name">{{.Method}}</td>
<td>{{.Minute.Count}}</td><td>{{.Hour.Count}}</td><td>{{.Total.Count}}</td>
<td>{{millis .Minute.AvgLatency}}</td><td>{{millis .Hour.AvgLatency}}</td><td>{{millis .Total.AvgLatency}}</td>
<td>{{rate .Minute.Rate}}</td><td>{{rate .Hour.Rate}}</td><td>—</td>
<td>{{bytes .Minute.BytesIn}}</td><td>{{bytes .Hour.BytesIn}}</td><td>{{bytes .Total.BytesIn}}</td>
<td>{{bytes .Minute.BytesOut}}</td><td>{{bytes .Hour.BytesOut}}</td><td>{{bytes .Total.BytesOut}}</td>
<td{{if .Minute.Errors}} class="err"{{end}}>{{.Minute.Errors}}</td><td{{if .Hour.Errors}} class="err"{{end}}>{{.Hour.Errors}}</td><td{{if .Total.Errors}} class="err"{{end}}>{{.Total.Errors}}</td></tr>
{{- end}}
</tbody>
</table>
{{else}}<p class="empty">No calls recorded.</p>{{end}}
{{end}}`)
