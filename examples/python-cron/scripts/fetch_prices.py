"""Stand-in for a price collector: writes one hour of 1-minute bars.

A real one would call an API; on HTTP 429 it should exit 75 (EX_TEMPFAIL),
which memepipe treats as transient and retries with backoff.
"""
import argparse, csv, datetime as dt, math, os, sys

p = argparse.ArgumentParser()
p.add_argument("--start", required=True)
p.add_argument("--end", required=True)
args = p.parse_args()

import common  # noqa: E402  (after argparse, so --help works without a run)

start = dt.datetime.fromisoformat(args.start.replace("Z", "+00:00"))
end = dt.datetime.fromisoformat(args.end.replace("Z", "+00:00"))
rows, t = 0, start
with open(os.path.join(common.OUT, "bars.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["time", "close"])
    while t < end:
        w.writerow([t.isoformat(), f"{0.00001 * (1 + 0.01 * math.sin(t.timestamp() / 600)):.10f}"])
        rows += 1
        t += dt.timedelta(minutes=1)
print(f"fetched {rows} bars for [{args.start}, {args.end})")
sys.exit(0)
