package clean

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"memepipe/canonical"
)

// tokenTxBody is an Etherscan tokentx page of n transfers.
func tokenTxBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"status":"1","message":"OK","result":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"blockNumber":"%d","timeStamp":"%d","hash":"0x%064x","nonce":"1","blockHash":"0x%064x","from":"0x%040x","contractAddress":"0x6982508145454ce325ddbe47a25d4ec3d2311933","to":"0x%040x","value":"%d000000000000000000","tokenName":"Pepe","tokenSymbol":"PEPE","tokenDecimal":"18","transactionIndex":"%d","gas":"94813","gasPrice":"455565462350","gasUsed":"58409","cumulativeGasUsed":"29558773","input":"deprecated","confirmations":"100"}`,
			17000000+i/10, 1700000000+i, i, i/10, i+1, i+2, i%1000+1, i%200)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkParseTokenTx measures parse + normalise (checksums, exact
// units, synthetic log index) of a 10,000-transfer body, streaming rows to
// a no-op sink.
func BenchmarkParseTokenTx(b *testing.B) {
	body := tokenTxBody(10000)
	p, _ := ParserFor("etherscan.tokentx")
	b.SetBytes(int64(len(body)))
	rows := 0
	for b.Loop() {
		err := p.Parse(context.Background(), Input{Source: "etherscan.tokentx", Body: bytes.NewReader(body)}, func(canonical.Row) error {
			rows++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
