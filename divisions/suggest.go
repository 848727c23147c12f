package divisions

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// maxSuggestions bounds a "did you mean" list so a message stays readable.
const maxSuggestions = 3

// candidate is a division a wrong name may have meant: its official name
// and every form that names it.
type candidate struct {
	name  string
	forms []string
}

// suggest ranks candidates for name: a value that starts with one of a
// candidate's forms (广东深圳 for 广东省) first, then near misses by edit
// distance (one character wrong, missing or extra; two for long names).
func suggest(name string, cs []candidate) []string {
	if name == "" {
		return nil
	}
	type scored struct {
		name  string
		score int
	}
	var found []scored
	for _, c := range cs {
		best := -1
		for _, f := range c.forms {
			n := utf8.RuneCountInString(f)
			if n < 2 {
				continue
			}
			score := -1
			switch d := distance(name, f); {
			case strings.HasPrefix(name, f) && name != f:
				score = 0
			case d <= 1 || (d <= 2 && n >= 5):
				score = d
			}
			if score >= 0 && (best < 0 || score < best) {
				best = score
			}
		}
		if best >= 0 {
			found = append(found, scored{c.name, best})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.score - b.score })
	var out []string
	for _, f := range found {
		if !slices.Contains(out, f.name) {
			out = append(out, f.name)
		}
		if len(out) == maxSuggestions {
			break
		}
	}
	return out
}

// distance is the Levenshtein distance between a and b in characters.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
