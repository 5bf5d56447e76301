package canonical

import "time"

// Transfer is one ERC-20 transfer (table transfers). Key: chain, tx_hash,
// log_index.
//
// Etherscan's tokentx rows carry no log index, and a transaction can move
// one token several times. A position in the response is no key: pages
// are cut by count, so one transaction's transfers can straddle two pages
// (and two raw objects), overlapping block windows return the same rows
// again at other positions, and nothing promises the order within a
// transaction. For tokentx rows LogIndex is therefore a synthetic, negative
// content key (see clean.TokenTxLogIndex): derived from the row's own
// fields (token, from, to, value) plus its occurrence number among
// identical transfers of that transaction in the same object. It is stable
// across pages, re-fetches and overlaps, and can never collide with a real
// log index (>= 0, from getLogs). Its one failure mode: two byte-identical
// transfers of one transaction split across two raw objects collapse into
// one row (an undercount of exact duplicates, never a double count).
type Transfer struct {
	Chain        string    `json:"chain" col:"key"`
	TxHash       string    `json:"tx_hash" col:"key"`
	LogIndex     int64     `json:"log_index" col:"key"`
	BlockNumber  int64     `json:"block_number"`
	TxIndex      int64     `json:"tx_index"`
	TS           time.Time `json:"ts"`
	TokenAddress string    `json:"token_address"`
	Token        string    `json:"token"` // watchlist key of token_address
	FromAddress  string    `json:"from_address"`
	ToAddress    string    `json:"to_address"`
	ValueRaw     string    `json:"value_raw" col:"numeric"` // exact uint256
	Value        string    `json:"value" col:"numeric"`     // exact, in token units
	ValueFloat   float64   `json:"value_float"`
	Decimals     int       `json:"decimals"`
	Source       string    `json:"source"`
}

func (r Transfer) Table() string { return TableTransfers }
func (r Transfer) KeyParts() []string {
	return []string{r.Chain, r.TxHash, itoa(r.LogIndex)}
}
func (r Transfer) Key() string { return joinKey(r.KeyParts()...) }

// Transaction is one normal transaction of an address (table
// transactions, from Etherscan txlist). Key: chain, tx_hash. The risk
// model reads it for contract creation (created_contract), owner calls
// after launch (method_id, function_name) and failed calls (is_error).
type Transaction struct {
	Chain           string    `json:"chain" col:"key"`
	TxHash          string    `json:"tx_hash" col:"key"`
	BlockNumber     int64     `json:"block_number"`
	TxIndex         int64     `json:"tx_index"`
	TS              time.Time `json:"ts"`
	Nonce           int64     `json:"nonce"`
	FromAddress     string    `json:"from_address"`
	ToAddress       string    `json:"to_address"`              // empty for contract creation
	CreatedContract string    `json:"created_contract"`        // set for contract creation
	ValueRaw        string    `json:"value_raw" col:"numeric"` // wei, exact
	Value           string    `json:"value" col:"numeric"`     // native coin units, exact
	GasUsed         int64     `json:"gas_used"`
	GasPriceRaw     string    `json:"gas_price_raw" col:"numeric"`
	MethodID        string    `json:"method_id"`
	FunctionName    string    `json:"function_name"`
	IsError         bool      `json:"is_error"`
}

func (r Transaction) Table() string      { return TableTransactions }
func (r Transaction) KeyParts() []string { return []string{r.Chain, r.TxHash} }
func (r Transaction) Key() string        { return joinKey(r.KeyParts()...) }

// Swap is one Uniswap V2 pair Swap event seen from the watched token
// (table swaps). Key: chain, tx_hash, log_index.
//
// Side is "buy" when the token left the pair (the trader received it),
// "sell" when it entered; amounts are the net flows of each side.
type Swap struct {
	Chain            string    `json:"chain" col:"key"`
	TxHash           string    `json:"tx_hash" col:"key"`
	LogIndex         int64     `json:"log_index" col:"key"`
	BlockNumber      int64     `json:"block_number"`
	TxIndex          int64     `json:"tx_index"`
	TS               time.Time `json:"ts"`
	PairAddress      string    `json:"pair_address"`
	Token            string    `json:"token"`
	Side             string    `json:"side"` // buy, sell
	AmountTokenRaw   string    `json:"amount_token_raw" col:"numeric"`
	AmountToken      string    `json:"amount_token" col:"numeric"`
	AmountTokenFloat float64   `json:"amount_token_float"`
	AmountQuoteRaw   string    `json:"amount_quote_raw" col:"numeric"`
	AmountQuote      string    `json:"amount_quote" col:"numeric"`
	AmountQuoteFloat float64   `json:"amount_quote_float"`
	// Price is quote units per token unit (amount_quote / amount_token).
	Price float64 `json:"price"`
	// Sender is the Swap event's sender (usually the router); Trader is its
	// `to`, the recipient: the buyer for buys through a router, the router
	// for sells (join transfers on tx_hash to find the seller).
	Sender string `json:"sender"`
	Trader string `json:"trader"`
}

