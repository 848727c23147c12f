package quota

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ewaybillv1 "github.com/ewaybill/ewaybill/gen/go/ewaybill/v1"
	"github.com/ewaybill/ewaybill/storage"
)

// Number segments (Leaf-style). A node does not take each serial from the
// carrier's range, which every node would then write for every number:
// it leases a segment of serials (moving the range's high-water mark past
// them, in the pool's counters as issued) and issues from the segment,
// whose row only it writes. The lease is stored in the transaction that
// issues the segment's first serial, so it is committed before any of
// them is handed out; each serial issued moves the segment's next_serial
// in the same transaction as the waybill, so a crash loses no serial and
// a serial is never issued twice. Correctness never rests on node ids
// being distinct: two nodes on one segment only conflict and retry.
const (
	// DefaultSegmentSize is how many serials a node leases at a time.
	DefaultSegmentSize = 1000
	// MaxSegmentSize bounds a lease: a larger one only leaves more
	// serials idle in the segment of a node that stops, until another
	// node takes it over.
	MaxSegmentSize = 1_000_000
	// DefaultSegmentTakeover is how long a segment must have been idle
	// before another node may take it over: a node that died, or that
	// stopped issuing for the carrier, leaves no serials stranded.
	DefaultSegmentTakeover = time.Minute
	// defaultNodeID is the node id of a service given none, as on one
	// machine with the embedded store.
	defaultNodeID = "local"
)

// nodeMemory is a node's memory of the segment it issues from per
// carrier, and of each pool's level as last seen. The segment is a hint:
// it is read, and its holder checked, in every transaction that issues
// from it. The level is what the metrics show: exact with one node; with
// several, each node's misses the others' issues until its next full view
// of the pool (a range imported or retired, a pool update, the start).
type nodeMemory struct {
	mu     sync.Mutex
	first  map[string]int64
	levels map[string]level
}

func (h *nodeMemory) segment(code string) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first, ok := h.first[code]
	return first, ok
}

// remember records, after a commit, the segment a node holds for code,
// or that it holds none (seg nil or used up).
func (h *nodeMemory) remember(code string, seg *ewaybillv1.NumberSegment) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.first == nil {
		h.first = map[string]int64{}
	}
	if seg == nil || remaining(seg) == 0 {
		delete(h.first, code)
		return
	}
	h.first[code] = seg.GetFirstSerial()
}

// setLevel records a pool's available count and low watermark, as a
// view of it counted them.
func (h *nodeMemory) setLevel(code string, l level) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.levels == nil {
		h.levels = map[string]level{}
	}
	h.levels[code] = l
}

// lower takes issued off the pool's last recorded level and returns the
// new level; ok is false when none was recorded.
func (h *nodeMemory) lower(code string, issued int64) (l level, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok = h.levels[code]
	if ok {
		l.available -= issued
		h.levels[code] = l
	}
	return l, ok
}

// level is what PoolLevel is told of a pool.
type level struct{ available, lowWatermark int64 }

func remaining(seg *ewaybillv1.NumberSegment) int64 {
	return seg.GetLastSerial() - seg.GetNextSerial() + 1
}

func (s *Service) nodeID() string {
	if s.NodeID == "" {
		return defaultNodeID
	}
	return s.NodeID
}

func (s *Service) segmentSize() int64 {
	if s.SegmentSize <= 0 {
		return DefaultSegmentSize
	}
	return s.SegmentSize
}

func (s *Service) segmentTakeover() time.Duration {
	if s.SegmentTakeover <= 0 {
		return DefaultSegmentTakeover
	}
	return s.SegmentTakeover
}

// segment returns the segment this session issues code's serials from,
// with serials left, leasing one when the node holds none; nil when the
// carrier has no serial left to lease.
func (s *session) segment(code string) (*ewaybillv1.NumberSegment, error) {
	if seg := s.segments[code]; seg != nil && remaining(seg) > 0 {
		return seg, nil
	}
	if first, ok := s.svc.memory.segment(code); ok && s.segments[code] == nil {
		seg, err := s.tx.NumberSegments().Get(code, first)
		switch {
		case err == nil && seg.GetNode() == s.svc.nodeID() && remaining(seg) > 0:
			s.segments[code] = seg
			return seg, nil
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return nil, err
		}
	}
	return s.lease(code)
}

