package evm

import (
	"math/big"
	"strings"
	"testing"
)

// The test vectors of EIP-55 itself (eips.ethereum.org/EIPS/eip-55).
var eip55Vectors = []string{
	// All caps
	"0x52908400098527886E0F7030069857D2E4169EE7",
	"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
	// All lower
	"0xde709f2102306220921060314715629080e2fb77",
	"0x27b1fdb04752bbc536007a920d24acb045561c26",
	// Normal
	"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
	"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
	"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
	"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
}

func TestChecksumAddressEIP55Vectors(t *testing.T) {
	for _, want := range eip55Vectors {
		for _, in := range []string{strings.ToLower(want), "0x" + strings.ToUpper(want[2:]), want[2:]} {
			got, err := ChecksumAddress(in)
			if err != nil {
				t.Fatalf("ChecksumAddress(%q): %v", in, err)
			}
			if got != want {
				t.Errorf("ChecksumAddress(%q) = %q, want %q", in, got, want)
			}
		}
		if !ValidChecksum(want) {
			t.Errorf("ValidChecksum(%q) = false", want)
		}
	}
	// One flipped case breaks the checksum.
	if ValidChecksum("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD") {
		t.Error("ValidChecksum accepted a wrong checksum")
	}
	for _, bad := range []string{"", "0x", "0x123", "0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00"} {
		if _, err := ChecksumAddress(bad); err == nil {
			t.Errorf("ChecksumAddress(%q) accepted bad input", bad)
		}
	}
}

func TestEventTopics(t *testing.T) {
	// Well-known topic0 values, as block explorers show them.
	cases := map[string]string{
		TopicTransfer: "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
		TopicSwap:     "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822",
		TopicMint:     "0x4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f",
		TopicBurn:     "0xdccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496",
		TopicSync:     "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("topic = %s, want %s", got, want)
		}
	}
}

func TestParseUint256(t *testing.T) {
	good := map[string]string{
		"0":          "0",
		"1166000000": "1166000000",
		"115792089237316195423570985008687907853269984665640564039457584007913129639935": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
	}
	for in, want := range good {
		v, err := ParseUint256(in)
		if err != nil || v.String() != want {
			t.Errorf("ParseUint256(%q) = %v, %v; want %s", in, v, err, want)
		}
	}
	for _, bad := range []string{"", "12x", "-1", "+1", "1.5", "1e18", " 1", "0x10",
		"115792089237316195423570985008687907853269984665640564039457584007913129639936"} {
		if _, err := ParseUint256(bad); err == nil {
			t.Errorf("ParseUint256(%q) accepted bad input", bad)
		}
	}
}

func TestParseHexQuantity(t *testing.T) {
	for in, want := range map[string]int64{"0x": 0, "0x0": 0, "0x1a": 26, "0xDAC2F1": 14336753} {
		got, err := ParseHexUint64(in)
		if err != nil || got != want {
			t.Errorf("ParseHexUint64(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "0xg", "0x-1", "0x" + strings.Repeat("f", 65)} {
		if _, err := ParseHexQuantity(bad); err == nil {
			t.Errorf("ParseHexQuantity(%q) accepted bad input", bad)
		}
	}
	if _, err := ParseHexUint64("0x" + strings.Repeat("f", 16)); err == nil {
		t.Error("ParseHexUint64 accepted a value over 63 bits")
	}
}

func TestFormatUnits(t *testing.T) {
	cases := []struct {
		raw      string
		decimals int
		want     string
		f        float64
	}{
		{"1166000000", 6, "1166", 1166},
		{"1", 18, "0.000000000000000001", 1e-18},
		{"150000000000000000000", 18, "150", 150},
		{"123456789", 4, "12345.6789", 12345.6789},
		{"1000", 0, "1000", 1000},
		{"0", 18, "0", 0},
		{"100", 2, "1", 1},
		{"-2500", 3, "-2.5", -2.5},
		// More digits than a float64 holds: the string stays exact.
		{"123456789012345678901234567890", 18, "123456789012.34567890123456789", 123456789012.34567890123456789},
	}
	for _, c := range cases {
		raw, _ := new(big.Int).SetString(c.raw, 10)
		if got := FormatUnits(raw, c.decimals); got != c.want {
			t.Errorf("FormatUnits(%s, %d) = %q, want %q", c.raw, c.decimals, got, c.want)
		}
		if got := UnitsFloat(raw, c.decimals); got != c.f {
			t.Errorf("UnitsFloat(%s, %d) = %v, want %v", c.raw, c.decimals, got, c.f)
		}
	}
}

func TestDataWordsAndTopicAddress(t *testing.T) {
	data := "0x" + strings.Repeat("0", 63) + "1" + strings.Repeat("0", 62) + "ff"
	w, err := DataWords(data, 2)
	if err != nil || w[0].Int64() != 1 || w[1].Int64() != 255 {
		t.Fatalf("DataWords = %v, %v", w, err)
	}
	if _, err := DataWords(data, 3); err == nil {
		t.Error("DataWords accepted short data")
	}
	a, err := TopicAddress("0x000000000000000000000000" + "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
	if err != nil || a != "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" {
		t.Errorf("TopicAddress = %q, %v", a, err)
	}
	if _, err := TopicAddress("0x100000000000000000000000" + "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"); err == nil {
		t.Error("TopicAddress accepted high bytes")
	}
}
