package clean

import (
	"testing"

	"memepipe/canonical"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

func TestTwitterSearchWithIncludes(t *testing.T) {
	rows := parseFile(t, "twitter.search", sample(t, "twitter", "docs_example_search_recent_with_includes_users_tweets.json"), FileOptions{})
	tw := rowsOf[canonical.Tweet](rows)
	wantCount(t, "tweets", len(tw), 4)
	f := tw[0]
	eq(t, "id", f.TweetID, "1276035977375477760")
	eq(t, "author", f.AuthorID, "63046977")
	eq(t, "author username (includes.users)", f.AuthorUsername, "happycamper")
	eq(t, "author created", *f.AuthorCreatedAt, mustTime("2009-08-05T05:46:48Z"))
	eq(t, "created", f.CreatedAt, mustTime("2020-06-25T06:14:19Z"))
	eq(t, "lang", f.Lang, "en")
	eq(t, "referenced", f.ReferencedType, "replied_to")
	if f.AuthorFollowers != nil {
		t.Errorf("followers = %d; the sample has no public_metrics", *f.AuthorFollowers)
	}
	// Emoji kept.
	eq(t, "emoji text", tw[1].Text, "Using Labs Recent search for polling use cases has been 🔥👍. A simple alternative to streaming in many cases...")
	eq(t, "last id", tw[3].TweetID, "1275653067283759104")
	// The last post's multi-line JSON snippet is collapsed to one line.
	if got := tw[3].Text; len(got) < 30 || got[:29] != "@happycamper Wait, when I try" || containsAny(got, "\n\t  ") {
		t.Errorf("last text not normalised: %q", got)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

func TestTwitterSearchNextTokenEntities(t *testing.T) {
	rows := parseFile(t, "twitter.search", sample(t, "twitter", "docs_example_search_recent_with_next_token.json"), FileOptions{})
	tw := rowsOf[canonical.Tweet](rows)
	wantCount(t, "tweets", len(tw), 10)
	eq(t, "first id", tw[0].TweetID, "1275840892285399041")
	eq(t, "last id", tw[9].TweetID, "1275840875466305542")
	eq(t, "last created", tw[9].CreatedAt, mustTime("2020-06-24T17:19:03Z"))
	eq(t, "last author", tw[9].AuthorID, "4421576056")
	// "&amp;" decoded, newlines collapsed.
	var found bool
	for _, x := range tw {
		if x.Text == "#NYC protests 6/24 #OccupyCityHall (City Hall) Wash Sq (kids) 1 Carl Schurz (vigil) 7 Jackie Robinson Pk (vigil) 730 McCarren vigil & march 7 GAP 730 Nicholas Hayward Jr Park vigil 8 277 W 231st St 1 #protest #NycProtest #NoJusticeNoPeace #BLMprotest #blacklivesmatter" {
			found = true
		}
	}
	if !found {
		t.Error("entity-decoded, whitespace-collapsed #NYC post not found")
	}
}

func TestTwitterSnowflakeTimes(t *testing.T) {
	// tweepy's recordings ask for no tweet.fields: created_at comes from
	// the snowflake id.
	rows := parseFile(t, "twitter.search", sample(t, "twitter", "tweepy_search_recent_tweets.json"), FileOptions{})
	tw := rowsOf[canonical.Tweet](rows)
	wantCount(t, "tweets", len(tw), 10)
	eq(t, "first created (snowflake)", tw[0].CreatedAt, mustTime("2022-10-07T22:42:12.752Z"))
	eq(t, "first text", tw[0].Text, "2022-10-07 22:42:12.637103 tweepy")
	eq(t, "last id", tw[9].TweetID, "1578511538419212288")

	rows = parseFile(t, "twitter.search", sample(t, "twitter", "tweepy_liked_tweets_with_next_token.json"), FileOptions{})
	tw = rowsOf[canonical.Tweet](rows)
	wantCount(t, "liked tweets", len(tw), 96)
	eq(t, "liked last id", tw[95].TweetID, "1364612503796256771")
	eq(t, "liked last text", tw[95].Text, "OMG https://t.co/5NyWGMKi2x https://t.co/1jxfvUnl4X")

	rows = parseFile(t, "twitter.search", sample(t, "twitter", "tweepy_users_tweets.json"), FileOptions{})
	tw = rowsOf[canonical.Tweet](rows)
	wantCount(t, "user tweets", len(tw), 2)
	eq(t, "newlines collapsed", tw[0].Text, "whoa, it works now everyone can mix GIFs, videos, and images in one Tweet, available on iOS and Android https://t.co/3OQ4eGsUku https://t.co/LVVolAQPZi")
}

func TestTwitterCountsBodyIsNotATweetList(t *testing.T) {
	err := parseFileErr(t, "twitter.search", sample(t, "twitter", "tweepy_tweets_counts_recent.json"), FileOptions{})
	wantClass(t, err, pipeline.ClassPermanent, "twitter.search", "tweepy_tweets_counts_recent.json", `$.data[0].id: "" is not a tweet id`)
}

func TestTwitterErrorBodies(t *testing.T) {
	_, err := parseBody(t, Input{Source: "twitter.search"}, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
	wantClass(t, err, pipeline.ClassTransient, "Too Many Requests")
	_, err = parseBody(t, Input{Source: "twitter.search"}, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
	wantClass(t, err, pipeline.ClassPermanent, "Unauthorized")
	rows, err := parseBody(t, Input{Source: "twitter.search"}, `{"meta":{"result_count":0}}`)
	if err != nil || len(rows) != 0 {
		t.Errorf("empty search: %d rows, %v", len(rows), err)
	}
}

// Two different PEPE tokens: a cashtag resolves by chain/address, never by
// the symbol alone.
var (
	pepeEth  = watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933", Decimals: 18}
	pepeBsc  = watchlist.Token{Symbol: "PEPE", Chain: "bsc", Address: "0x25d887Ce7a35172C62FeBFD67a1856F20FaEbB00", Decimals: 18}
	wif      = watchlist.Token{Symbol: "WIF", Chain: "solana", Decimals: 6}
	twoPepes = watchlist.List{pepeEth, pepeBsc, wif}
)

func TestCashtagResolution(t *testing.T) {
	body := `{"data":[
	 {"id":"1790000000000000001","text":"$PEPE &amp; $WIF to the moon 🚀🚀","author_id":"9","created_at":"2024-05-13T10:00:00.000Z","public_metrics":{"retweet_count":3,"reply_count":1,"like_count":10,"quote_count":0}},
	 {"id":"1790000000000000002","text":"$pepe CA 0x25d887ce7a35172c62febfd67a1856f20faebb00 $100 giveaway","author_id":"9","created_at":"2024-05-13T10:01:00.000Z"}],
	 "includes":{"users":[{"id":"9","username":"degen","created_at":"2024-05-01T00:00:00.000Z","public_metrics":{"followers_count":42}}]},
	 "meta":{"result_count":2}}`

	// Collected by the Ethereum PEPE's search: its rows, and $PEPE in the
	// first post resolves to it (the collection context), $WIF by symbol
	// (only one WIF); the second post names the BSC contract.
	rows, err := parseBody(t, Input{Source: "twitter.search", Token: &pepeEth, Watchlist: twoPepes}, body)
	if err != nil {
		t.Fatal(err)
	}
	tw := rowsOf[canonical.Tweet](rows)
	wantCount(t, "tweets", len(tw), 2)
	eq(t, "token", tw[0].Token, pepeEth.Key())
	eq(t, "text", tw[0].Text, "$PEPE & $WIF to the moon 🚀🚀")
	if len(tw[0].Cashtags) != 2 || tw[0].Cashtags[0] != "PEPE" || tw[0].Cashtags[1] != "WIF" {
		t.Errorf("cashtags = %v", tw[0].Cashtags)
	}
	if len(tw[0].CashtagTokens) != 2 || tw[0].CashtagTokens[0] != pepeEth.Key() || tw[0].CashtagTokens[1] != "WIF" {
		t.Errorf("cashtag tokens = %v", tw[0].CashtagTokens)
	}
	eq(t, "followers", *tw[0].AuthorFollowers, int64(42))
	eq(t, "likes", *tw[0].Likes, int64(10))
	// "$100" is a price, not a cashtag; the address in the text picks BSC.
	if len(tw[1].Cashtags) != 1 || len(tw[1].CashtagTokens) != 1 || tw[1].CashtagTokens[0] != pepeBsc.Key() {
		t.Errorf("second post cashtags = %v -> %v", tw[1].Cashtags, tw[1].CashtagTokens)
	}

	// No context at all: the shared symbol stays unresolved in post 1
	// (only WIF resolves), and post 2 resolves by its address.
	rows, err = parseBody(t, Input{Source: "twitter.search", Watchlist: twoPepes}, body)
	if err != nil {
		t.Fatal(err)
	}
	tw = rowsOf[canonical.Tweet](rows)
	wantCount(t, "context-free tweets", len(tw), 2)
	eq(t, "post 1 -> WIF only", tw[0].Token, "WIF")
	eq(t, "post 2 -> BSC PEPE", tw[1].Token, pepeBsc.Key())

	if _, ok := ResolveCashtag(twoPepes, "PEPE", nil, "just $PEPE"); ok {
		t.Error("a shared symbol resolved by the symbol alone")
	}
	if tok, ok := ResolveCashtag(twoPepes, "PEPE", &watchlist.Token{Symbol: "X", Chain: "bsc"}, "$PEPE"); !ok || tok.Key() != pepeBsc.Key() {
		t.Errorf("chain context did not resolve: %v %v", tok, ok)
	}
}

func TestNormalizeTweetText(t *testing.T) {
	cases := map[string]string{
		"  gm\n\n$DOGE\t&amp;&amp; 🐶  ":        "gm $DOGE && 🐶",
		"a&amp;amp;b &lt;3 &gt;":               "a&b <3 >",
		"👨\u200d👩\u200d👧 family\u00a0\u00a0ok": "👨\u200d👩\u200d👧 family ok",
		"zero\u200bwidth\x07bell":              "zerowidthbell",
		"❤\ufe0f":                              "❤\ufe0f",
	}
	for in, want := range cases {
		if got := NormalizeTweetText(in); got != want {
			t.Errorf("NormalizeTweetText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnowflakeTime(t *testing.T) {
	got, ok := SnowflakeTime("1578516068309794817")
	if !ok || !got.Equal(mustTime("2022-10-07T22:42:12.752Z")) {
		t.Errorf("SnowflakeTime = %v, %v", got, ok)
	}
	if _, ok := SnowflakeTime("20"); ok {
		t.Error("a pre-snowflake id decoded")
	}
}
