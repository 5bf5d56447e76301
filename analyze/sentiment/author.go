package sentiment

import (
	"math"
	"strconv"
)

// Author is what a post says about its author, for the spam head. Bots
// and promotion accounts have follower and friend counts unlike people's:
// price feeds are followed by many and follow few, follow-back farms
// follow thousands. The zero value knows nothing.
type Author struct {
	Followers    int64 // accounts following the author
	Friends      int64 // accounts the author follows (X's following_count)
	HasFollowers bool  // Followers is known
	HasFriends   bool  // Friends is known
}

// row is one labelled example as a head's trainer sees it: the text, what
// is known of its author (nil: nothing) and its weight in the loss (0
// counts as 1).
type row struct {
	Example
	Author *Author
	Weight float64
}

func (r row) weight() float64 {
	if r.Weight == 0 {
		return 1
	}
	return r.Weight
}

func rowsOf(ex []Example) []row {
	out := make([]row, len(ex))
	for i, e := range ex {
		out[i] = row{Example: e}
	}
	return out
}

// authorFeatures adds the author's counts: the log count and its
// half-decade bin (a linear model cannot otherwise say "few friends and
// many followers" is suspicious while "some of both" is not), the log
// ratio of followers to friends, and a missing mark for each count that
// is unknown, so text-only scoring is a case the head was trained on.
func (x *extractor) authorFeatures() {
	a := x.author
	if a == nil {
		a = &Author{}
	}
	count := func(name string, n int64, known bool) float64 {
		if !known {
			x.dense(name+"?", 1)
			return 0
		}
		l := math.Log1p(float64(max(n, 0)))
		x.dense(name, l/10)
		bin := min(int(l/math.Ln10*2), 12)
		x.dense(name+strconv.Itoa(bin), 1)
		return l
	}
	fol := count("a:fol", a.Followers, a.HasFollowers)
	fri := count("a:fri", a.Friends, a.HasFriends)
	if a.HasFollowers && a.HasFriends {
		r := fol - fri
		x.dense("a:ratio", r/10)
		x.dense("a:ratio"+strconv.Itoa(max(-4, min(4, int(math.Round(r/math.Ln10*2))))), 1)
	}
}
