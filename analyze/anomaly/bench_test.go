package anomaly

import (
	"bytes"
	"fmt"
	"os"
	"testing"
	"time"

	"memepipe/internal/shareddata"
)

func BenchmarkBarDetector(b *testing.B) {
	bars := noisyBars(10000, 0, 9)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		d := NewBarDetector(BarConfig{})
		for j := range bars {
			if _, err := d.Push(bars[j]); err != nil {
				b.Fatal(err)
			}
		}
		n += len(bars)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "bars/s")
}

func BenchmarkTradeDetectorSwaps(b *testing.B) {
	var swaps []Trade
	for i := range 10000 {
		side := Buy
		if i%3 == 2 {
			side = Sell
		}
		swaps = append(swaps, Trade{TS: t0.Add(time.Duration(i) * 4 * time.Second), Block: uint64(1000 + i/3), Side: side, Price: 1e-6, Amount: 1e6, Trader: fmt.Sprintf("0x%040x", i%500)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		d := NewTradeDetector(TradeConfig{})
		for j := range swaps {
			if _, err := d.Push(swaps[j]); err != nil {
				b.Fatal(err)
			}
		}
		d.Flush()
		n += len(swaps)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "swaps/s")
}

func BenchmarkTransferDetector(b *testing.B) {
	// 10,000 transfers among 2,000 holders and the pair, one a second.
	var trs []Transfer
	trs = append(trs, Transfer{TS: t0, From: ZeroAddress, To: pair, Amount: 1e9})
	for i := 1; i < 10000; i++ {
		from, to := pair, addr(i%2000)
		if i%3 == 0 {
			from, to = addr((i*7)%2000), pair
		}
		if i%11 == 0 {
			from, to = addr(i%2000), addr((i+1)%2000)
		}
		trs = append(trs, Transfer{TS: t0.Add(time.Duration(i) * time.Second), From: from, To: to, Amount: 10})
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		d := NewTransferDetector(TransferConfig{Exclude: []string{pair}})
		for j := range trs {
			if _, err := d.Push(trs[j]); err != nil {
				b.Fatal(err)
			}
		}
		d.Flush()
		n += len(trs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkScanBarsCSV: the CSV front-end on the real Coinbase minute file
// (46,888 rows, newest first, so buffered and replayed).
func BenchmarkScanBarsCSV(b *testing.B) {
	raw, err := os.ReadFile(shareddata.Path(b, "prices", "coinbase_DOGE-USD_1min_2023-11-27_2023-12-29.csv"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	rows := 0
	for i := 0; i < b.N; i++ {
		rep, err := ScanBars(bytes.NewReader(raw), "coinbase", BarConfig{}, func(Anomaly) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
