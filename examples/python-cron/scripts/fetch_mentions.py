"""Stand-in for a social collector. Credentials come from the environment
memepipe passes on (never from memepipe.yaml)."""
import os, common

token = os.environ.get("MEMEPIPE_TWITTER_BEARER_TOKEN")
query = os.environ["MENTIONS_QUERY"]
if not token:
    print(f"no MEMEPIPE_TWITTER_BEARER_TOKEN: pretending to search {query!r}")
n = 42
with open(os.path.join(common.OUT, "mentions.txt"), "w") as f:
    f.write(f"{n}\n")
print(f"{n} posts for {query!r} in [{common.START}, {common.END})")
