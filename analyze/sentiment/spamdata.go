package sentiment

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// SpamPost is one row of the Prodigy spam annotations with what the
// record says about its author.
type SpamPost struct {
	Example
	Author Author
	UserID string // the author's X id: rows by one author are one group in the unseen-template protocol
}

// LoadSpamPosts reads the Prodigy spam annotations: answer "accept" means
// spam, "reject" not spam; "ignore" rows are skipped. meta.followers and
// meta.friends become the Author (known when present in the record).
func LoadSpamPosts(path string) ([]SpamPost, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []SpamPost
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var rec struct {
			Text   string `json:"text"`
			Answer string `json:"answer"`
			Meta   struct {
				UserID    string `json:"user_id"`
				Followers *int64 `json:"followers"`
				Friends   *int64 `json:"friends"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		p := SpamPost{Example: Example{Text: rec.Text}, UserID: rec.Meta.UserID}
		if rec.Meta.Followers != nil {
			p.Author.Followers, p.Author.HasFollowers = *rec.Meta.Followers, true
		}
		if rec.Meta.Friends != nil {
			p.Author.Friends, p.Author.HasFriends = *rec.Meta.Friends, true
		}
		switch rec.Answer {
		case "accept":
			p.Label = "spam"
		case "reject":
			p.Label = "ham"
		case "ignore":
			continue
		default:
			return nil, fmt.Errorf("%s:%d: answer %q is not accept, reject or ignore", path, line, rec.Answer)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
