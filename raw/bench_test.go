package raw

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// BenchmarkPut measures raw-zone write throughput (MB/s of response bodies)
// for a typical Etherscan tokentx page (~1,000 rows, ~700 KB of JSON),
// each iteration a new page (the hash differs), so every Put writes.
//
//	go test ./raw -run '^$' -bench Put -benchtime 2s
func BenchmarkPut(b *testing.B) {
	page := []byte(`{"status":"1","message":"OK","result":[`)
	row := []byte(`{"blockNumber":"14051455","timeStamp":"1642802286","hash":"0xccb6a445e136492b242d1c2c0221dc4afd4447c96601e88c156ec4d52e993b8f","nonce":"41","blockHash":"0x0be45efc0b0dc23bdd08828d98ff154dc8eb2eb5a7df7f0c1f6b59d3479fa409","from":"0xe21c192cd270286dbbb0fba10a8b8d9957d431e5","contractAddress":"0xdac17f958d2ee523a2206206994597c13d831ec7","to":"0x6e15887e2cec81434c16d587709f64603b39b545","value":"1166000000","tokenName":"Tether USD","tokenSymbol":"USDT","tokenDecimal":"6","transactionIndex":"619","gas":"94813","gasPrice":"455565462350","gasUsed":"58409","cumulativeGasUsed":"29558773","input":"deprecated","methodId":"0xa9059cbb","functionName":"transfer(address _to, uint256 _value)","confirmations":"9866928"},`)
	for range 1000 {
		page = append(page, row...)
	}
	page = append(page, `{}]}`...)
	for _, c := range []struct {
		name string
		open func(b *testing.B) *Zone
	}{
		{"file", func(b *testing.B) *Zone { z, _ := openFileZone(b); return z }},
		{"mem", func(b *testing.B) *Zone { return memZone(b) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			z := c.open(b)
			ctx := context.Background()
			body := append([]byte(nil), page...)
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				binary.BigEndian.PutUint64(body[len(body)-12:], uint64(i)) // a new page each time
				_, existed, err := z.Put(ctx, Object{Meta: Meta{Source: "etherscan.tokentx", Token: tokA, Interval: ivH0, Status: 200,
					FetchedAt: time.Unix(0, 0), ContentType: "application/json"}, Body: body})
				if err != nil || existed {
					b.Fatal(err, existed)
				}
			}
		})
	}
}

// BenchmarkListFileZone lists 20,000 pages of one interval folder of a file
// zone (keys/s), by the zone's own folder walk and through fileblob's
// bucket listing, which walks the folder once per 1,000 keys and reads the
// attributes file of every key before the page.
//
//	go test ./raw -run '^$' -bench ListFileZone -benchtime 3x
func BenchmarkListFileZone(b *testing.B) {
	z, _ := openFileZone(b)
	ctx := context.Background()
	const n = 20_000
	for i := range n {
		_, _, err := z.Put(ctx, Object{Meta: Meta{Source: "etherscan.tokentx", Token: fmt.Sprintf("ethereum:0x%040x", i), Interval: ivH0, Status: 200,
			FetchedAt: time.Unix(0, 0), ContentType: "application/json"}, Body: []byte{byte(i)}})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		z    *Zone
	}{{"walk", z}, {"fileblob", NewZone(z.bucket)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				keys, err := c.z.Keys(ctx, Filter{Source: "etherscan.tokentx"})
				if err != nil || len(keys) != n {
					b.Fatal(err, len(keys))
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}
