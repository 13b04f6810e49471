#!/usr/bin/python3
"""Plot a scaling table (jobs/scaling.sbatch): speed-up and parallel efficiency against ranks.

    /usr/bin/python3 analysis/plot_scaling.py scaling.csv [scaling.png]

Strong scaling: speed-up = T(1 rank) / T(r), efficiency = speed-up / r.
Weak scaling: efficiency = T(1 rank) / T(r) (the work per rank stays the same).
T is the time per step, the median over the seeds of a rank count (column step_s; time_per_step_s in
tables of earlier versions).
The smallest rank count of each mode stands in for 1 rank when 1 is absent (then speed-up is relative).
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else path.rsplit(".", 1)[0] + ".png"
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("plot_scaling: %s has no rows" % path)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for mode in sorted({r["mode"] for r in rows}):
        runs = {}
        for r in rows:
            if r["mode"] == mode:
                runs.setdefault(int(r["ranks"]), []).append(float(r.get("step_s") or r["time_per_step_s"]))
        pts = {k: sorted(v)[(len(v) - 1) // 2] for k, v in runs.items()}  # the median over seeds
        ranks = sorted(pts)
        base_r, base_t = ranks[0], pts[ranks[0]]
        if mode == "weak":
            eff = [base_t / pts[r] for r in ranks]
            speed = [r / base_r * e for r, e in zip(ranks, eff)]
        else:
            speed = [base_t / pts[r] * base_r for r in ranks]
            eff = [s / r for s, r in zip(speed, ranks)]
        a1.plot(ranks, speed, "o-", label=mode)
        a2.plot(ranks, eff, "o-", label=mode)
        for r, s, e in zip(ranks, speed, eff):
            print("%s ranks %d: time per step %.4g s, speed-up %.2f, efficiency %.2f" % (mode, r, pts[r], s, e))
    top = max(int(r["ranks"]) for r in rows)
    a1.plot([1, top], [1, top], "k:", lw=0.8, label="ideal")
    a1.set_xlabel("ranks")
    a1.set_ylabel("speed-up")
    a1.legend()
    a2.axhline(1.0, color="k", ls=":", lw=0.8)
    a2.set_xlabel("ranks")
    a2.set_ylabel("parallel efficiency")
    a2.set_ylim(0, 1.2)
    fig.suptitle("tripart scaling (%s)" % path)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print("figure", png)


if __name__ == "__main__":
    main()
