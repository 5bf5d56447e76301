package sim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// X API v2 problem bodies, as the real API sends them.
type xProblem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

type xInvalid struct {
	Errors []xParamError `json:"errors"`
	Title  string        `json:"title"`
	Detail string        `json:"detail"`
	Type   string        `json:"type"`
}

type xParamError struct {
	Parameters map[string][]string `json:"parameters"`
	Message    string              `json:"message"`
}

func xInvalidRequest(w http.ResponseWriter, param, value, msg string) {
	vals := []string{}
	if value != "" {
		vals = []string{value}
	}
	writeJSON(w, http.StatusBadRequest, xInvalid{
		Errors: []xParamError{{Parameters: map[string][]string{param: vals}, Message: msg}},
		Title:  "Invalid Request",
		Detail: "One or more parameters to your request was invalid.",
		Type:   "https://api.twitter.com/2/problems/invalid-request",
	})
}

type xEntity struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Tag   string `json:"tag"`
}

type xMention struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Username string `json:"username"`
}

type xEntities struct {
	Cashtags []xEntity  `json:"cashtags,omitempty"`
	Hashtags []xEntity  `json:"hashtags,omitempty"`
	Mentions []xMention `json:"mentions,omitempty"`
}

type xTweetMetrics struct {
	RetweetCount    int `json:"retweet_count"`
	ReplyCount      int `json:"reply_count"`
	LikeCount       int `json:"like_count"`
	QuoteCount      int `json:"quote_count"`
	BookmarkCount   int `json:"bookmark_count"`
	ImpressionCount int `json:"impression_count"`
}

type xRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type xTweet struct {
	AuthorID            string         `json:"author_id,omitempty"`
	ConversationID      string         `json:"conversation_id,omitempty"`
	CreatedAt           string         `json:"created_at,omitempty"`
	EditHistoryTweetIDs []string       `json:"edit_history_tweet_ids"`
	Entities            *xEntities     `json:"entities,omitempty"`
	ID                  string         `json:"id"`
	Lang                string         `json:"lang,omitempty"`
	PossiblySensitive   *bool          `json:"possibly_sensitive,omitempty"`
	PublicMetrics       *xTweetMetrics `json:"public_metrics,omitempty"`
	ReferencedTweets    []xRef         `json:"referenced_tweets,omitempty"`
	Text                string         `json:"text"`
}

type xUserMetrics struct {
	FollowersCount int `json:"followers_count"`
	FollowingCount int `json:"following_count"`
	TweetCount     int `json:"tweet_count"`
	ListedCount    int `json:"listed_count"`
}

type xUser struct {
	CreatedAt     string        `json:"created_at,omitempty"`
	Description   *string       `json:"description,omitempty"`
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	PublicMetrics *xUserMetrics `json:"public_metrics,omitempty"`
	Username      string        `json:"username"`
	Verified      *bool         `json:"verified,omitempty"`
}

type xMeta struct {
	NewestID    string `json:"newest_id,omitempty"`
	OldestID    string `json:"oldest_id,omitempty"`
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token,omitempty"`
}

type xIncludes struct {
	Users []xUser `json:"users,omitempty"`
}

type xSearchResponse struct {
	Data     []xTweet   `json:"data,omitempty"`
	Includes *xIncludes `json:"includes,omitempty"`
	Meta     xMeta      `json:"meta"`
}

const xTime = "2006-01-02T15:04:05.000Z"

func fieldSet(v string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out[f] = true
		}
	}
	return out
}

// next_token: an opaque, lower-case base-36 cursor (the last id served,
// and a check value binding it to the query) like the real ones.
func (s *Sim) encodeCursor(lastID uint64, query string) string {
	chk := s.m.k.u64("cursor", query) % (36 * 36 * 36 * 36)
	c := strconv.FormatUint(chk, 36)
	return "b26v89c" + strings.Repeat("0", 4-len(c)) + c + strconv.FormatUint(lastID, 36)
}

func (s *Sim) decodeCursor(tok, query string) (uint64, bool) {
	if len(tok) < 12 || !strings.HasPrefix(tok, "b26v89c") {
		return 0, false
	}
	chk, err := strconv.ParseUint(tok[7:11], 36, 64)
	if err != nil || chk != s.m.k.u64("cursor", query)%(36*36*36*36) {
		return 0, false
	}
	id, err := strconv.ParseUint(tok[11:], 36, 64)
	return id, err == nil
}

