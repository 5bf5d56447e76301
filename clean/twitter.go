package clean

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/watchlist"
)

func init() { Register(twitterSearchParser{}) }

// twitterSearchParser reads X API v2 tweet lists: GET
// /2/tweets/search/recent (and the same shape from user timelines and
// liked tweets), with includes.users from expansions=author_id.
type twitterSearchParser struct{}

func (twitterSearchParser) Source() string { return "twitter.search" }

type tweetJSON struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	Lang             string `json:"lang"`
	ConversationID   string `json:"conversation_id"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	PublicMetrics *struct {
		RetweetCount *int64 `json:"retweet_count"`
		ReplyCount   *int64 `json:"reply_count"`
		LikeCount    *int64 `json:"like_count"`
		QuoteCount   *int64 `json:"quote_count"`
	} `json:"public_metrics"`
}

type userJSON struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	CreatedAt     string `json:"created_at"`
	Verified      *bool  `json:"verified"`
	PublicMetrics *struct {
		FollowersCount *int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

type searchBody struct {
	// Data is decoded straight into posts; when that fails, the body is
	// decoded again post by post (rawSearchBody) to name the failing one.
	Data     []tweetJSON `json:"data"`
	Includes struct {
		Users []userJSON `json:"users"`
	} `json:"includes"`
	Meta *struct {
		ResultCount *int `json:"result_count"`
	} `json:"meta"`
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
	} `json:"errors"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Status int    `json:"status"`
}

// rawSearchBody is searchBody with the posts left undecoded (the outer
// Data field hides the embedded one).
type rawSearchBody struct {
	searchBody
	Data []json.RawMessage `json:"data"`
}

// snowflakeEpochMs is X's snowflake epoch (2010-11-04T01:42:54.657Z).
const snowflakeEpochMs = 1288834974657

// SnowflakeTime decodes the creation time a tweet id carries in its top
// bits (ids from late 2010 on).
func SnowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n < 1<<22 {
		return time.Time{}, false
	}
	ms := int64(n>>22) + snowflakeEpochMs
	return time.UnixMilli(ms).UTC(), true
}

