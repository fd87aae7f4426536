package zpages_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/gocensus/gocensus/exporters/zpages"
	"github.com/gocensus/gocensus/interceptors/censusgrpc"
	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/trace"
	"github.com/gocensus/gocensus/sdk/trace/tracetest"
)

// The greeter service of examples/helloworld, registered by hand: SayHello
// greets (and fails with NOT_FOUND for the name "nobody"), SayHelloStream
// greets every name it receives.
type greeter struct{}

func (greeter) sayHello(_ context.Context, name string) (string, error) {
	if name == "nobody" {
		return "", status.Error(codes.NotFound, "no such person")
	}
	return "Hello, " + name, nil
}

var greeterDesc = grpc.ServiceDesc{
	ServiceName: "helloworld.Greeter",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "SayHello",
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				out, err := srv.(greeter).sayHello(ctx, req.(*wrapperspb.StringValue).GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(out), nil
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/helloworld.Greeter/SayHello"}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName: "SayHelloStream",
		Handler: func(_ any, stream grpc.ServerStream) error {
			for {
				in := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(in); errors.Is(err, io.EOF) {
					return nil
				} else if err != nil {
					return err
				}
				if err := stream.SendMsg(wrapperspb.String("Hello, " + in.GetValue())); err != nil {
					return err
				}
			}
		},
		ServerStreams: true,
		ClientStreams: true,
	}},
}

// greeterSite is a traced greeter server and client, with zpages served over
// HTTP on a loopback port, after some calls.
type greeterSite struct {
	URL string // the zpages root, ending in "/debug/"
}