func (s *Sim) twitterSearch(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	auth := r.Header.Get("Authorization")
	bearer, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(bearer) == "" {
		writeJSON(w, http.StatusUnauthorized, xProblem{Title: "Unauthorized", Type: "about:blank", Status: 401, Detail: "Unauthorized"})
		return
	}
	rem, reset, allowed := s.limits.twitter(bearer, now)
	w.Header().Set("x-rate-limit-limit", strconv.Itoa(TwitterWindowLimit))
	w.Header().Set("x-rate-limit-remaining", strconv.Itoa(rem))
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset, 10))
	if !allowed {
		writeJSON(w, http.StatusTooManyRequests, xProblem{Title: "Too Many Requests", Detail: "Too Many Requests", Type: "about:blank", Status: 429})
		return
	}
	q := r.URL.Query()
	query := q.Get("query")
	if strings.TrimSpace(query) == "" {
		xInvalidRequest(w, "query", "", "The `query` query parameter can not be empty")
		return
	}
	if len([]rune(query)) > 512 {
		xInvalidRequest(w, "query", query, "The `query` query parameter value is too long: "+strconv.Itoa(len([]rune(query)))+" characters, the limit is 512")
		return
	}
	expr, err := parseXQuery(query)
	if err != nil {
		xInvalidRequest(w, "query", query, "There were errors processing your request: "+err.Error())
		return
	}
	maxResults := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 100 {
			xInvalidRequest(w, "max_results", v, "The `max_results` query parameter value ["+v+"] is not between 10 and 100")
			return
		}
		maxResults = n
	}
	oldest := now.Add(-7 * 24 * time.Hour)
	start, end := oldest, now.Add(-30*time.Second)
	if v := q.Get("start_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			xInvalidRequest(w, "start_time", v, "Invalid 'start_time':'"+v+"'. 'start_time' must be a valid RFC3339 date-time")
			return
		}
		if t.Before(oldest) {
			xInvalidRequest(w, "start_time", v, "Invalid 'start_time':'"+v+"'. 'start_time' must be on or after "+oldest.UTC().Format("2006-01-02T15:04Z"))
			return
		}
		start = t
	}
	if v := q.Get("end_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			xInvalidRequest(w, "end_time", v, "Invalid 'end_time':'"+v+"'. 'end_time' must be a valid RFC3339 date-time")
			return
		}
		if t.After(now.Add(-10 * time.Second)) {
			xInvalidRequest(w, "end_time", v, "Invalid 'end_time':'"+v+"'. 'end_time' must be a minimum of 10 seconds prior to the request time.")
			return
		}
		end = t
	}
	if !start.Before(end) {
		xInvalidRequest(w, "start_time", q.Get("start_time"), "Invalid 'start_time':'"+start.UTC().Format(time.RFC3339)+"'. 'start_time' must be before 'end_time':'"+end.UTC().Format(time.RFC3339)+"'")
		return
	}
	var sinceID, untilID uint64
	for _, p := range []struct {
		name string
		dst  *uint64
	}{{"since_id", &sinceID}, {"until_id", &untilID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				xInvalidRequest(w, p.name, v, "The `"+p.name+"` query parameter value ["+v+"] does not match ^[0-9]{1,19}$")
				return
			}
			*p.dst = n
		}
	}
	cursorKey := query + "|" + start.UTC().Format(time.RFC3339) + "|" + end.UTC().Format(time.RFC3339)
	var cursor uint64
	tok := q.Get("next_token")
	if tok == "" {
		tok = q.Get("pagination_token")
	}
	if tok != "" {
		id, ok := s.decodeCursor(tok, cursorKey)
		if !ok {
			xInvalidRequest(w, "next_token", tok, "The `next_token` query parameter value ["+tok+"] is not valid for this request")
			return
		}
		cursor = id
	}

	toks := s.candidates(expr)
	startMS, endMS := start.UnixMilli(), end.UnixMilli()
	var page []*tweet
	more := false
	for h := s.m.hourOf(end.Add(-time.Millisecond).Unix()); h >= s.m.hourOf(start.Unix()) && h >= 0 && !more; h-- {
		var hour []*tweet
		for _, t := range toks {
			for _, tw := range s.tweetsHour(t, h) {
				if tw.ms < startMS || tw.ms >= endMS || tw.id <= sinceID || (untilID != 0 && tw.id >= untilID) || (cursor != 0 && tw.id >= cursor) {
					continue
				}
				if expr.match(tw) {
					hour = append(hour, tw)
				}
			}
		}
		sort.Slice(hour, func(a, b int) bool { return hour[a].id > hour[b].id })
		for _, tw := range hour {
			if len(page) == maxResults {
				more = true
				break
			}
			page = append(page, tw)
		}
	}
	resp := xSearchResponse{Meta: xMeta{ResultCount: len(page)}}
	if len(page) == 0 {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	tf := fieldSet(q.Get("tweet.fields"))
	uf := fieldSet(q.Get("user.fields"))
	ex := fieldSet(q.Get("expansions"))
	seen := map[uint64]bool{}
	var users []xUser
	for _, tw := range page {
		resp.Data = append(resp.Data, s.xTweet(tw, tf, ex))
		if ex["author_id"] && !seen[tw.author.id] {
			seen[tw.author.id] = true
			users = append(users, xUserOf(tw.author, uf))
		}
	}
	if len(users) > 0 {
		resp.Includes = &xIncludes{Users: users}
	}
	resp.Meta.NewestID = strconv.FormatUint(page[0].id, 10)
	resp.Meta.OldestID = strconv.FormatUint(page[len(page)-1].id, 10)
	if more {
		resp.Meta.NextToken = s.encodeCursor(page[len(page)-1].id, cursorKey)
	}
	writeJSON(w, http.StatusOK, resp)
}

