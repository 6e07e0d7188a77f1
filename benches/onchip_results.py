#!/usr/bin/env python3
"""Collect the on-accelerator training runs (`sim train`) and their float twins (`qtrain train
--act-bits`) into results/: a CSV (method, hardware and float test error, sign flips, formats), a
Markdown table and an SVG plot of test error against the latent / step format bits.

Usage: benches/onchip_results.py RUNS_DIR OUT_PREFIX
  RUNS_DIR holds hw-{r,sr16,sr,bc}, fl-{r,sr,bc}, hw-/fl-bc-l0.25[-s2], hw-/fl-{r,sr}-lr{0.003,0.001}, hw-/fl-{r,sr}-e10 (10 epochs) and the
  study runs hw-bc-w{8,10,12}, hw-bc-u{6,10}, either as run directories (NAME/summary.json, what
  `sim train --out` writes) or as the committed copies (summary-NAME.json, metrics-NAME.csv: e.g.
  results/onchip-vgg-bc-w0.125/); OUT_PREFIX e.g. results/onchip-vgg-bc-w0.125. The update lane's
  LUTs per format come from bitstreams/reports/update-lane-xc7.csv (bitstreams/update-lane-area).
Only runs whose summary says complete are used; the others are listed as missing.
"""
import csv
import json
import os
import sys


def summary(d):
    p = os.path.join(d, "summary.json")
    if not os.path.exists(p):
        p = os.path.join(os.path.dirname(d), f"summary-{os.path.basename(d)}.json")
    if not os.path.exists(p):
        return None
    s = json.load(open(p))
    return s if s.get("complete") else None


def metrics(d):
    with open(os.path.join(d, "metrics.csv")) as f:
        return list(csv.DictReader(f))


def fmt(f):
    return f"Q{f['total_bits']}.{f['frac_bits']}"


def lane_luts():
    """LUTs of one update lane per (w_format, u_format), written Q<total>.<frac> like `fmt`."""
    p = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bitstreams", "reports",
                     "update-lane-xc7.csv")
    if not os.path.exists(p):
        return {}
    def total(q):  # rust-hdl prints Q<int>.<frac>
        i, f = q[1:].split(".")
        return f"Q{int(i) + int(f)}.{f}"
    with open(p) as f:
        return {(total(r["w_format"]), total(r["u_format"])): r["lut"] for r in csv.DictReader(f)}


