package evm

import "strings"

// chainNames maps EVM chain ids (Etherscan v2's chainid parameter) to the
// chain names the watchlist uses.
var chainNames = map[string]string{
	"1":        "ethereum",
	"10":       "optimism",
	"56":       "bsc",
	"100":      "gnosis",
	"137":      "polygon",
	"250":      "fantom",
	"324":      "zksync",
	"8453":     "base",
	"42161":    "arbitrum",
	"43114":    "avalanche",
	"59144":    "linea",
	"81457":    "blast",
	"11155111": "sepolia",
}

// ChainName returns the chain name for an EVM chain id ("1" -> "ethereum").
func ChainName(chainID string) (string, bool) {
	n, ok := chainNames[strings.TrimSpace(chainID)]
	return n, ok
}

// NativeDecimals is the decimals of every EVM chain's native coin (wei).
const NativeDecimals = 18
