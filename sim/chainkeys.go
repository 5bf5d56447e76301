package sim

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/sha3"

	"memepipe/evm"
)

// topic0 of the events the simulator emits: evm's, plus the two the
// cleaners never decode.
var (
	TopicTransfer             = evm.TopicTransfer
	TopicApproval             = evm.EventTopic("Approval(address,address,uint256)")
	TopicOwnershipTransferred = evm.EventTopic("OwnershipTransferred(address,address)")
	TopicSwap                 = evm.TopicSwap
	TopicSync                 = evm.TopicSync
	TopicMint                 = evm.TopicMint
	TopicBurn                 = evm.TopicBurn
)

// Well-known mainnet addresses (lower case).
const (
	addrWETH   = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
	addrRouter = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d" // Uniswap V2 Router02
	addrZero   = "0x0000000000000000000000000000000000000000"
	addrDead   = "0x000000000000000000000000000000000000dead"
)

// ChecksumAddress formats a generated 20-byte hex address in EIP-55 mixed
// case. The simulator only makes well-formed addresses, so a failure is a
// bug in it.
func ChecksumAddress(addr string) string {
	c, err := evm.ChecksumAddress(addr)
	if err != nil {
		panic("sim: " + err.Error())
	}
	return c
}

// hasher derives every identifier and random stream of the market from the
// seed, so that any piece is reproducible on its own.
type hasher struct{ seed uint64 }

func (k hasher) sum(parts ...any) [32]byte {
	d := sha3.NewLegacyKeccak256()
	var buf [9]byte
	binary.BigEndian.PutUint64(buf[:8], k.seed)
	d.Write(buf[:8])
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			buf[0] = 's'
			d.Write(buf[:1])
			d.Write([]byte(v))
			continue
		case int:
			binary.BigEndian.PutUint64(buf[1:], uint64(v))
		case int64:
			binary.BigEndian.PutUint64(buf[1:], uint64(v))
		case uint64:
			binary.BigEndian.PutUint64(buf[1:], v)
		default:
			panic("sim: unsupported hash part")
		}
		buf[0] = 'i'
		d.Write(buf[:])
	}
	var out [32]byte
	d.Sum(out[:0])
	return out
}

func (k hasher) rng(parts ...any) *rand.Rand {
	h := k.sum(parts...)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])))
}

// addr derives a lower-case address. Wallets are minted by the million,
// so this uses a fast 64-bit mix (FNV-1a, then splitmix64 to widen to 160
// bits) instead of keccak; collisions are as unlikely as they need to be.
func (k hasher) addr(parts ...any) string {
	x := uint64(14695981039346656037) ^ k.seed
	mixByte := func(b byte) { x ^= uint64(b); x *= 1099511628211 }
	var buf [8]byte
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			mixByte('s')
			for i := 0; i < len(v); i++ {
				mixByte(v[i])
			}
			continue
		case int:
			binary.BigEndian.PutUint64(buf[:], uint64(v))
		case int64:
			binary.BigEndian.PutUint64(buf[:], uint64(v))
		case uint64:
			binary.BigEndian.PutUint64(buf[:], v)
		default:
			panic("sim: unsupported hash part")
		}
		mixByte('i')
		for _, b := range buf {
			mixByte(b)
		}
	}
	var out [24]byte
	for i := 0; i < 3; i++ {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		binary.BigEndian.PutUint64(out[i*8:], z)
	}
	return "0x" + hex.EncodeToString(out[:20])
}

// hash32 derives a 0x-prefixed lower-case 32-byte hash.
func (k hasher) hash32(parts ...any) string {
	h := k.sum(parts...)
	return "0x" + hex.EncodeToString(h[:])
}

func (k hasher) u64(parts ...any) uint64 {
	h := k.sum(parts...)
	return binary.BigEndian.Uint64(h[:8])
}

// float01 is a uniform number in [0,1) from the parts.
func (k hasher) float01(parts ...any) float64 {
	return float64(k.u64(parts...)>>11) / (1 << 53)
}

// Blocks: Ethereum mainnet has produced one block every 12 s since the
// Merge. The simulator pins block 21,525,000 to 2025-01-01T00:00:11Z and
// counts from there, so any time maps to a block and back without state.
const (
	anchorBlock  = 21525000
	secsPerBlock = 12
)

var anchorUnix = time.Date(2025, 1, 1, 0, 0, 11, 0, time.UTC).Unix()

// blockTime is the timestamp of block b.
func blockTime(b uint64) int64 { return anchorUnix + (int64(b)-anchorBlock)*secsPerBlock }

// blockAtOrAfter is the first block whose timestamp is >= t.
func blockAtOrAfter(t int64) uint64 {
	d := t - anchorUnix
	n := d / secsPerBlock
	if d%secsPerBlock != 0 && d > 0 {
		n++
	}
	return uint64(anchorBlock + n)
}

// blockAtOrBefore is the last block whose timestamp is <= t.
func blockAtOrBefore(t int64) uint64 {
	d := t - anchorUnix
	n := d / secsPerBlock
	if d%secsPerBlock != 0 && d < 0 {
		n--
	}
	return uint64(anchorBlock + n)
}

// word encodes v as a 32-byte big-endian hex word without 0x.
func word(v *big.Int) string {
	s := v.Text(16)
	return strings.Repeat("0", 64-len(s)) + s
}

// topicAddr is an address as an indexed topic.
func topicAddr(a string) string {
	return "0x" + strings.Repeat("0", 24) + strings.TrimPrefix(a, "0x")
}

// data encodes uint256 values as a log's data field.
func data(vs ...*big.Int) string {
	var b strings.Builder
	b.WriteString("0x")
	for _, v := range vs {
		b.WriteString(word(v))
	}
	return b.String()
}

// hexQty formats n as Etherscan's getLogs does: "0x" for zero, otherwise
// 0x-prefixed hex without leading zeros.
func hexQty(n uint64) string {
	if n == 0 {
		return "0x"
	}
	return "0x" + strconv.FormatUint(n, 16)
}

var pow10 [78]*big.Int

func init() {
	pow10[0] = big.NewInt(1)
	for i := 1; i < len(pow10); i++ {
		pow10[i] = new(big.Int).Mul(pow10[i-1], big.NewInt(10))
	}
}

// toUnits converts an amount of whole tokens to base units (wei).
func toUnits(x float64, decimals int) *big.Int {
	if x <= 0 {
		return new(big.Int)
	}
	f := new(big.Float).SetPrec(200).SetFloat64(x)
	f.Mul(f, new(big.Float).SetPrec(200).SetInt(pow10[decimals]))
	out, _ := f.Int(nil)
	return out
}

// fromUnits converts base units to whole tokens as a float.
func fromUnits(v *big.Int, decimals int) float64 {
	f, _ := v.Float64()
	return f / math.Pow10(decimals)
}

func parseWord(h string) *big.Int {
	v, _ := new(big.Int).SetString(h, 16)
	if v == nil {
		return new(big.Int)
	}
	return v
}
