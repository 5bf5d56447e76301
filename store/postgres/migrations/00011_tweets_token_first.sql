-- The tweets primary key leads with the token, as on SQLite (see the
-- SQLite migration of the same number for why). The natural key is the
-- same pair, so ON CONFLICT (tweet_id, token) still names it.

-- +goose Up
ALTER TABLE tweets DROP CONSTRAINT tweets_pkey;
ALTER TABLE tweets ADD PRIMARY KEY (token, tweet_id);

-- +goose Down
ALTER TABLE tweets DROP CONSTRAINT tweets_pkey;
ALTER TABLE tweets ADD PRIMARY KEY (tweet_id, token);
