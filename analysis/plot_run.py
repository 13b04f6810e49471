#!/usr/bin/python3
"""Plot a tripart run: energy and overlaps with every stored pattern against time.

    /usr/bin/python3 analysis/plot_run.py RUN.h5 [FIGURE.png]
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as f:
        t, e = f["time"][:], f["energy"][:]
        ov = f["observables/overlap"][:]
        attrs = dict(f["observables"].attrs)
        title = "%s: N = %d, K = %d, %d ranks, stepper %s" % (
            f.attrs["model"], f.attrs["neurons"], f.attrs["patterns"], f.attrs["ranks"], f.attrs["stepper"])
    target = int(attrs["target"])
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    a1.plot(t, e, color="k")
    a1.set_ylabel("energy E")
    a1.set_title(title)
    for mu in range(ov.shape[1]):
        if mu != target:
            a2.plot(t, ov[:, mu], color="0.7", lw=0.8)
    a2.plot(t, ov[:, target], color="C3", lw=2, label="target pattern %d" % target)
    a2.set_ylabel("overlap m_mu = (1/N) xi^mu . phi(x)")
    a2.set_xlabel("time")
    a2.set_ylim(-1.05, 1.05)
    a2.legend(title="Hamming error at the end: %g (cue: %d bits flipped)" % (attrs["hamming_error"], attrs["cue_flipped_bits"]),
              loc="lower right")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print("figure", png)


if __name__ == "__main__":
    main()
