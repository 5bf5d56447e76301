package canonical

import "time"

// Tweet is one post about one token (table tweets). Key: tweet_id, token.
//
// The issue keys tweets by tweet_id alone; the key here adds token because
// a post found by two tokens' searches ("$PEPE and $WIF to the moon") is
// evidence for both, and with tweet_id alone the token column would depend
// on which raw object was cleaned last, breaking "re-clean gives the same
// rows". Per-token sentiment counts each post once per token.
type Tweet struct {
	TweetID string `json:"tweet_id" col:"key"`
	Token   string `json:"token" col:"key"`
	// AuthorID and the author_* columns come from includes.users; zero or
	// null when the response did not expand the author.
	AuthorID        string     `json:"author_id"`
	AuthorUsername  string     `json:"author_username"`
	AuthorFollowers *int64     `json:"author_followers"`
	AuthorCreatedAt *time.Time `json:"author_created_at"`
	AuthorVerified  *bool      `json:"author_verified"`
	// CreatedAt is the post's time; when the response lacks created_at it
	// is decoded from the snowflake id (ms since 2010-11-04T01:42:54.657Z).
	CreatedAt time.Time `json:"created_at"`
	// Text is normalised: HTML entities decoded, whitespace runs collapsed
	// to one space, trimmed; emoji kept.
	Text     string `json:"text"`
	Lang     string `json:"lang"`
	Retweets *int64 `json:"retweets"`
	Likes    *int64 `json:"likes"`
	Replies  *int64 `json:"replies"`
	Quotes   *int64 `json:"quotes"`
	// Cashtags are the $SYMBOLs in the text, upper-case, first-seen order.
	Cashtags []string `json:"cashtags"`
	// CashtagTokens are the watchlist tokens those cashtags resolve to; a
	// symbol two tokens share resolves only by chain/address evidence.
	CashtagTokens []string `json:"cashtag_tokens"`
	// ConversationID and ReferencedType ("retweeted", "quoted",
	// "replied_to" or empty) help spam and bot detection.
	ConversationID string `json:"conversation_id"`
	ReferencedType string `json:"referenced_type"`
}

func (r Tweet) Table() string      { return TableTweets }
func (r Tweet) KeyParts() []string { return []string{r.TweetID, r.Token} }
func (r Tweet) Key() string        { return joinKey(r.KeyParts()...) }
