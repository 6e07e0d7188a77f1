#!/usr/bin/env python3
"""qtrain vs PyTorch training speed, measured back to back in one run.

Runs `qtrain bench` and `pytorch_qtrain.py bench` on the same net, width, batch, methods and thread
count, alternating them for `--rounds` rounds (qtrain, PyTorch, qtrain, PyTorch, ...) so that both see
the same machine state, and prints a table of images/s, images per CPU-second and the qtrain/PyTorch
ratio per round and method, plus the median ratio. `--csv` appends every measurement (with the
1-minute load average before it) to a CSV file.

Usage (see benches/README.md):

    target/torch-venv/bin/python benches/speed_side_by_side.py --qtrain target/release/qtrain \\
        --net vgg-bc --width 0.25 --batch 128 --methods adam,bc-adam --steps 10 --threads 2 --rounds 3

Each implementation runs in its own process. qtrain's thread count is set with RAYON_NUM_THREADS,
PyTorch's with torch.set_num_threads (and OMP_NUM_THREADS / MKL_NUM_THREADS for its process).
"""

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

QTRAIN_LINE = re.compile(
    r"^(?P<method>\S+)\s+(?P<ips>[0-9.]+) images/s \((?P<wall>[0-9.]+) s wall"
    r"(?:, (?P<cpu>[0-9.]+) CPU-s)?")
TORCH_LINE = re.compile(
    r"^(?P<method>\S+): (?P<ips>[0-9.]+) images/s \(\d+ steps of \d+ in (?P<wall>[0-9.]+) s wall, "
    r"(?P<cpu>[0-9.]+) s CPU")


def run(cmd, env, pattern):
    """Run `cmd`, echo its output, and return {method: (images/s, wall s, CPU s or None)}."""
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.exit(f"command failed with status {p.returncode}: {' '.join(cmd)}")
    out = {}
    for line in p.stdout.splitlines():
        m = pattern.match(line.strip())
        if m:
            cpu = m.group("cpu")
            out[m.group("method")] = (float(m.group("ips")), float(m.group("wall")),
                                      float(cpu) if cpu else None)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qtrain", default="target/release/qtrain", help="the qtrain binary")
    ap.add_argument("--python", default=sys.executable, help="the Python that has torch")
    ap.add_argument("--net", default="vgg-bc")
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--methods", default="adam,bc-adam")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per method (both)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--csv", default=None, help="append every measurement to this CSV")
    args = ap.parse_args(argv)

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    env_q = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    env_t = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    common = ["--net", args.net, "--width", str(args.width), "--batch", str(args.batch),
              "--methods", ",".join(methods), "--steps", str(args.steps)]
    q_cmd = [args.qtrain, "bench"] + common
    t_cmd = [args.python, os.path.join(HERE, "pytorch_qtrain.py"), "bench"] + common + [
        "--threads", str(args.threads)]

    rows = []  # (round, impl, method, ips, wall, cpu, load)
    for r in range(1, args.rounds + 1):
        for impl, cmd, env, pat in (("qtrain", q_cmd, env_q, QTRAIN_LINE),
                                    ("pytorch", t_cmd, env_t, TORCH_LINE)):
            load = os.getloadavg()[0]
            res = run(cmd, env, pat)
            for m in methods:
                if m not in res:
                    sys.exit(f"{impl} printed no result for {m}")
                ips, wall, cpu = res[m]
                rows.append((r, impl, m, ips, wall, cpu, load))

    print()
    print(f"## {args.net} width {args.width}, batch {args.batch}, {args.threads} threads, "
          f"{args.steps} timed steps, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print()
    print("| round | method | qtrain images/s | qtrain images/CPU-s | PyTorch images/s | "
          "PyTorch images/CPU-s | qtrain / PyTorch | load (1 min) before qtrain, PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = {m: [] for m in methods}
    for r in range(1, args.rounds + 1):
        for m in methods:
            q = next(x for x in rows if x[0] == r and x[1] == "qtrain" and x[2] == m)
            t = next(x for x in rows if x[0] == r and x[1] == "pytorch" and x[2] == m)
            per_cpu = lambda x: f"{args.batch * args.steps / x[5]:.1f}" if x[5] else "n/a"
            ratio = q[3] / t[3]
            ratios[m].append(ratio)
            print(f"| {r} | {m} | {q[3]:.1f} | {per_cpu(q)} | {t[3]:.1f} | {per_cpu(t)} | "
                  f"{ratio:.2f} | {q[6]:.2f}, {t[6]:.2f} |")
    print()
    for m in methods:
        print(f"{m}: median qtrain / PyTorch = {statistics.median(ratios[m]):.2f} "
              f"over {len(ratios[m])} rounds (min {min(ratios[m]):.2f}, max {max(ratios[m]):.2f})")

    if args.csv:
        new = not os.path.isfile(args.csv)
        with open(args.csv, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["when", "net", "width", "batch", "steps", "threads", "round", "impl", "method",
                            "images_per_second", "wall_seconds", "cpu_seconds", "load_average_1min"])
            when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            for (r, impl, m, ips, wall, cpu, load) in rows:
                w.writerow([when, args.net, args.width, args.batch, args.steps, args.threads, r, impl, m,
                            f"{ips:.1f}", f"{wall:.2f}", "" if cpu is None else f"{cpu:.2f}", f"{load:.2f}"])


if __name__ == "__main__":
    main()
