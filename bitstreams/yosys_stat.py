#!/usr/bin/env python3
"""Turn yosys `stat -json` output into one row of the utilisation table.

usage: yosys_stat.py STAT.json TOP LANES [--fit xc7z020]
Prints a JSON object {lut, ff, carry4, bram36, dsp, luts_per_lane, fits}. BRAM counts RAMB18 as half a RAMB36.
Exit status 1 (with a message naming the resource) when --fit is given and the design does not fit.
"""
import json
import sys

LIMITS = {"xc7z020": {"lut": 53200, "ff": 106400, "bram36": 140, "dsp": 220}}


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    path, top, lanes = args[0], args[1], int(args[2])
    fit = args[args.index("--fit") + 1] if "--fit" in args else None
    with open(path) as f:
        stat = json.load(f)
    mods = stat.get("modules", {})
    mod = mods.get(top) or mods.get("\\" + top)
    if mod is None:
        sys.exit(f"{path}: no module {top!r} in yosys stat (have: {', '.join(mods)})")
    cells = mod.get("num_cells_by_type", {})
    lut = sum(v for k, v in cells.items() if k.startswith("LUT"))
    ff = sum(v for k, v in cells.items() if k in ("FDRE", "FDSE", "FDCE", "FDPE"))
    carry4 = cells.get("CARRY4", 0) + cells.get("CARRY8", 0)
    bram36 = cells.get("RAMB36E1", 0) + cells.get("RAMB36E2", 0) + 0.5 * (cells.get("RAMB18E1", 0) + cells.get("RAMB18E2", 0))
    dsp = cells.get("DSP48E1", 0) + cells.get("DSP48E2", 0)
    row = {"lut": lut, "ff": ff, "carry4": carry4, "bram36": bram36, "dsp": dsp,
           "luts_per_lane": round(lut / lanes, 2) if lanes else None}
    if fit:
        lim = LIMITS[fit]
        over = [f"{k} {row[k]} > {lim[k]}" for k in lim if row[k] > lim[k]]
        row["fits"] = not over
        print(json.dumps(row))
        if over:
            sys.exit(f"{top} does not fit {fit}: " + ", ".join(over))
        return
    print(json.dumps(row))


if __name__ == "__main__":
    main()