// startGreeterSite starts everything and makes the calls: three greetings,
// one NOT_FOUND, one stream of three names; a span named "background job"
// stays running until cleanup.
func startGreeterSite(t *testing.T) *greeterSite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	mgr := stats.NewManager()
	bsp := trace.NewBatchSpanProcessor(tracetest.NewInMemoryExporter())
	z, err := zpages.New(zpages.WithStatsManager(mgr), zpages.WithBatchSpanProcessor("in-memory exporter", bsp))
	if err != nil {
		t.Fatal(err)
	}
	tracer := trace.NewTracer(trace.WithSampler(trace.AlwaysSample()), trace.WithSpanProcessor(bsp), trace.WithSpanProcessor(z))
	opts := []censusgrpc.Option{censusgrpc.WithTracer(tracer), censusgrpc.WithStatsManager(mgr)}
	if err := mgr.Register(append(censusgrpc.DefaultServerViews, censusgrpc.DefaultClientViews...)...); err != nil {
		t.Fatal(err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(censusgrpc.ServerOptions(opts...)...)
	srv.RegisterService(&greeterDesc, greeter{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	mux := http.NewServeMux()
	mux.Handle("/debug/", z)
	web := httptest.NewServer(mux)

	_, job := tracer.Start(context.Background(), "background job")
	t.Cleanup(func() {
		job.End()
		web.Close()
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracer.Shutdown(sctx); err != nil { // also shuts z down
			t.Error(err)
		}
		if err := mgr.Shutdown(sctx); err != nil {
			t.Error(err)
		}
	})

	conn, err := grpc.NewClient(lis.Addr().String(),
		append(censusgrpc.ClientOptions(opts...), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, name := range []string{"alice", "bob", "carol", "nobody"} {
		err := conn.Invoke(ctx, "/helloworld.Greeter/SayHello", wrapperspb.String(name), new(wrapperspb.StringValue))
		if want := name == "nobody"; want != (status.Code(err) == codes.NotFound) {
			t.Fatalf("SayHello(%q): %v", name, err)
		}
	}
	stream, err := conn.NewStream(ctx, &greeterDesc.Streams[0], "/helloworld.Greeter/SayHelloStream")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dave", "erin", "frank"} {
		if err := stream.SendMsg(wrapperspb.String(name)); err != nil {
			t.Fatal(err)
		}
		if err := stream.RecvMsg(new(wrapperspb.StringValue)); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if err := stream.RecvMsg(new(wrapperspb.StringValue)); !errors.Is(err, io.EOF) {
		t.Fatalf("stream end: %v", err)
	}
	// Server spans end after the client has its answer; wait for them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		rows, _, _ := z.Summaries()
		var ended uint64
		for _, r := range rows {
			ended += r.Errors
			for _, n := range r.Latency {
				ended += n
			}
		}
		if ended == 10 { // 5 calls, client and server spans
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d spans ended: %+v", ended, rows)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &greeterSite{URL: web.URL + "/debug/"}
}

// A tiny reader of the pages' tables, for the server's HTML and Chromium's
// DOM alike: rows are found by their data-name or data-method attribute and
// cells are returned as text.
var (
	cellRE = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	tagRE  = regexp.MustCompile(`<[^>]*>`)
)

// row returns the cells of the row of table id whose attr is value.
func row(t *testing.T, page, table, attr, value string) []string {
	t.Helper()
	start := strings.Index(page, `id="`+table+`"`)
	if start < 0 {
		t.Fatalf("no table %q in page", table)
	}
	page = page[start:]
	if end := strings.Index(page, "</table>"); end >= 0 {
		page = page[:end]
	}
	i := strings.Index(page, attr+`="`+html.EscapeString(value)+`"`)
	if i < 0 {
		t.Fatalf("table %q has no row %s=%q:\n%s", table, attr, value, page)
	}
	tr := page[i:]
	tr = tr[:strings.Index(tr, "</tr>")]
	var cells []string
	for _, m := range cellRE.FindAllStringSubmatch(tr, -1) {
		cells = append(cells, strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(m[1], ""))))
	}
	return cells
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	return string(body)
}

// checkTracez checks the summary of the greeter site's spans.
func checkTracez(t *testing.T, page string) {
	t.Helper()
	sum := func(cells []string) (running, ok, errs string) {
		// name, running, 9 latency buckets, errors
		if len(cells) != 12 {
			t.Fatalf("row has %d cells, want 12: %q", len(cells), cells)
		}
		n := 0
		for _, c := range cells[2:11] {
			v, err := strconv.Atoi(c)
			if err != nil {
				t.Fatalf("latency cell %q: %v", c, err)
			}
			n += v
		}
		return cells[1], strconv.Itoa(n), cells[11]
	}
	for _, tt := range []struct {
		name                  string
		running, ok, errCount string
	}{
		{"helloworld.Greeter/SayHello", "0", "6", "2"}, // 3 OK calls and one NOT_FOUND, client and server
		{"helloworld.Greeter/SayHelloStream", "0", "2", "0"},
		{"background job", "1", "0", "0"},
	} {
		r, ok, e := sum(row(t, page, "summary", "data-name", tt.name))
		if r != tt.running || ok != tt.ok || e != tt.errCount {
			t.Errorf("tracez %q: running %s, ok %s, errors %s; want %s, %s, %s", tt.name, r, ok, e, tt.running, tt.ok, tt.errCount)
		}
	}
}

// checkRpcz checks the greeter site's RPC rows: Count is column 1-3,
// Errors 16-18 (minute, hour, total).
func checkRpcz(t *testing.T, page string) {
	t.Helper()
	for _, table := range []string{"server", "client"} {
		for _, tt := range []struct {
			method, count, errs string
		}{
			{"helloworld.Greeter/SayHello", "4", "1"},
			{"helloworld.Greeter/SayHelloStream", "1", "0"},
		} {
			cells := row(t, page, table, "data-method", tt.method)
			if len(cells) != 19 {
				t.Fatalf("rpcz %s %s: %d cells, want 19: %q", table, tt.method, len(cells), cells)
			}
			for i, want := range []string{tt.count, tt.count, tt.count} {
				if cells[1+i] != want {
					t.Errorf("rpcz %s %s count column %d = %s, want %s", table, tt.method, i, cells[1+i], want)
				}
			}
			for i, want := range []string{tt.errs, tt.errs, tt.errs} {
				if cells[16+i] != want {
					t.Errorf("rpcz %s %s errors column %d = %s, want %s", table, tt.method, i, cells[16+i], want)
				}
			}
			if cells[6] == "—" || cells[6] == "" {
				t.Errorf("rpcz %s %s: no total average latency: %q", table, tt.method, cells)
			}
		}
	}
}

// TestGreeterPages checks the pages of a traced gRPC server as served.
func TestGreeterPages(t *testing.T) {
	t.Parallel()
	site := startGreeterSite(t)
	checkTracez(t, get(t, site.URL+"tracez"))
	checkRpcz(t, get(t, site.URL+"rpcz"))

	detail := get(t, site.URL+"tracez?name=helloworld.Greeter%2FSayHello&type=error")
	for _, want := range []string{"NOT_FOUND: no such person", "2 samples", "SERVER", "CLIENT", `grpc.method=`} {
		if !strings.Contains(detail, want) {
			t.Errorf("error details lack %q", want)
		}
	}
	running := get(t, site.URL+"tracez?name=background+job&type=running")
	if !strings.Contains(running, "(running)") || !strings.Contains(running, "running (1 sample)") {
		t.Errorf("running details lack the running span:\n%s", running)
	}
}
