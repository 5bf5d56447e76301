package sim

// pricePoint is the pair's price (WETH per token) after a transaction.
type pricePoint struct {
	ts    int64
	price float64
	weth  float64
	swap  bool
	buy   bool
}

type hourPoints struct {
	open float64
	pts  []pricePoint
}

// points are the price-moving transactions of hour h and the price at the
// hour's start.
func (s *Sim) points(t *token, h int) hourPoints {
	if h < 0 || h >= s.m.hours {
		return hourPoints{}
	}
	key := cacheKey{kind: 'p', tok: t.idx, hour: h}
	if v, ok := s.cache.get(key); ok {
		return v.(hourPoints)
	}
	sk := s.m.skel(t)
	st := sk.states[h]
	hp := hourPoints{open: st.price(t)}
	for _, tx := range s.hourTxs(t, h) {
		if tx.priceAft == 0 {
			continue
		}
		hp.pts = append(hp.pts, pricePoint{ts: tx.ts, price: tx.priceAft, weth: tx.wethAmt, swap: tx.swap, buy: tx.buy})
	}
	s.cache.put(key, hp)
	return hp
}

// priceBefore is the price just before time ts (0 before launch).
func (s *Sim) priceBefore(t *token, ts int64) float64 {
	h := s.m.hourOf(ts)
	if h < 0 {
		return 0
	}
	if h >= s.m.hours {
		h = s.m.hours - 1
	}
	if ts == s.m.hourStart(h) {
		st := s.m.skel(t).states[h]
		return st.price(t)
	}
	hp := s.points(t, h)
	p := hp.open
	for _, pt := range hp.pts {
		if pt.ts >= ts {
			break
		}
		p = pt.price
	}
	return p
}

// span aggregates trading in [from, to), never past now. Prices are WETH
// per token; launched is false when the pair had no price in the span.
func (s *Sim) span(t *token, from, to int64) hourBar {
	now := s.now()
	if to > now+1 {
		to = now + 1
	}
	p := s.priceBefore(t, from)
	b := hourBar{open: p, high: p, low: p, close: p, launched: p > 0}
	if from >= to {
		return b
	}
	sk := s.m.skel(t)
	for h := max(0, s.m.hourOf(from)); h <= s.m.hourOf(to-1) && h < s.m.hours; h++ {
		hs := s.m.hourStart(h)
		if hs >= from && hs+3600 <= to {
			hb := sk.bars[h]
			if !hb.launched || hb.close == 0 {
				continue
			}
			b.merge(hb)
			continue
		}
		for _, pt := range s.points(t, h).pts {
			if pt.ts < from || pt.ts >= to {
				continue
			}
			b.add(pt)
		}
	}
	return b
}

func (b *hourBar) add(pt pricePoint) {
	if !b.launched || b.open == 0 {
		b.open, b.high, b.low = pt.price, pt.price, pt.price
		b.launched = true
	}
	b.high = max(b.high, pt.price)
	if pt.price < b.low {
		b.low = pt.price
	}
	b.close = pt.price
	if pt.swap {
		b.volWETH += pt.weth
		if pt.buy {
			b.buys++
		} else {
			b.sells++
		}
	}
}

func (b *hourBar) merge(o hourBar) {
	if !b.launched || b.open == 0 {
		b.open, b.high, b.low = o.open, o.high, o.low
		if b.open == 0 {
			b.open, b.high, b.low = o.low, o.high, o.low
		}
		b.launched = true
	}
	b.high = max(b.high, o.high)
	if o.low > 0 && o.low < b.low {
		b.low = o.low
	}
	b.close = o.close
	b.volWETH += o.volWETH
	b.buys += o.buys
	b.sells += o.sells
}

// current is the state as of now: price, reserves and holders.
func (s *Sim) current(t *token) (price float64, st chainState) {
	now := s.now()
	h := s.m.hourOf(now)
	if h >= s.m.hours {
		h = s.m.hours - 1
	}
	sk := s.m.skel(t)
	if h < 0 {
		return 0, sk.states[0]
	}
	// The reserves at now: replay the hour's Sync logs up to now.
	st = sk.states[h].clone()
	for _, tx := range s.hourTxs(t, h) {
		if tx.ts > now {
			break
		}
		for _, l := range tx.logs {
			if l.address == t.Pair && len(l.topics) == 1 && l.topics[0] == TopicSync {
				r0, r1 := parseWord(l.data[2:66]), parseWord(l.data[66:130])
				if !t.token0 {
					r0, r1 = r1, r0
				}
				st.rTok, st.rWeth = r0, r1
			}
		}
	}
	return st.price(t), st
}
