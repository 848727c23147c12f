package recycle

import "testing"

func TestStockReusesUpToItsCapacity(t *testing.T) {
	made := 0
	s := New(func() *int { made++; return new(int) })
	n := cap(s.free)
	if n < 4 || n > 8 {
		t.Fatalf("capacity %d, want 4 to 8", n)
	}
	var held []*int
	for range n + 2 {
		held = append(held, s.Get())
	}
	for _, v := range held {
		s.Put(v) // the last two find the stock full
	}
	kept := map[*int]bool{}
	for range n {
		kept[s.Get()] = true
	}
	if made != n+2 || len(kept) != n {
		t.Fatalf("made %d values and got back %d distinct kept ones, want %d and %d", made, len(kept), n+2, n)
	}
	if kept[held[n]] || kept[held[n+1]] {
		t.Fatal("a value put into a full stock was kept")
	}
	if s.Get(); made != n+3 {
		t.Fatalf("an empty stock did not make a new value (made %d)", made)
	}
}
