"""What every script of the example needs: where this run's files go."""
import os

START = os.environ["MEMEPIPE_INTERVAL_START"]  # e.g. 2026-11-28T17:00:00Z
END = os.environ["MEMEPIPE_INTERVAL_END"]      # exclusive
OUT = os.path.join("out", START.replace(":", ""))
os.makedirs(OUT, exist_ok=True)
