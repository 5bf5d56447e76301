"""Joins the collectors' outputs into features."""
import csv, os, common

with open(os.path.join(common.OUT, "bars.csv")) as f:
    closes = [float(r["close"]) for r in csv.DictReader(f)]
mentions = int(open(os.path.join(common.OUT, "mentions.txt")).read())
ret = closes[-1] / closes[0] - 1
with open(os.path.join(common.OUT, "features.csv"), "w") as f:
    f.write("return_1h,mentions\n")
    f.write(f"{ret:.6f},{mentions}\n")
print(f"return {ret:+.4%}, {mentions} mentions")
