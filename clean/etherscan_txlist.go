package clean

import (
	"context"
	"encoding/json"

	"memepipe/canonical"
	"memepipe/evm"
)

func init() { Register(txListParser{}) }

// txListParser reads module=account&action=txlist: normal transactions.
type txListParser struct{}

func (txListParser) Source() string { return "etherscan.txlist" }

type txListRow struct {
	BlockNumber      string `json:"blockNumber"`
	TimeStamp        string `json:"timeStamp"`
	Hash             string `json:"hash"`
	Nonce            string `json:"nonce"`
	TransactionIndex string `json:"transactionIndex"`
	From             string `json:"from"`
	To               string `json:"to"`
	Value            string `json:"value"`
	GasPrice         string `json:"gasPrice"`
	GasUsed          string `json:"gasUsed"`
	IsError          string `json:"isError"`
	TxReceiptStatus  string `json:"txreceipt_status"`
	ContractAddress  string `json:"contractAddress"`
	MethodID         string `json:"methodId"`
	FunctionName     string `json:"functionName"`
	Input            string `json:"input"`
}

func (txListParser) Parse(ctx context.Context, in Input, emit Emit) error {
	chain := in.chain()
	return in.etherscanResult(ctx, func(dec *json.Decoder, path string) error {
		var r txListRow
		if err := dec.Decode(&r); err != nil {
			return in.jsonErr(path, err)
		}
		t := canonical.Transaction{Chain: chain}
		var err error
		if t.BlockNumber, err = in.decInt(path+".blockNumber", r.BlockNumber); err != nil {
			return err
		}
		if t.TS, err = in.decTime(path+".timeStamp", r.TimeStamp); err != nil {
			return err
		}
		if t.TxHash, err = in.txHash(path+".hash", r.Hash); err != nil {
			return err
		}
		if t.Nonce, err = in.decInt(path+".nonce", r.Nonce); err != nil {
			return err
		}
		if t.TxIndex, err = in.decInt(path+".transactionIndex", r.TransactionIndex); err != nil {
			return err
		}
		if t.FromAddress, err = in.address(path+".from", r.From); err != nil {
			return err
		}
		if t.ToAddress, err = in.optAddress(path+".to", r.To); err != nil {
			return err
		}
		if t.CreatedContract, err = in.optAddress(path+".contractAddress", r.ContractAddress); err != nil {
			return err
		}
		value, err := evm.ParseUint256(r.Value)
		if err != nil {
			return in.errAt(path+".value", err)
		}
		t.ValueRaw, t.Value = value.String(), evm.FormatUnits(value, evm.NativeDecimals)
		gasPrice, err := evm.ParseUint256(r.GasPrice)
		if err != nil {
			return in.errAt(path+".gasPrice", err)
		}
		t.GasPriceRaw = gasPrice.String()
		if t.GasUsed, err = in.decInt(path+".gasUsed", r.GasUsed); err != nil {
			return err
		}
		switch r.IsError {
		case "0", "":
		case "1":
			t.IsError = true
		default:
			return in.errAtf(path+".isError", "%q is neither \"0\" nor \"1\"", clip(r.IsError, 20))
		}
		if r.TxReceiptStatus == "0" {
			t.IsError = true
		}
		t.MethodID = r.MethodID
		if t.MethodID == "" && t.ToAddress != "" && len(r.Input) >= 10 {
			// Older responses have no methodId: the selector is the first
			// four bytes of the input.
			t.MethodID = r.Input[:10]
		}
		t.FunctionName = r.FunctionName
		return emit(t)
	})
}