// Parse decodes the whole body: users come after data in the response
// and each tweet row needs its author, so a page (at most 100 posts) is
// held at once; pages are small by API contract.
func (twitterSearchParser) Parse(ctx context.Context, in Input, emit Emit) error {
	b, err := readString(in.Body)
	if err != nil {
		return in.errAt("$", err)
	}
	var body searchBody
	if !scanSearchBody(b, &body) {
		// Not a plain page of results: encoding/json decodes it, or names
		// what is wrong with it.
		body = searchBody{}
		if err := decodeSearchBody(in, b, &body); err != nil {
			return err
		}
	}
	if body.Data == nil {
		if len(body.Errors) > 0 {
			e := body.Errors[0]
			return in.upstream(UpstreamRequest, firstNonEmpty(e.Detail, e.Title))
		}
		if body.Status != 0 || body.Title != "" {
			// Problem bodies ({"title","detail","status"}) of 401/403/429.
			kind := UpstreamOther
			switch body.Status {
			case 401, 403:
				kind = UpstreamAuth
			case 429:
				kind = UpstreamRateLimited
			}
			return in.upstream(kind, firstNonEmpty(body.Detail, body.Title))
		}
		if body.Meta == nil {
			return in.errAtf("$", "not an X API v2 tweet list (no data and no meta)")
		}
		return nil // result_count 0: no posts in the window
	}
	page := pageTokens{list: in.Watchlist, context: in.Token}
	users := make(map[string]userJSON, len(body.Includes.Users))
	for _, u := range body.Includes.Users {
		users[u.ID] = u
	}
	for i := range body.Data {
		path := "$.data[" + strconv.Itoa(i) + "]"
		t := &body.Data[i]
		if _, err := strconv.ParseUint(t.ID, 10, 64); err != nil {
			return in.errAtf(path+".id", "%q is not a tweet id", clip(t.ID, 30))
		}
		row := canonical.Tweet{
			TweetID: t.ID, AuthorID: t.AuthorID, Lang: t.Lang,
			Text: NormalizeTweetText(t.Text), ConversationID: t.ConversationID,
		}
		if t.CreatedAt != "" {
			ts, err := time.Parse(time.RFC3339Nano, t.CreatedAt)
			if err != nil {
				return in.errAtf(path+".created_at", "%q is not an RFC 3339 time", clip(t.CreatedAt, 40))
			}
			row.CreatedAt = ts.UTC()
		} else if ts, ok := SnowflakeTime(t.ID); ok {
			row.CreatedAt = ts
		} else {
			return in.errAtf(path+".created_at", "missing, and the id carries no time")
		}
		if len(t.ReferencedTweets) > 0 {
			row.ReferencedType = t.ReferencedTweets[0].Type
		}
		if m := t.PublicMetrics; m != nil {
			row.Retweets, row.Replies, row.Likes, row.Quotes = m.RetweetCount, m.ReplyCount, m.LikeCount, m.QuoteCount
		}
		if u, ok := users[t.AuthorID]; ok {
			row.AuthorUsername, row.AuthorVerified = u.Username, u.Verified
			if u.PublicMetrics != nil {
				row.AuthorFollowers = u.PublicMetrics.FollowersCount
			}
			if u.CreatedAt != "" {
				ts, err := time.Parse(time.RFC3339Nano, u.CreatedAt)
				if err != nil {
					return in.errAtf("$.includes.users[id="+u.ID+"].created_at", "%q is not an RFC 3339 time", clip(u.CreatedAt, 40))
				}
				row.AuthorCreatedAt = canonical.Time(ts)
			}
		}
		row.Cashtags = Cashtags(row.Text)
		for _, sym := range row.Cashtags {
			if tok, ok := page.resolve(sym, row.Text); ok {
				if k := page.key(tok); !slices.Contains(row.CashtagTokens, k) {
					row.CashtagTokens = append(row.CashtagTokens, k)
				}
			}
		}
		// The post belongs to the token whose search found it. Without
		// that context (memepipe parse without --token), to the tokens its
		// cashtags resolve to, one row each; else to none (token "").
		switch {
		case in.Token != nil:
			row.Token = page.key(*in.Token)
			if err := emit(row); err != nil {
				return err
			}
		case len(row.CashtagTokens) > 0:
			for _, k := range row.CashtagTokens {
				r := row
				r.Token = k
				if err := emit(r); err != nil {
					return err
				}
			}
		default:
			if err := emit(row); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// pageTokens resolves a page's cashtags and token keys, remembering
// what it worked out for the page's other posts: a page is one token's
// search, its posts name the same few symbols, and a watchlist lookup and
// a key (built and lower-cased) per post were a tenth of the parse.
type pageTokens struct {
	list    watchlist.List
	context *watchlist.Token
	cands   map[string][]watchlist.Token // by symbol
	keys    map[tokenIdent]string
}

type tokenIdent struct{ chain, address, symbol string }

// resolve is ResolveCashtag for a post of the page.
func (p *pageTokens) resolve(sym, text string) (watchlist.Token, bool) {
	cands, ok := p.cands[sym]
	if !ok {
		if p.cands == nil {
			p.cands = map[string][]watchlist.Token{}
		}
		cands = p.list.BySymbol(sym)
		p.cands[sym] = cands
	}
	return resolveAmong(cands, p.context, text)
}

// key is t.Key().
func (p *pageTokens) key(t watchlist.Token) string {
	id := tokenIdent{t.Chain, t.Address, t.Symbol}
	k, ok := p.keys[id]
	if !ok {
		if p.keys == nil {
			p.keys = map[tokenIdent]string{}
		}
		k = t.Key()
		p.keys[id] = k
	}
	return k
}

// decodeSearchBody decodes b with encoding/json, naming the path of what
// fails.
func decodeSearchBody(in Input, b string, body *searchBody) error {
	in.Body = strings.NewReader(b)
	if err := in.decodeWhole(body); err != nil {
		// Again, post by post, for the path of the post that failed (one
		// pass over the body costs half as much as two; bad bodies are rare).
		var rawBody rawSearchBody
		in.Body = strings.NewReader(b)
		if err := in.decodeWhole(&rawBody); err != nil {
			return err
		}
		for i, raw := range rawBody.Data {
			var t tweetJSON
			if err := json.Unmarshal(raw, &t); err != nil {
				return in.jsonErr("$.data["+strconv.Itoa(i)+"]", err)
			}
		}
		return err
	}
	return nil
}
