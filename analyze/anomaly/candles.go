package anomaly

import "time"

// CandleBuilder turns a stream of trades (DEX swaps) into OHLCV bars of a
// fixed size, so the bar detector's pump-and-dump shape can be found on
// tokens no exchange lists: a new meme token's only price is its pair's.
// Buckets with no trade become flat bars at the last close with zero
// volume, as DEX charts draw them; a token quiet for longer than MaxFill
// buckets resumes without the filler (the bar detector reports the gap).
type CandleBuilder struct {
	size    time.Duration
	maxFill int
	cur     *Bar
	curIdx  int64
	last    *Bar
}

// NewCandleBuilder returns a builder of size bars (default 15m) filling at
// most maxFill empty buckets (default 96) between trades.
func NewCandleBuilder(size time.Duration, maxFill int) *CandleBuilder {
	if size <= 0 {
		size = 15 * time.Minute
	}
	if maxFill <= 0 {
		maxFill = 96
	}
	return &CandleBuilder{size: size, maxFill: maxFill}
}

// Push adds a trade and returns the bars it completes (the open bar, and
// fillers for the empty buckets since). Bad trades (see Trade.Validate) are
// refused with ErrBadRow; trades must come in time order.
func (c *CandleBuilder) Push(t Trade) ([]Bar, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	idx := t.TS.UnixNano() / int64(c.size)
	var out []Bar
	if c.cur != nil && idx != c.curIdx {
		if idx < c.curIdx {
			return nil, badRow("out of order", "trade at %s before the open bar", t.TS.Format(time.RFC3339))
		}
		out = append(out, *c.cur)
		prev := *c.cur
		c.last = &prev
		gap := idx - c.curIdx - 1
		if gap <= int64(c.maxFill) {
			for i := int64(1); i <= gap; i++ {
				ts := time.Unix(0, (c.curIdx+i)*int64(c.size)).UTC()
				out = append(out, Bar{TS: ts, Open: prev.Close, High: prev.Close, Low: prev.Close, Close: prev.Close})
			}
		}
		c.cur = nil
	}
	if c.cur == nil {
		c.curIdx = idx
		open := t.Price
		if c.last != nil {
			// A DEX bar opens where the previous one closed: the pool's
			// price does not move between trades.
			open = c.last.Close
		}
		c.cur = &Bar{TS: time.Unix(0, idx*int64(c.size)).UTC(), Open: open, High: max(open, t.Price), Low: min(open, t.Price), Close: t.Price}
	}
	b := c.cur
	b.High = max(b.High, t.Price)
	b.Low = min(b.Low, t.Price)
	b.Close = t.Price
	b.Volume += t.Price * t.Amount
	return out, nil
}

// Flush returns the open bar, if any.
func (c *CandleBuilder) Flush() []Bar {
	if c.cur == nil {
		return nil
	}
	b := *c.cur
	c.last, c.cur = &b, nil
	return []Bar{b}
}
