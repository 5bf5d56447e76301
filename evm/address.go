// Package evm holds the small pieces of Ethereum wire format the cleaners
// need: EIP-55 checksum addresses, uint256 decimal and hex quantities,
// token-unit formatting, ABI words of event logs, and chain ids.
package evm

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/sha3"
)

// Keccak256 is the legacy Keccak-256 hash Ethereum uses (not SHA3-256: the
// padding differs).
func Keccak256(data ...[]byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// ChecksumAddress returns addr in EIP-55 mixed-case form. It accepts any
// case, with or without the 0x prefix, and rejects anything that is not 20
// bytes of hex. A mixed-case input is not required to carry a valid
// checksum: upstream APIs lower-case addresses, and some hand-typed configs
// carry wrong ones; ValidChecksum tells them apart when that matters.
func ChecksumAddress(addr string) (string, error) {
	checksums.RLock()
	c, ok := checksums.m[addr]
	checksums.RUnlock()
	if ok {
		return c, nil
	}
	c, err := checksumAddress(addr)
	if err != nil {
		return "", err
	}
	checksums.Lock()
	if len(checksums.m) >= checksumCacheSize {
		clear(checksums.m) // crude, and enough: the hot set refills at once
	}
	checksums.m[addr] = c
	checksums.Unlock()
	return c, nil
}

// checksums caches ChecksumAddress by its input: the same addresses (the
// token contract on every row of a page, pairs, routers, busy wallets)
// recur across the rows of a clean, and a Keccak-256 per address is most
// of a transfer's normalisation otherwise.
var checksums = struct {
	sync.RWMutex
	m map[string]string
}{m: map[string]string{}}

// checksumCacheSize bounds the cache (about 10 MiB when full).
const checksumCacheSize = 1 << 16

func checksumAddress(addr string) (string, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(addr, "0x"), "0X")
	if len(s) != 40 {
		return "", fmt.Errorf("%q is not a 20-byte address (want 40 hex digits, got %d)", addr, len(s))
	}
	lower := strings.ToLower(s)
	if _, err := hex.DecodeString(lower); err != nil {
		return "", fmt.Errorf("%q is not a hex address", addr)
	}
	hash := Keccak256([]byte(lower))
	out := make([]byte, 42)
	out[0], out[1] = '0', 'x'
	for i := 0; i < 40; i++ {
		c := lower[i]
		// The i-th hex digit of the hash decides the case of the i-th
		// address character: >= 8 means upper case.
		nibble := hash[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if c >= 'a' && c <= 'f' && nibble&0x0f >= 8 {
			c -= 'a' - 'A'
		}
		out[i+2] = c
	}
	return string(out), nil
}

// ValidChecksum reports whether a mixed-case address carries a correct
// EIP-55 checksum. All-lower or all-upper addresses carry none and pass.
func ValidChecksum(addr string) bool {
	s := strings.TrimPrefix(addr, "0x")
	if s == strings.ToLower(s) || s == strings.ToUpper(s) {
		_, err := ChecksumAddress(addr)
		return err == nil
	}
	c, err := ChecksumAddress(addr)
	return err == nil && c == "0x"+s
}

// ZeroAddress is the mint/burn counterparty of ERC-20 Transfer events.
const ZeroAddress = "0x0000000000000000000000000000000000000000"

// IsHash reports whether s is a 0x-prefixed 32-byte hex string (a tx or
// block hash, an event topic).
func IsHash(s string) bool {
	if len(s) != 66 || (s[:2] != "0x" && s[:2] != "0X") {
		return false
	}
	_, err := hex.DecodeString(s[2:])
	return err == nil
}
