package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"memepipe/canonical"
	"memepipe/store"
)

func primaryKey(t *testing.T, s *Store, table string) []string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	return cols
}

// Migration 00011 rebuilds tweets with a token-first primary key: posts
// stored before it are all there after it, the time index is back, and the
// upsert still finds existing posts by their key; down restores the old key.
func TestTweetsTokenFirstMigration(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, mustSub(migrations, "migrations"),
		goose.WithAllowOutofOrder(true), goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if got := primaryKey(t, s, "tweets"); !reflect.DeepEqual(got, []string{"token", "tweet_id"}) {
		t.Fatalf("after Open, tweets key = %v", got)
	}
	if _, err := p.ApplyVersion(ctx, 11, false); err != nil {
		t.Fatal(err)
	}
	if got := primaryKey(t, s, "tweets"); !reflect.DeepEqual(got, []string{"tweet_id", "token"}) {
		t.Fatalf("after down, tweets key = %v", got)
	}
	likes := int64(5)
	var rows []canonical.Row
	for i := range 300 {
		rows = append(rows, canonical.Tweet{TweetID: fmt.Sprint(1_000_000 + i), Token: fmt.Sprintf("ethereum:0x%040x", i%7),
			Text: fmt.Sprintf("post %d", i), Likes: &likes, Cashtags: []string{"PEPE"},
			CreatedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)})
	}
	if err := store.UpsertCanonical(ctx, s, rows); err != nil {
		t.Fatal(err)
	}
	scan := func() []canonical.Row {
		var got []canonical.Row
		if err := s.ScanCanonical(ctx, store.CanonicalQuery{Table: canonical.TableTweets}, func(r canonical.Row) error {
			got = append(got, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := scan()
	if _, err := p.ApplyVersion(ctx, 11, true); err != nil {
		t.Fatal(err)
	}
	if got := primaryKey(t, s, "tweets"); !reflect.DeepEqual(got, []string{"token", "tweet_id"}) {
		t.Fatalf("after up, tweets key = %v", got)
	}
	if after := scan(); len(after) != len(rows) || !reflect.DeepEqual(after, before) {
		t.Fatalf("%d posts before the migration, %d after (or they differ)", len(before), len(after))
	}
	var index int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'tweets_token_created' AND tbl_name = 'tweets'").Scan(&index); err != nil || index != 1 {
		t.Fatalf("tweets_token_created: %d, %v", index, err)
	}
	// An upsert of a stored post updates it in place.
	edited := rows[42].(canonical.Tweet)
	edited.Text = "edited"
	if err := store.UpsertCanonical(ctx, s, []canonical.Row{edited}); err != nil {
		t.Fatal(err)
	}
	after := scan()
	n := 0
	for _, r := range after {
		if r.(canonical.Tweet).Text == "edited" {
			n++
		}
	}
	if len(after) != len(rows) || n != 1 {
		t.Fatalf("after re-upserting one post: %d posts, %d edited", len(after), n)
	}
}