// lease finds the node a segment of code: one it already holds (after a
// restart), one idle past the takeover time, or a new one carved from the
// lowest open range. A used-up segment of the session's is deleted first,
// so the search passes it by.
func (s *session) lease(code string) (*ewaybillv1.NumberSegment, error) {
	if old := s.segments[code]; old != nil {
		if err := s.tx.NumberSegments().Delete(code, old.GetFirstSerial()); err != nil {
			return nil, err
		}
		delete(s.segments, code)
	}
	me, idleSince := s.svc.nodeID(), s.now.Add(-s.svc.segmentTakeover())
	live, err := liveSegments(s.tx, code, nil)
	if err != nil {
		return nil, err
	}
	var mine, idle *ewaybillv1.NumberSegment
	for _, seg := range live {
		switch {
		case seg.GetNode() == me && mine == nil:
			mine = seg
		case idle == nil && !seg.GetUpdateTime().AsTime().After(idleSince):
			idle = seg
		}
	}
	if seg := cmp.Or(mine, idle); seg != nil {
		seg.Node = me
		s.segments[code] = seg
		return seg, nil
	}
	r, err := s.openRange(code)
	if err != nil || r == nil {
		return nil, err
	}
	pool, err := s.pool(code)
	if err != nil {
		return nil, err
	}
	n := min(s.svc.segmentSize(), r.GetLastSerial()-r.GetNextSerial()+1)
	seg := &ewaybillv1.NumberSegment{
		Carrier: code, FirstSerial: r.GetNextSerial(), LastSerial: r.GetNextSerial() + n - 1,
		NextSerial: r.GetNextSerial(), Node: me,
	}
	// The range's high-water mark passes the segment, and the pool counts
	// its serials as issued, until views add back what is left of it.
	r.NextSerial += n
	pool.Available -= n
	pool.Issued += n
	s.taken[code] = true
	s.segments[code] = seg
	return seg, nil
}

// flushSegments stores the segments the session issued from, deleting
// those used up.
func (s *session) flushSegments() error {
	ts := timestamppb.New(s.now)
	for _, code := range slices.Sorted(maps.Keys(s.segments)) {
		seg := s.segments[code]
		if remaining(seg) == 0 {
			if err := s.tx.NumberSegments().Delete(code, seg.GetFirstSerial()); err != nil {
				return err
			}
			continue
		}
		seg.UpdateTime = ts
		if err := s.tx.NumberSegments().Put(code, seg); err != nil {
			return err
		}
	}
	return nil
}

// eachSegment calls fn for each of code's segments, of all nodes, in
// order of first serial.
func eachSegment(tx storage.Tx, code string, fn func(*ewaybillv1.NumberSegment) error) error {
	return all(func(p storage.Page[*ewaybillv1.NumberSegment]) ([]*ewaybillv1.NumberSegment, string, error) {
		return tx.NumberSegments().List(code, p)
	}, fn)
}

// liveSegments returns code's segments, of all nodes, that have serials
// left, in order; only those leased from r when r is not nil.
func liveSegments(tx storage.Tx, code string, r *ewaybillv1.NumberRange) ([]*ewaybillv1.NumberSegment, error) {
	var out []*ewaybillv1.NumberSegment
	err := eachSegment(tx, code, func(seg *ewaybillv1.NumberSegment) error {
		if (r == nil || inRange(seg, r)) && remaining(seg) > 0 {
			out = append(out, seg)
		}
		return nil
	})
	return out, err
}

func inRange(seg *ewaybillv1.NumberSegment, r *ewaybillv1.NumberRange) bool {
	return seg.GetFirstSerial() >= r.GetFirstSerial() && seg.GetFirstSerial() <= r.GetLastSerial()
}

// leased sums the serials left in segs.
func leased(segs []*ewaybillv1.NumberSegment) int64 {
	var n int64
	for _, seg := range segs {
		n += remaining(seg)
	}
	return n
}

// rangeView is a stored range as the API shows it, given the carrier's
// live segments: next_serial is the lowest serial not yet issued, which a
// segment leased from the range may hold below the stored high-water
// mark.
func rangeView(r *ewaybillv1.NumberRange, live []*ewaybillv1.NumberSegment) *ewaybillv1.NumberRange {
	if r.GetState() != rangeActive {
		return r
	}
	for _, seg := range live {
		if inRange(seg, r) {
			r.NextSerial = min(r.GetNextSerial(), seg.GetNextSerial())
		}
	}
	return r
}
