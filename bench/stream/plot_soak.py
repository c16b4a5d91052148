#!/usr/bin/python3
"""Plots a soak's time series (soak.py writes the CSV):

  /usr/bin/python3 bench/stream/plot_soak.py bench/stream/out/soak.csv bench/stream/out/soak.png

Needs matplotlib (Debian: python3-matplotlib).
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def col(rows, name, scale=1.0):
    out = []
    for r in rows:
        try:
            out.append(float(r[name]) * scale)
        except (KeyError, ValueError):
            out.append(float("nan"))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_soak.py SOAK.csv OUT.png")
    with open(sys.argv[1], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("plot_soak.py: no rows")
    t = col(rows, "t_s", 1 / 60)
    fig, ax = plt.subplots(5, 1, figsize=(10, 13), sharex=True)

    a = ax[0]
    nan = float("nan")
    a.plot(t, [v if v > 0 else nan for v in col(rows, "live_p50_ms")], label="p50", lw=1)
    a.plot(t, [v if v > 0 else nan for v in col(rows, "live_p99_ms")], label="p99", lw=1.3)
    a.plot(t, [v if v > 0 else nan for v in col(rows, "live_max_ms")], label="max", lw=0.8, alpha=0.6)
    a.axhline(50, color="red", ls=":", lw=1, label="50 ms")
    a.set_yscale("log")
    a.set_ylabel("ms")
    a.set_title("emit -> receive, live tokens of normal readers (per interval)")
    a.legend(loc="upper right", fontsize=8, ncol=4)

    a = ax[1]
    a.plot(t, [v if v > 0 else nan for v in col(rows, "slow_p50_ms", 1e-3)], label="slow readers p50", lw=1)
    a.plot(t, [v if v > 0 else nan for v in col(rows, "slow_p99_ms", 1e-3)], label="slow readers p99", lw=1)
    a.set_ylabel("s")
    a.set_title("slow readers (live tokens): latency")
    a2 = a.twinx()
    a2.plot(t, col(rows, "srv_held", 1 / 2**20), color="tab:green", lw=1, label="held for slow readers")
    a2.plot(t, col(rows, "srv_queued", 1 / 2**20), color="tab:olive", lw=1, label="queued to sockets")
    a2.set_ylabel("MiB")
    h1, l1 = a.get_legend_handles_labels()
    h2, l2 = a2.get_legend_handles_labels()
    a.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8, ncol=2)

    a = ax[2]
    a.plot(t, col(rows, "server_rss_kib", 1 / 1024), label="server RSS", lw=1.3)
    a.plot(t, col(rows, "srv_replay", 1 / 2**20), label="replay ring + resume log (Server::statistics)", lw=1)
    a.set_ylabel("MiB")
    a.set_ylim(bottom=0)
    a.set_title("server memory")
    a.legend(loc="lower right", fontsize=8)

    a = ax[3]
    a.plot(t, col(rows, "server_fds"), label="server open fds", lw=1.3)
    a.plot(t, col(rows, "srv_sessions"), label="server sessions", lw=1)
    a.plot(t, col(rows, "open_sockets"), label="client sockets joined", lw=0.8, alpha=0.7)
    a.set_ylim(bottom=0)
    a.set_title("descriptors and sessions")
    a.legend(loc="lower right", fontsize=8)

    a = ax[4]
    a.plot(t, col(rows, "server_cpu_pct"), label="server CPU %", lw=1)
    a.plot(t, col(rows, "client_cpu_pct"), label="load generator CPU %", lw=1)
    a.plot(t, col(rows, "cpu_pressure_pct"), label="CPU pressure (any task waiting) %", lw=0.8, alpha=0.7)
    a.set_ylabel("% of a core / of time")
    a2 = a.twinx()
    a2.bar(t, col(rows, "cuts"), width=(t[1] - t[0]) * 0.8 if len(t) > 1 else 0.05, color="grey", alpha=0.35,
           label="cuts per interval")
    a2.set_ylabel("cuts")
    h1, l1 = a.get_legend_handles_labels()
    h2, l2 = a2.get_legend_handles_labels()
    a.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8, ncol=2)
    a.set_xlabel("minutes")
    a.set_title("CPU and cuts")

    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=72)
    print("wrote %s" % sys.argv[2])


if __name__ == "__main__":
    main()
