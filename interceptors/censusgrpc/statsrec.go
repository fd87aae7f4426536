package censusgrpc

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocensus/gocensus/sdk/stats"
	"github.com/gocensus/gocensus/sdk/tag"
)

// maxCachedMethods bounds the per-method tag cache. A stats handler sees
// every method name a client sends, registered or not, so without a bound a
// hostile client could grow it forever; beyond it tags are built per call.
const maxCachedMethods = 1024

// tagContextKey is the key sdk/tag keeps its map under in a context. The
// key is unexported, so it is learned once by letting tag.FromContext ask a
// probe context for it. Knowing it lets a call, which is itself the context
// it hands on, answer with its tags without a context allocation per RPC.
var tagContextKey = sync.OnceValue(func() any {
	p := &keyProbe{Context: context.Background()}
	tag.FromContext(p)
	return p.key
})

type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	p.key = key
	return nil
}

// methodTags caches the tag maps of calls whose context holds no tags of
// its own: the method alone, and the method with each canonical status.
type methodTags struct {
	method *tag.Map
	byCode [len(codeNames)]atomic.Pointer[tag.Map]
}

type tagCache struct {
	m sync.Map // full method -> *methodTags
	n atomic.Int64
}

func (cfg *config) methodKeys(client bool) (tag.Key, tag.Key) {
	if client {
		return KeyClientMethod, KeyClientStatus
	}
	return KeyServerMethod, KeyServerStatus
}

// noProp keeps the method and status tags out of grpc-tags-bin.
var noProp = tag.WithTTL(tag.TTLNoPropagation)

func (cfg *config) cached(fullMethod string, client bool) *methodTags {
	cache := &cfg.serverTags
	if client {
		cache = &cfg.clientTags
	}
	if v, ok := cache.m.Load(fullMethod); ok {
		return v.(*methodTags)
	}
	if cache.n.Load() >= maxCachedMethods {
		return nil
	}
	mk, _ := cfg.methodKeys(client)
	m, err := tag.NewMap(tag.Upsert(mk, trimSlash(fullMethod), noProp))
	if err != nil {
		return nil
	}
	v, loaded := cache.m.LoadOrStore(fullMethod, &methodTags{method: m})
	if !loaded {
		cache.n.Add(1)
	}
	return v.(*methodTags)
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}

// statsStart puts the method tag in the call's context and records
// started_rpcs.
func (c *call) statsStart() {
	cfg := c.cfg
	c.userTags = tag.FromContext(c) // the caller's: the call answers for tags only from here on
	var m *tag.Map
	if c.userTags == nil {
		if mt := cfg.cached(c.fullMethod, c.client); mt != nil {
			c.mt = mt
			m = mt.method
		}
	}
	if m == nil {
		mk, _ := cfg.methodKeys(c.client)
		var err error
		if m, err = c.userTags.With(tag.Upsert(mk, trimSlash(c.fullMethod), noProp)); err != nil {
			return
		}
	}
	c.tags.Store(m)
	started := ServerStartedRPCs
	if c.client {
		started = ClientStartedRPCs
	}
	cfg.manager().Record(c, started.M(1))
}

// statsEnd records the per-RPC measures, tagged with method and status.
func (c *call) statsEnd(code uint32, latency time.Duration) {
	cfg := c.cfg
	var m *tag.Map
	if c.mt != nil && int(code) < len(c.mt.byCode) {
		slot := &c.mt.byCode[code]
		if m = slot.Load(); m == nil {
			_, sk := cfg.methodKeys(c.client)
			if built, err := c.mt.method.With(tag.Upsert(sk, statusName(code), noProp)); err == nil {
				slot.Store(built)
				m = built
			}
		}
	}
	if m == nil {
		mk, sk := cfg.methodKeys(c.client)
		var err error
		m, err = c.userTags.With(tag.Upsert(mk, trimSlash(c.fullMethod), noProp), tag.Upsert(sk, statusName(code), noProp))
		if err != nil {
			return
		}
	}
	c.tags.Store(m)
	ms := float64(latency) / float64(time.Millisecond)
	if c.client {
		cfg.manager().Record(c,
			ClientSentBytesPerRPC.M(c.sentBytes.Load()), ClientReceivedBytesPerRPC.M(c.recvBytes.Load()),
			ClientSentMessagesPerRPC.M(c.sentMsgs.Load()), ClientReceivedMessagesPerRPC.M(c.recvMsgs.Load()),
			ClientRoundtripLatency.M(ms))
		return
	}
	cfg.manager().Record(c,
		ServerSentBytesPerRPC.M(c.sentBytes.Load()), ServerReceivedBytesPerRPC.M(c.recvBytes.Load()),
		ServerSentMessagesPerRPC.M(c.sentMsgs.Load()), ServerReceivedMessagesPerRPC.M(c.recvMsgs.Load()),
		ServerLatency.M(ms))
}

func (cfg *config) manager() *stats.Manager {
	if cfg.statsMgr != nil {
		return cfg.statsMgr
	}
	return stats.Default()
}
