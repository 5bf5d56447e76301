package evm

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// MaxUint256 is 2^256 - 1.
var MaxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// ParseUint256 parses a base-10 unsigned integer as Etherscan prints
// uint256 values ("1166000000"). Signs, spaces, exponents, decimal points
// and values above 2^256-1 are rejected: a token amount that is not an
// exact uint256 is bad input, never something to round.
func ParseUint256(s string) (*big.Int, error) {
	if s == "" {
		return nil, errors.New(`"" is not a uint256`)
	}
	if len(s) > 78 {
		return nil, fmt.Errorf("%q is not a uint256 (too long)", truncate(s))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("%q is not a uint256", truncate(s))
		}
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Cmp(MaxUint256) > 0 {
		return nil, fmt.Errorf("%q is not a uint256", truncate(s))
	}
	return v, nil
}

// ParseHexQuantity parses a 0x-prefixed hex quantity as JSON-RPC and
// Etherscan's getLogs print them ("0x1a"). Etherscan prints zero as "0x",
// which is accepted.
func ParseHexQuantity(s string) (*big.Int, error) {
	if len(s) < 2 || (s[:2] != "0x" && s[:2] != "0X") {
		return nil, fmt.Errorf("%q is not a 0x hex quantity", truncate(s))
	}
	digits := s[2:]
	if digits == "" {
		return new(big.Int), nil
	}
	if len(digits) > 64 {
		return nil, fmt.Errorf("%q is not a 0x hex quantity (over 256 bits)", truncate(s))
	}
	v, ok := new(big.Int).SetString(digits, 16)
	if !ok || v.Sign() < 0 || strings.ContainsAny(digits, "+-_") {
		return nil, fmt.Errorf("%q is not a 0x hex quantity", truncate(s))
	}
	return v, nil
}

// ParseHexUint64 is ParseHexQuantity for values that must fit in 63 bits
// (block numbers, timestamps, log indexes).
func ParseHexUint64(s string) (int64, error) {
	v, err := ParseHexQuantity(s)
	if err != nil {
		return 0, err
	}
	if !v.IsInt64() {
		return 0, fmt.Errorf("%q does not fit in 63 bits", truncate(s))
	}
	return v.Int64(), nil
}

// FormatUnits writes raw / 10^decimals exactly, as a plain decimal string
// without exponent, trailing fractional zeros or a trailing point:
// FormatUnits(1166000000, 6) = "1166", FormatUnits(1, 18) =
// "0.000000000000000001". Negative values keep their sign.
func FormatUnits(raw *big.Int, decimals int) string {
	if decimals <= 0 {
		if decimals == 0 {
			return raw.String()
		}
		return new(big.Int).Mul(raw, pow10(-decimals)).String()
	}
	neg := raw.Sign() < 0
	digits := new(big.Int).Abs(raw).String()
	if len(digits) <= decimals {
		digits = strings.Repeat("0", decimals-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-decimals], strings.TrimRight(digits[len(digits)-decimals:], "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// UnitsFloat is raw / 10^decimals as the nearest float64, for analytics
// that do arithmetic on amounts; FormatUnits is the exact value.
func UnitsFloat(raw *big.Int, decimals int) float64 {
	// ParseFloat rounds a decimal string to the nearest float64 exactly
	// (as big.Rat's Float64 does), and costs a fraction of a Rat division
	// with its GCD.
	// A uint256 is far inside float64's range; for an out-of-range value
	// ParseFloat's result (±Inf) is the nearest float64 too.
	f, _ := strconv.ParseFloat(FormatUnits(raw, decimals), 64)
	return f
}

// pow10s caches 10^n for the decimals tokens use (0..77).
var pow10s = func() [78]*big.Int {
	var p [78]*big.Int
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

// pow10 is 10^n; callers must not modify the result.
func pow10(n int) *big.Int {
	if n < len(pow10s) {
		return pow10s[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// truncate keeps error messages short when the bad value is a whole body.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
