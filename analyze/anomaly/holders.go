package anomaly

import (
	"sort"
	"strings"
)

// Well-known addresses that hold tokens without being holders: mints come
// from the zero address, burns go to it or to 0x...dEaD.
const (
	ZeroAddress = "0x0000000000000000000000000000000000000000"
	DeadAddress = "0x000000000000000000000000000000000000dead"
)

// IsBurnAddress reports whether a (lower-case) address is the zero
// address or a conventional dead address.
func IsBurnAddress(a string) bool {
	a = strings.ToLower(a)
	return a == ZeroAddress || a == DeadAddress || a == "0xdead000000000000000042069420694206942069"
}

// HolderBook replays transfers into balances. Its state is one entry per
// address that ever held the token, which is the holder list itself, not
// the history. Addresses in the exclude set (the DEX pair, lockers) and burn
// addresses are kept out of concentration figures.
type HolderBook struct {
	bal     map[string]float64
	exclude map[string]bool
	// Negative counts transfers that drove a balance below zero: the replay
	// started after the token's first transfers, or amounts were rounded.
	Negative int
}

// NewHolderBook returns an empty book; exclude lists addresses (any case)
// left out of concentration figures, typically the pair and lockers.
func NewHolderBook(exclude ...string) *HolderBook {
	h := &HolderBook{bal: map[string]float64{}, exclude: map[string]bool{}}
	for _, a := range exclude {
		h.exclude[strings.ToLower(a)] = true
	}
	return h
}

// Excluded reports whether a is left out of concentration figures.
func (h *HolderBook) Excluded(a string) bool {
	a = strings.ToLower(a)
	return h.exclude[a] || IsBurnAddress(a)
}

// Apply moves amount from one address to another. It returns whether the
// receiver is a new holder (balance was zero and it is not excluded).
func (h *HolderBook) Apply(from, to string, amount float64) (newHolder bool) {
	from, to = strings.ToLower(from), strings.ToLower(to)
	if from != ZeroAddress {
		b := h.bal[from] - amount
		if b < -1e-9*amount {
			h.Negative++
		}
		if b <= 1e-12*amount {
			delete(h.bal, from)
		} else {
			h.bal[from] = b
		}
	}
	if amount > 0 {
		old := h.bal[to]
		h.bal[to] = old + amount
		newHolder = old <= 0 && !h.Excluded(to)
	}
	return newHolder
}

// Balance of an address.
func (h *HolderBook) Balance(a string) float64 { return h.bal[strings.ToLower(a)] }

// Balances is the book's state: every address with a positive balance
// (lower case). It is the book's own map, for saving a replay to resume it
// (RestoreHolderBook); callers must not change it.
func (h *HolderBook) Balances() map[string]float64 { return h.bal }

// RestoreHolderBook returns a book that goes on from balances (as Balances
// returned them, or nil for none) and negative (the Negative count so far).
func RestoreHolderBook(balances map[string]float64, negative int, exclude ...string) *HolderBook {
	h := NewHolderBook(exclude...)
	if balances != nil {
		h.bal = balances
	}
	h.Negative = negative
	return h
}

// Concentration summarises who holds the circulating supply (everything
// held outside the excluded and burn addresses).
type Concentration struct {
	Holders     int     `json:"holders"`
	Circulating float64 `json:"circulating"`
	Top10Share  float64 `json:"top10_share"`
	// HHI is the Herfindahl-Hirschman index over holder shares, in [0,1]:
	// 1 is one holder, 1/n is n equal holders.
	HHI float64 `json:"hhi"`
	// Top holds the ten largest holders, largest first.
	Top []HolderShare `json:"top,omitempty"`
}

// HolderShare is one holder's share of the circulating supply.
type HolderShare struct {
	Address string  `json:"address"`
	Share   float64 `json:"share"`
}

// Concentration computes the figures over the holders sorted by balance
// (largest first, ties by address): summing in a fixed order makes the
// result identical from run to run, which a map's random order does not
// (float addition is not associative), and re-running an interval must
// store the same numbers.
func (h *HolderBook) Concentration() Concentration {
	var c Concentration
	hs := make([]HolderShare, 0, len(h.bal))
	for a, b := range h.bal {
		if b <= 0 || h.Excluded(a) {
			continue
		}
		hs = append(hs, HolderShare{a, b})
	}
	sort.Slice(hs, func(i, j int) bool {
		if hs[i].Share != hs[j].Share {
			return hs[i].Share > hs[j].Share
		}
		return hs[i].Address < hs[j].Address
	})
	var sumSq float64
	for _, x := range hs {
		c.Circulating += x.Share
		sumSq += x.Share * x.Share
	}
	c.Holders = len(hs)
	if c.Circulating <= 0 {
		return c
	}
	c.HHI = sumSq / (c.Circulating * c.Circulating)
	c.Top = make([]HolderShare, 0, min(10, len(hs)))
	for _, x := range hs[:min(10, len(hs))] {
		x.Share /= c.Circulating
		c.Top = append(c.Top, x)
		c.Top10Share += x.Share
	}
	return c
}
