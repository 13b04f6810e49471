#!/usr/bin/python3
"""Plot a spiking run (-model spiking): a raster of the first neurons of each population, the
population rates against time and, when the run recorded them (-spiking_record_V), membrane traces;
when its populations have positions (/positions), a second figure FIGURE-positions.png of each
neuron at its place, coloured by its spikes (x and y; 3-D positions seen from above).

    /usr/bin/python3 analysis/plot_spikes.py RUN.h5 [FIGURE.png] [--neurons 100] [--tmax MS]
"""
import argparse

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("png", nargs="?")
    ap.add_argument("--neurons", type=int, default=100, help="neurons of each population in the raster")
    ap.add_argument("--tmax", type=float, default=None, help="last time shown (ms)")
    a = ap.parse_args()
    png = a.png or a.run.rsplit(".", 1)[0] + ".png"
    with h5py.File(a.run, "r") as f:
        if f.attrs["model"] != "spiking" or "spikes" not in f:
            raise SystemExit("%s is not the output of a spiking run (model %s)" % (a.run, f.attrs["model"]))
        pops = sorted(f["spikes"], key=lambda p: f["spikes"][p].attrs["first_id"])
        spk = {p: (f["spikes"][p]["timestamps"][()], f["spikes"][p]["node_ids"][()]) for p in pops}
        t, rate = f["time"][()], f["observables/rate"][()]
        V = f["observables/V_m"][()] if "observables/V_m" in f else None
        obs = dict(f["observables"].attrs)
        T = float(f.attrs["final_time"])
        where = {p: f["positions"][p][()] for p in f["positions"]} if "positions" in f else {}
        count = f["state/spike_count"][()] if "state/spike_count" in f else None
        first = {p: int(f["spikes"][p].attrs["first_id"]) for p in pops}
    tmax = a.tmax or T
    rows = 3 if V is not None else 2
    fig, ax = plt.subplots(rows, 1, figsize=(8, 2.6 * rows), sharex=True)
    base = 0
    for k, p in enumerate(pops):
        ts, ids = spk[p]
        keep = (ids < a.neurons) & (ts <= tmax)
        ax[0].plot(ts[keep], base + ids[keep], ".", ms=1.5, color="C%d" % k,
                   label="%s: %.3g Hz, CV %.2f" % (p, obs["rate_" + p], obs["cv_isi_" + p]))
        base += a.neurons
    ax[0].set_ylabel("neuron")
    ax[0].legend(loc="upper right", fontsize=8, markerscale=6)
    for k, p in enumerate(pops):
        ax[1].plot(t[1:], rate[1:, k], color="C%d" % k, label=p)
    ax[1].set_ylabel("rate (Hz)")
    if V is not None:
        ax[2].plot(t, V)
        ax[2].set_ylabel("V_m (mV)")
    ax[-1].set_xlabel("time (ms)")
    ax[-1].set_xlim(0, tmax)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print("wrote %s (%s)" % (png, ", ".join("%s %d spikes" % (p, len(spk[p][0])) for p in pops)))
    if where and count is not None:
        placed = [p for p in pops if p in where]
        fig, ax = plt.subplots(1, len(placed), figsize=(4.2 * len(placed), 4), squeeze=False)
        for k, p in enumerate(placed):
            xy, n = where[p], count[first[p]:first[p] + len(where[p])] / (T / 1000.0)
            sc = ax[0][k].scatter(xy[:, 0], xy[:, 1], c=n, s=4, cmap="viridis")
            ax[0][k].set_title("%s: rate of each neuron" % p)
            ax[0][k].set_xlabel("x (um)")
            ax[0][k].set_ylabel("y (um)")
            ax[0][k].set_aspect("equal")
            fig.colorbar(sc, ax=ax[0][k], label="Hz")
        fig.tight_layout()
        out = png.rsplit(".", 1)[0] + "-positions.png"
        fig.savefig(out, dpi=120)
        print("wrote %s" % out)


if __name__ == "__main__":
    main()