// candidates are the tokens whose tweets can match the query.
func (s *Sim) candidates(q xquery) []*token {
	var out []*token
	seen := map[*token]bool{}
	for _, sym := range querySymbols(q) {
		ts, ok := s.m.bySym[strings.ToUpper(sym)]
		if !ok {
			return s.m.tokens // a free word can match any token's talk
		}
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 {
		return s.m.tokens
	}
	return out
}

func (s *Sim) xTweet(tw *tweet, tf, ex map[string]bool) xTweet {
	id := strconv.FormatUint(tw.id, 10)
	out := xTweet{ID: id, Text: tw.text, EditHistoryTweetIDs: []string{id}}
	if tf["author_id"] || ex["author_id"] {
		out.AuthorID = strconv.FormatUint(tw.author.id, 10)
	}
	if tf["created_at"] {
		out.CreatedAt = time.UnixMilli(tw.ms).UTC().Format(xTime)
	}
	if tf["conversation_id"] {
		out.ConversationID = id
	}
	if tf["lang"] {
		out.Lang = tw.lang
	}
	if tf["possibly_sensitive"] {
		f := false
		out.PossiblySensitive = &f
	}
	if tf["public_metrics"] {
		out.PublicMetrics = &xTweetMetrics{RetweetCount: tw.retweets, ReplyCount: tw.replies, LikeCount: tw.likes, QuoteCount: tw.quotes, BookmarkCount: tw.likes / 20, ImpressionCount: tw.views}
	}
	if (tf["referenced_tweets"] || ex["referenced_tweets.id"]) && tw.rtOf != 0 {
		out.ReferencedTweets = []xRef{{Type: "retweeted", ID: strconv.FormatUint(tw.rtOf, 10)}}
	}
	if tf["entities"] && (len(tw.cashtags)+len(tw.hashtags)+len(tw.mentions)) > 0 {
		e := &xEntities{}
		for _, c := range tw.cashtags {
			e.Cashtags = append(e.Cashtags, xEntity{Start: c.start, End: c.end, Tag: c.tag})
		}
		for _, c := range tw.hashtags {
			e.Hashtags = append(e.Hashtags, xEntity{Start: c.start, End: c.end, Tag: c.tag})
		}
		for _, c := range tw.mentions {
			e.Mentions = append(e.Mentions, xMention{Start: c.start, End: c.end, Username: c.tag})
		}
		out.Entities = e
	}
	return out
}

func xUserOf(u *user, uf map[string]bool) xUser {
	out := xUser{ID: strconv.FormatUint(u.id, 10), Name: u.name, Username: u.username}
	if uf["created_at"] {
		out.CreatedAt = time.Unix(u.created, 0).UTC().Format(xTime)
	}
	if uf["description"] {
		d := u.description
		out.Description = &d
	}
	if uf["public_metrics"] {
		out.PublicMetrics = &xUserMetrics{FollowersCount: u.followers, FollowingCount: u.following, TweetCount: u.tweets, ListedCount: u.listed}
	}
	if uf["verified"] {
		v := u.verified
		out.Verified = &v
	}
	return out
}
