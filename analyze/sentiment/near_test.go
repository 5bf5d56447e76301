package sentiment

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"memepipe/internal/shareddata"
)

func TestNearNormalise(t *testing.T) {
	for in, want := range map[string]string{
		"  $BTC price: $ 10157.0\n\n(2020/02/14)  ":     "$btc price: $ 0.0 (0/0/0)",
		"Join @pumpgroup https://t.co/abc &amp; WIN 🚀🚀": "join @ ~ & win 🚀🚀",
		"": "",
	} {
		if got := string(nearNormalise(in, nil)); got != want {
			t.Errorf("nearNormalise(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNearVote: a bot template with other coins and prices finds its
// copies, on one line as on several; the vote follows the labels of the
// nearest texts, each copy counted; the index survives the weight format.
func TestNearVote(t *testing.T) {
	texts := []string{
		"🔄 Prices update in $USDT (1 hour):\n\n$EOS - 3.42 $ (-1.56 %)\n$ADA - 0.05 $ (-1.98 %)",
		"🔄 Prices update in $USDT (1 hour):\n\n$EOS - 3.42 $ (-1.56 %)\n$ADA - 0.05 $ (-1.98 %)", // a copy
		"🔄 Prices update in $USDT (1 hour):\n\n$ETC - 7.33 $ (-1.12 %)\n$NEO - 10.9 $ (-1.92 %)",
		"Bought more $ETH today, feeling good about this dip",
		"What do you all think about $ADA staking? Worth it?",
		"Not selling my $BTC, long term hold for me",
	}
	spam := []bool{true, true, true, false, false, false}
	sp := nearSpec{Bits: 20, NMin: 3, NMax: 5, K: 3, Power: 1, Prior: 0.5, Weight: 1}
	ix := newNearIndex(sp, texts, spam)
	if len(ix.Spam) != 5 || ix.Spam[0] != 2 || ix.Ham[0] != 0 {
		t.Fatalf("entries: spam %v ham %v, want the copy merged into the first", ix.Spam, ix.Ham)
	}
	var s nearScratch
	feed := "🔄 Prices update in $USDT (1 hour):\n\n$XRP - 0.27 $ (+2.04 %)\n$LTC - 59.1 $ (+0.33 %)"
	v, near := ix.vote(feed, &s)
	if v < 1 || near < 0.5 {
		t.Errorf("new price feed: vote %.3f, nearest %.3f; want a spam vote from a near copy", v, near)
	}
	if v1, _ := ix.vote(oneLine(feed), &s); v1 != v {
		t.Errorf("one-line feed votes %.6f, multi-line %.6f", v1, v)
	}
	if v, _ := ix.vote("Still holding my $ETH, what a dip to buy", &s); v > 0 {
		t.Errorf("a holder's post: vote %.3f, want a ham vote", v)
	}
	h := &linear{Name: "spam", Classes: spamLabels, FS: featureSet{Bits: 8}, W: make([]float32, 2<<8), Near: ix}
	var buf bytes.Buffer
	if err := writeWeights(&buf, []*linear{h}); err != nil {
		t.Fatal(err)
	}
	hs, err := readWeights(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := hs[0].Near
	if got == nil || !nearEqual(got, ix) {
		t.Fatal("the neighbour index changed in the weight format")
	}
	for _, text := range append(texts, feed, "gm") {
		a, _ := ix.vote(text, &s)
		b, _ := got.vote(text, &s)
		if a != b {
			t.Errorf("%q: vote %.6f fitted, %.6f loaded", text, a, b)
		}
	}
}

// TestNearTopK: the K places are filled by texts, copies included, nearest
// first, a copied entry's labels in proportion.
func TestNearTopK(t *testing.T) {
	texts := []string{"alpha beta gamma", "alpha beta gamma", "alpha beta gamma", "alpha beta delta", "zeta eta theta"}
	spam := []bool{true, true, false, false, false}
	sp := nearSpec{Bits: 20, NMin: 3, NMax: 5, K: 2, Power: 1, Prior: 0.5}
	ix := newNearIndex(sp, texts, spam)
	var s nearScratch
	v, near := ix.vote("alpha beta gamma", &s)
	// the exact entry (sim 1, 3 copies: 2 spam, 1 ham) fills both places:
	// 2·(2/3) spam, 2·(1/3) ham, plus 0.25 each
	want := math.Log((4.0/3 + 0.25) / (2.0/3 + 0.25))
	if math.Abs(near-1) > 1e-9 || math.Abs(v-want) > 1e-9 {
		t.Errorf("vote %.6f nearest %.6f, want %.6f and 1", v, near, want)
	}
}

// nearEqual: the same spec and the same entries, keys and postings (nil
// equals nil).
func nearEqual(a, b *nearIndex) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Spec == b.Spec && slices.Equal(a.Keys, b.Keys) && slices.Equal(a.Spam, b.Spam) && slices.Equal(a.Ham, b.Ham) &&
		slices.Equal(a.Postings, b.Postings) && slices.Equal(a.Ends, b.Ends)
}

// BenchmarkNearVote is the neighbours' vote alone on financial tweets.
func BenchmarkNearVote(b *testing.B) {
	ex, err := LoadFinancialTweets(shareddata.Path(b, FinancialTweetsFile))
	if err != nil {
		b.Fatal(err)
	}
	ex = ex[:1000]
	m := embedded(b)
	var s nearScratch
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.spam.Near.vote(ex[i%len(ex)].Text, &s)
	}
}