func (r Swap) Table() string { return TableSwaps }
func (r Swap) KeyParts() []string {
	return []string{r.Chain, r.TxHash, itoa(r.LogIndex)}
}
func (r Swap) Key() string { return joinKey(r.KeyParts()...) }

// LiquidityEvent is a Uniswap V2 pair Mint (LP added) or Burn (LP removed)
// event (table liquidity_events). Key: chain, tx_hash, log_index. The risk
// model reads burns for rug pulls (liquidity removed by the creator).
type LiquidityEvent struct {
	Chain          string    `json:"chain" col:"key"`
	TxHash         string    `json:"tx_hash" col:"key"`
	LogIndex       int64     `json:"log_index" col:"key"`
	BlockNumber    int64     `json:"block_number"`
	TxIndex        int64     `json:"tx_index"`
	TS             time.Time `json:"ts"`
	PairAddress    string    `json:"pair_address"`
	Token          string    `json:"token"`
	Kind           string    `json:"kind"` // mint, burn
	Sender         string    `json:"sender"`
	ToAddress      string    `json:"to_address"` // burn: who received the assets
	AmountTokenRaw string    `json:"amount_token_raw" col:"numeric"`
	AmountToken    string    `json:"amount_token" col:"numeric"`
	AmountQuoteRaw string    `json:"amount_quote_raw" col:"numeric"`
	AmountQuote    string    `json:"amount_quote" col:"numeric"`
}

func (r LiquidityEvent) Table() string { return TableLiquidityEvents }
func (r LiquidityEvent) KeyParts() []string {
	return []string{r.Chain, r.TxHash, itoa(r.LogIndex)}
}
func (r LiquidityEvent) Key() string { return joinKey(r.KeyParts()...) }

// PairReserve is a Uniswap V2 Sync event: the pair's reserves after a
// swap, mint or burn (table pair_reserves). Key: chain, tx_hash, log_index.
// Reserves give liquidity and price over time without a price feed.
type PairReserve struct {
	Chain             string    `json:"chain" col:"key"`
	TxHash            string    `json:"tx_hash" col:"key"`
	LogIndex          int64     `json:"log_index" col:"key"`
	BlockNumber       int64     `json:"block_number"`
	TS                time.Time `json:"ts"`
	PairAddress       string    `json:"pair_address"`
	Token             string    `json:"token"`
	ReserveTokenRaw   string    `json:"reserve_token_raw" col:"numeric"`
	ReserveToken      string    `json:"reserve_token" col:"numeric"`
	ReserveQuoteRaw   string    `json:"reserve_quote_raw" col:"numeric"`
	ReserveQuote      string    `json:"reserve_quote" col:"numeric"`
	ReserveQuoteFloat float64   `json:"reserve_quote_float"`
}

func (r PairReserve) Table() string { return TablePairReserves }
func (r PairReserve) KeyParts() []string {
	return []string{r.Chain, r.TxHash, itoa(r.LogIndex)}
}
func (r PairReserve) Key() string { return joinKey(r.KeyParts()...) }

// Contract is a contract's verified source as Etherscan reports it (table
// contracts). Key: chain, address.
type Contract struct {
	Chain   string `json:"chain" col:"key"`
	Address string `json:"address" col:"key"`
	// Token is the contract's token key (chain:address, lower case).
	Token    string `json:"token"`
	Verified bool   `json:"verified"`
	Name     string `json:"name"`
	Compiler string `json:"compiler"`
	IsProxy  bool   `json:"is_proxy"`
	// Implementation is the proxy's implementation address, EIP-55.
	Implementation string `json:"implementation"`
	// SourceFormat is how SourceCode is laid out: "single" (one flattened
	// file), "multi" (a {"file": {"content": ...}} object) or
	// "standard-json" (Solidity standard JSON input, which Etherscan wraps
	// in double braces); empty when unverified.
	SourceFormat string `json:"source_format"`
	SourceFiles  int    `json:"source_files"`
	// SourceSHA256 is the hex SHA-256 of SourceCode exactly as served: a
	// change means the verified source changed.
	SourceSHA256 string    `json:"source_sha256"`
	SourceCode   string    `json:"source_code"`
	ABI          string    `json:"abi"`
	License      string    `json:"license"`
	Optimization bool      `json:"optimization"`
	Runs         *int64    `json:"runs"`
	EVMVersion   string    `json:"evm_version"`
	FetchedAt    time.Time `json:"fetched_at"`
}

func (r Contract) Table() string      { return TableContracts }
func (r Contract) KeyParts() []string { return []string{r.Chain, r.Address} }
func (r Contract) Key() string        { return joinKey(r.KeyParts()...) }
