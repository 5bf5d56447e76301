package clean

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"

	"memepipe/canonical"
	"memepipe/evm"
)

func init() { Register(tokenTxParser{}) }

// tokenTxParser reads module=account&action=tokentx: ERC-20 transfers.
type tokenTxParser struct{}

func (tokenTxParser) Source() string { return "etherscan.tokentx" }

type tokenTxRow struct {
	BlockNumber      string `json:"blockNumber"`
	TimeStamp        string `json:"timeStamp"`
	Hash             string `json:"hash"`
	From             string `json:"from"`
	To               string `json:"to"`
	ContractAddress  string `json:"contractAddress"`
	Value            string `json:"value"`
	TokenDecimal     string `json:"tokenDecimal"`
	TransactionIndex string `json:"transactionIndex"`
}

func (tokenTxParser) Parse(ctx context.Context, in Input, emit Emit) error {
	chain := in.chain()
	// Occurrences of identical transfers within a transaction, for the
	// synthetic log index. Reset per block: rows come sorted by block, so
	// memory stays bounded by one block's transfers.
	var curBlock int64 = -1
	seen := map[string]int{}
	// Every row of a page usually has one contract: its token key once.
	var lastContract, lastTokenKey string
	return in.etherscanResult(ctx, func(dec *json.Decoder, path string) error {
		var r tokenTxRow
		if err := dec.Decode(&r); err != nil {
			return in.jsonErr(path, err)
		}
		block, err := in.decInt(path+".blockNumber", r.BlockNumber)
		if err != nil {
			return err
		}
		ts, err := in.decTime(path+".timeStamp", r.TimeStamp)
		if err != nil {
			return err
		}
		hash, err := in.txHash(path+".hash", r.Hash)
		if err != nil {
			return err
		}
		from, err := in.address(path+".from", r.From)
		if err != nil {
			return err
		}
		to, err := in.address(path+".to", r.To)
		if err != nil {
			return err
		}
		contract, err := in.address(path+".contractAddress", r.ContractAddress)
		if err != nil {
			return err
		}
		raw, err := evm.ParseUint256(r.Value)
		if err != nil {
			return in.errAt(path+".value", err)
		}
		decimals, err := in.decInt(path+".tokenDecimal", r.TokenDecimal)
		if err != nil || decimals > 77 {
			return in.errAtf(path+".tokenDecimal", "%q is not a token decimals value (0..77)", clip(r.TokenDecimal, 20))
		}
		if t := in.Token; t != nil && t.Address != "" && strings.EqualFold(t.Address, contract) && int64(t.Decimals) != decimals {
			return in.errAtf(path+".tokenDecimal", "%d disagrees with the watchlist's decimals %d for %s %s", decimals, t.Decimals, t.Symbol, contract)
		}
		txIndex := int64(0)
		if r.TransactionIndex != "" {
			if txIndex, err = in.decInt(path+".transactionIndex", r.TransactionIndex); err != nil {
				return err
			}
		}
		if block != curBlock {
			curBlock = block
			clear(seen)
		}
		valueRaw := raw.String()
		content := hash + "|" + contract + "|" + from + "|" + to + "|" + valueRaw
		occ := seen[content]
		seen[content] = occ + 1
		if contract != lastContract {
			lastContract, lastTokenKey = contract, addressTokenKey(chain, contract)
		}
		value := evm.FormatUnits(raw, int(decimals))
		valueFloat, _ := strconv.ParseFloat(value, 64) // = evm.UnitsFloat, without formatting twice
		return emit(canonical.Transfer{
			Chain: chain, TxHash: hash,
			LogIndex:    TokenTxLogIndex(contract, from, to, valueRaw, occ),
			BlockNumber: block, TxIndex: txIndex, TS: ts,
			TokenAddress: contract, Token: lastTokenKey,
			FromAddress: from, ToAddress: to,
			ValueRaw: valueRaw, Value: value,
			ValueFloat: valueFloat, Decimals: int(decimals),
			Source: in.Source,
		})
	})
}

// TokenTxLogIndex is the synthetic log index of a tokentx row, which has
// none: a negative number in [-2^52, -1] derived from the transfer's
// content (token, from, to, value; addresses compared case-insensitively)
// and its occurrence number among identical transfers of the same
// transaction. Negative so it never collides with a real log index; under
// 2^53 so JavaScript readers of the JSON keep it exact. See
// canonical.Transfer for why a response position is not used.
func TokenTxLogIndex(token, from, to, valueRaw string, occurrence int) int64 {
	var buf [256]byte
	b := buf[:0]
	for _, s := range []string{token, from, to} {
		b = appendLower(b, s)
		b = append(b, 0)
	}
	b = append(b, valueRaw...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(occurrence), 10)
	b = append(b, 0)
	sum := sha256.Sum256(b)
	v := binary.BigEndian.Uint64(sum[:8]) >> 12 // 52 bits
	return -int64(v) - 1
}

// appendLower appends s lower-cased as strings.ToLower would, without
// allocating for ASCII.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
