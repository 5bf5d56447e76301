
func TestExploreRowCV(t *testing.T) {
	if os.Getenv("ROWCV") == "" {
		t.Skip()
	}
	s, _ := LoadSpamTweets("/work/shared/data/sentiment/crypto_tweets_spam_prodigy.jsonl")
	ds := SplitStratified("spam", s, DefaultSeed^0x5bd1e995)
	_, _, hp := heads()
	hp.candidates = []candidate{hp.candidates[0], hp.candidates[2]}
	hp.choose(ds, os.Stdout)
}
