package anomaly

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// TradeReader reads trades from CSV by header name: ts (or time,
// timestamp, date), side (buy/sell), price, amount (or qty, quantity,
// size), and optionally block, tx (tx_hash, hash), trader (wallet, maker,
// taker, address) and fresh (1/true for a fresh wallet).
type TradeReader struct {
	rows
	iTS, iSide, iPrice, iAmt, iBlock, iTx, iTr, iFresh int
}

// NewTradeReader reads the header of r.
func NewTradeReader(r io.Reader, source string) (*TradeReader, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	h, err := readHeader(cr, source)
	if err != nil {
		return nil, err
	}
	tr := &TradeReader{rows: rows{cr: cr, source: source, line: 1},
		iTS:    h.find("ts", "time", "timestamp", "date", "datetime"),
		iSide:  h.find("side", "type", "direction"),
		iPrice: h.find("price", "px"),
		iAmt:   h.find("amount", "qty", "quantity", "size", "volume"),
		iBlock: h.find("block", "block_number", "blocknumber"),
		iTx:    h.find("tx", "tx_hash", "txhash", "hash", "transaction_hash"),
		iTr:    h.find("trader", "wallet", "taker", "maker", "address", "buyer"),
		iFresh: h.find("fresh", "fresh_wallet", "new_wallet"),
	}
	var missing []string
	for _, c := range []struct {
		n string
		i int
	}{{"ts", tr.iTS}, {"side", tr.iSide}, {"price", tr.iPrice}, {"amount", tr.iAmt}} {
		if c.i < 0 {
			missing = append(missing, c.n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: not a trades file: no %s column (want ts,side,price,amount)", source, strings.Join(missing, ", "))
	}
	return tr, nil
}

// Next returns the next trade and its line; io.EOF at the end; errors
// wrapping ErrBadRow for rows that cannot be read.
func (tr *TradeReader) Next() (Trade, int, error) {
	rec, err := tr.next()
	if err != nil {
		return Trade{}, tr.line, err
	}
	get := func(i int) string {
		if i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	ts, err := ParseTime(get(tr.iTS))
	if err != nil {
		return Trade{}, tr.line, err
	}
	t := Trade{TS: ts, TxHash: get(tr.iTx), Trader: strings.ToLower(get(tr.iTr))}
	switch strings.ToLower(get(tr.iSide)) {
	case "buy", "b", "bid", "1":
		t.Side = Buy
	case "sell", "s", "ask", "-1":
		t.Side = Sell
	default:
		return Trade{}, tr.line, badRow("bad side", "%q (want buy or sell)", get(tr.iSide))
	}
	if t.Price, err = parseNum(get(tr.iPrice)); err != nil {
		return Trade{}, tr.line, badRow("unparseable number", "price: %v", err)
	}
	if t.Amount, err = parseNum(get(tr.iAmt)); err != nil {
		return Trade{}, tr.line, badRow("unparseable number", "amount: %v", err)
	}
	if s := get(tr.iBlock); s != "" {
		if t.Block, err = strconv.ParseUint(s, 10, 64); err != nil {
			return Trade{}, tr.line, badRow("unparseable number", "block %q", s)
		}
	}
	switch strings.ToLower(get(tr.iFresh)) {
	case "1", "true", "yes", "y":
		t.FreshWallet = true
	}
	return t, tr.line, nil
}

// ScanTrades runs a TradeDetector over a trades CSV; like ScanBars it
// replays a newest-first file oldest-first.
func ScanTrades(r io.Reader, source string, cfg TradeConfig, emit func(Anomaly) error) (Report, error) {
	rep := Report{Source: source}
	tr, err := NewTradeReader(r, source)
	if err != nil {
		return rep, err
	}
	det := NewTradeDetector(cfg)
	type row struct {
		t    Trade
		line int
	}
	var rows []row
	order := 0
	push := func(t Trade, line int) error {
		evs, err := det.Push(t)
		if err != nil {
			rep.skip(line, err)
			return nil
		}
		rep.Used++
		for _, a := range evs {
			rep.Events++
			if err := emit(a); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		t, line, err := tr.Next()
		if err == io.EOF {
			break
		}
		rep.Rows++
		if err != nil {
			if !errors.Is(err, ErrBadRow) {
				return rep, err
			}
			rep.skip(line, err)
			continue
		}
		// Order is settled by the first two distinct timestamps.
		if order == 0 {
			rows = append(rows, row{t, line})
			if n := len(rows); n >= 2 && !rows[n-1].t.TS.Equal(rows[0].t.TS) {
				if rows[n-1].t.TS.Before(rows[0].t.TS) {
					order = -1
					rep.Reversed = true
				} else {
					order = 1
					for _, r := range rows {
						if err := push(r.t, r.line); err != nil {
							return rep, err
						}
					}
					rows = nil
				}
			}
			continue
		}
		if order == 1 {
			if err := push(t, line); err != nil {
				return rep, err
			}
		} else {
			rows = append(rows, row{t, line})
		}
	}
	if order == -1 {
		slices.Reverse(rows)
	}
	for _, r := range rows {
		if err := push(r.t, r.line); err != nil {
			return rep, err
		}
	}
	for _, a := range det.Flush() {
		rep.Events++
		if err := emit(a); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// DetectTradesCSV is `memepipe anomaly detect --trades F.csv`: trades in
// (ts,side,price,amount[,block,tx,trader,fresh]), events out as CSV.
func DetectTradesCSV(r io.Reader, source string, w io.Writer, cfg TradeConfig) (Report, error) {
	ew, err := NewEventWriter(w)
	if err != nil {
		return Report{Source: source}, err
	}
	rep, err := ScanTrades(r, source, cfg, ew.Write)
	if ferr := ew.Flush(); err == nil {
		err = ferr
	}
	return rep, err
}