def svg_plot(path, series, xlabel, ylabel, title):
    """Minimal SVG line plot: series = [(label, [(x, y)], colour)]."""
    w, h, l, r, t, b = 640, 400, 60, 170, 40, 50
    xs = [x for _, pts, _ in series for x, _ in pts]
    ys = [y for _, pts, _ in series for _, y in pts]
    xpad = 1 if max(xs) - min(xs) >= 5 else max((max(xs) - min(xs)) * 0.05, 0.01)
    x0, x1 = min(xs) - xpad, max(xs) + xpad
    span = max(ys) - min(ys)
    pad = 2 if span >= 4 else max(span * 0.1, 0.05)  # percentages: ±2; losses: 10 % of the range
    y0, y1 = min(ys) - pad, max(ys) + pad
    X = lambda x: l + (x - x0) / (x1 - x0) * (w - l - r)
    Y = lambda y: h - b - (y - y0) / (y1 - y0) * (h - t - b)
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
         f'<rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{w/2 - 80}" y="20" font-size="14">{title}</text>',
         f'<line x1="{l}" y1="{h-b}" x2="{w-r}" y2="{h-b}" stroke="black"/>',
         f'<line x1="{l}" y1="{t}" x2="{l}" y2="{h-b}" stroke="black"/>',
         f'<text x="{(l + w - r)/2 - 60}" y="{h-12}">{xlabel}</text>',
         f'<text x="14" y="{(t + h - b)/2}" transform="rotate(-90 14 {(t + h - b)/2})">{ylabel}</text>']
    xticks = sorted(set(xs))
    if len(xticks) > 12:  # long runs: about ten evenly spaced labels
        every = -(-len(xticks) // 10)
        xticks = xticks[::every]
    for xv in xticks:
        o.append(f'<text x="{X(xv)-6}" y="{h-b+16}">{xv:g}</text>')
    step = next(s for lim, s in [(1.5, 0.1), (4, 0.25), (20, 2), (float("inf"), 5)] if y1 - y0 < lim)
    k = int(y0 // step)
    while k * step <= y1:
        yv = round(k * step, 6)
        if yv >= y0:
            o.append(f'<text x="{l-34}" y="{Y(yv)+4}">{yv:g}</text>')
            o.append(f'<line x1="{l}" y1="{Y(yv)}" x2="{w-r}" y2="{Y(yv)}" stroke="#ddd"/>')
        k += 1
    for i, (label, pts, col) in enumerate(series):
        pts = sorted(pts)
        if len(pts) > 1:
            d = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in pts)
            o.append(f'<polyline points="{d}" fill="none" stroke="{col}" stroke-width="2"/>')
        if len(pts) <= 40:  # markers only where they stay readable
            for x, y in pts:
                o.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="4" fill="{col}"/>')
        o.append(f'<rect x="{w-r+10}" y="{t+20*i}" width="12" height="12" fill="{col}"/>')
        o.append(f'<text x="{w-r+28}" y="{t+20*i+11}">{label}</text>')
    o.append("</svg>")
    open(path, "w").write("\n".join(o) + "\n")


def main():
    runs, out = sys.argv[1], sys.argv[2]
    rows, missing = [], []
    luts = lane_luts()
    main_runs = [("r", "hw-r", "fl-r"), ("sr", "hw-sr16", "fl-sr"), ("sr", "hw-sr", "fl-sr"),
                 ("r", "hw-r-lr0.003", "fl-r-lr0.003"), ("sr", "hw-sr-lr0.003", "fl-sr-lr0.003"),
                 ("r", "hw-r-lr0.001", "fl-r-lr0.001"), ("sr", "hw-sr-lr0.001", "fl-sr-lr0.001"),
                 ("r", "hw-r-e10", "fl-r-e10"), ("sr", "hw-sr-e10", "fl-sr-e10"),
                 ("bc", "hw-bc", "fl-bc"),
                 ("bc", "hw-bc-l0.25", "fl-bc-l0.25"), ("bc", "hw-bc-l0.25-s2", "fl-bc-l0.25-s2")]
    for m, hw, fl in main_runs:
        sh, sf = summary(os.path.join(runs, hw)), summary(os.path.join(runs, fl))
        if sh is None:
            missing.append(hw)
            continue
        u = sh["config"]["update"]
        c = sh["config"]
        bcl = c.get("bc_latent", {})
        start = ("uniform ±" if bcl.get("uniform") else "±") + f"{c['latent_init']:g}"
        if bcl.get("glorot_lr"):
            start += ", Glorot step scale"
        rows.append({
            "run": hw, "method": m, "bc_start": start if m == "bc" else "",
            "sr_bits": u["sr_bits"] if m == "sr" else "", "w_format": fmt(u["w_format"]), "u_format": fmt(u["u_format"]),
            "lr": sh["config"]["lr"], "seed": sh["config"]["seed"],
            "epochs": sh["config"]["epochs"], "train_images": sh["train_images"],
            "hardware_test_error": round(sh["final_test_error"], 2),
            "float_twin_test_error": round(sf["final_test_error"], 2) if sf else "",
            "flipped_from_init": round(sh["flipped_from_init"], 5),
            "checked_steps": sh["checked_steps"],
            "hardware_seconds": round(sh["seconds"], 1),
            "lane_lut": luts.get((fmt(u["w_format"]), fmt(u["u_format"])), ""),
        })
        if sf is None:
            missing.append(fl)
    study = ["hw-bc-w8", "hw-bc-w10", "hw-bc-w12", "hw-bc-u6", "hw-bc-u10"]
    for name in study:
        s = summary(os.path.join(runs, name))
        if s is None:
            missing.append(name)
            continue
        u = s["config"]["update"]
        rows.append({
            "run": name, "method": s["config"]["method"], "bc_start": f"±{s['config']['latent_init']:g}",
            "sr_bits": "",
            "w_format": fmt(u["w_format"]),
            "u_format": fmt(u["u_format"]), "lr": s["config"]["lr"], "seed": s["config"]["seed"],
            "epochs": s["config"]["epochs"],
            "train_images": s["train_images"],
            "hardware_test_error": round(s["final_test_error"], 2), "float_twin_test_error": "",
            "flipped_from_init": round(s["flipped_from_init"], 5),
            "checked_steps": s["checked_steps"], "hardware_seconds": round(s["seconds"], 1),
            "lane_lut": luts.get((fmt(u["w_format"]), fmt(u["u_format"])), ""),
        })
    with open(out + ".csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        wr.writeheader()
        wr.writerows(rows)
    with open(out + ".md", "w") as f:
        f.write("| run | method | epochs | lr | seed | BC start | SR bits | w_format | u_format | hardware test error % | float twin (A-bit) % | conv weights off initial sign | checked steps | update lane LUT |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['run']} | {r['method']} | {r['epochs']} | {r['lr']:g} | {r['seed']} | {r['bc_start']} | {r['sr_bits']} | {r['w_format']} | {r['u_format']} | {r['hardware_test_error']} | "
                    f"{r['float_twin_test_error']} | {100*r['flipped_from_init']:.2f} % | {r['checked_steps']} | {r['lane_lut']} |\n")
        if missing:
            f.write(f"\nmissing (not complete): {', '.join(missing)}\n")
    by = {r["run"]: r for r in rows}
    series = []
    wpts = [(int(by[n]["w_format"][1:].split(".")[0]), by[n]["hardware_test_error"])
            for n in ["hw-bc-w8", "hw-bc-w10", "hw-bc-w12", "hw-bc"] if n in by]
    if wpts:
        series.append(("BC, w_r bits", wpts, "#1f77b4"))
    upts = [(int(by[n]["u_format"][1:].split(".")[0]), by[n]["hardware_test_error"])
            for n in ["hw-bc-u6", "hw-bc", "hw-bc-u10"] if n in by]
    if upts:
        series.append(("BC, u bits", upts, "#2ca02c"))
    if "hw-sr16" in by:
        xs = sorted({x for _, p, _ in series for x, _ in p}) or [8, 16]
        series.append(("SR (binary grid)", [(x, by["hw-sr16"]["hardware_test_error"]) for x in (xs[0], xs[-1])], "#d62728"))
    for n, label, col in [("hw-r", "R floor", "#7f7f7f")]:
        if n in by:
            xs = sorted({x for _, p, _ in series for x, _ in p}) or [8, 16]
            series.append((label, [(x, by[n]["hardware_test_error"]) for x in (xs[0], xs[-1])], col))
    if "hw-bc" in by and by["hw-bc"]["float_twin_test_error"] != "":
        xs = sorted({x for _, p, _ in series for x, _ in p})
        series.append(("BC float twin", [(x, by["hw-bc"]["float_twin_test_error"]) for x in (xs[0], xs[-1])], "#9467bd"))
    if series:
        svg_plot(out + "-bits.svg", series, "bits of the format", "test error %",
                 "vgg-bc w0.125 on the accelerator: test error vs bits")
    print(open(out + ".md").read())


if __name__ == "__main__":
    main()
