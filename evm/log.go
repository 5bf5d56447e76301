package evm

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Event signatures (topic0) the cleaners decode: ERC-20 Transfer and the
// Uniswap V2 pair events. Computed, not pasted, so a typo cannot hide.
var (
	TopicTransfer = EventTopic("Transfer(address,address,uint256)")
	TopicSwap     = EventTopic("Swap(address,uint256,uint256,uint256,uint256,address)")
	TopicMint     = EventTopic("Mint(address,uint256,uint256)")
	TopicBurn     = EventTopic("Burn(address,uint256,uint256,address)")
	TopicSync     = EventTopic("Sync(uint112,uint112)")
)

// EventTopic is keccak256 of an event signature, 0x-prefixed lower hex.
func EventTopic(signature string) string {
	h := Keccak256([]byte(signature))
	return "0x" + hex.EncodeToString(h[:])
}

// DataWords splits ABI-encoded event data ("0x" + 64 hex digits per word)
// into n uint256 words. Extra trailing words are an error: the data does
// not match the event the topic promised.
func DataWords(data string, n int) ([]*big.Int, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(data, "0x"), "0X")
	if len(s) != 64*n {
		return nil, fmt.Errorf("data has %d hex digits, want %d (%d words)", len(s), 64*n, n)
	}
	out := make([]*big.Int, n)
	for i := range out {
		word := s[i*64 : (i+1)*64]
		b, err := hex.DecodeString(word)
		if err != nil {
			return nil, fmt.Errorf("data word %d is not hex", i)
		}
		out[i] = new(big.Int).SetBytes(b)
	}
	return out, nil
}

// TopicAddress reads an indexed address topic (32 bytes, address in the
// low 20) and returns it checksummed. Non-zero high bytes are an error.
func TopicAddress(topic string) (string, error) {
	if !IsHash(topic) {
		return "", fmt.Errorf("topic %q is not 32 bytes of hex", truncate(topic))
	}
	s := strings.ToLower(topic[2:])
	if strings.Trim(s[:24], "0") != "" {
		return "", fmt.Errorf("topic %q is not an address (high bytes set)", topic)
	}
	return ChecksumAddress(s[24:])
}
