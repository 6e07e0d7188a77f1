#!/usr/bin/env python3
"""Classify yosys' longest topological path (`ltp` output) by cell type, from the netlist's JSON.

usage: xc7_depth.py LTP.txt NETLIST.json TOP
Prints: path length in cells, LUT levels, CARRY4 cells, MUXF cells, DSP48E1 cells, other cells, the
start and end nets, and the path as a run-length list of cell types. Exit 2 when the inputs cannot be read or hold no path.
"""
import json
import re
import sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    ltp_path, json_path, top = argv[1:]
    try:
        text = open(ltp_path).read()
        mods = json.load(open(json_path))["modules"]
    except (OSError, ValueError, KeyError) as e:
        print(f"xc7_depth: {e}", file=sys.stderr)
        return 2
    mod = mods.get(top) or mods.get("\\" + top)
    if mod is None:
        print(f"xc7_depth: module {top} not in {json_path}", file=sys.stderr)
        return 2
    cells = mod["cells"]
    steps = re.findall(r"^\s*(\d+): (\S+(?: \[\d+\])?)(?: \(via (.+)\))?$", text, re.M)
    if not steps:
        print(f"xc7_depth: no path in {ltp_path}", file=sys.stderr)
        return 2
    kinds, types = {}, []
    for _, _, via in steps:
        if not via:
            continue
        t = cells.get(via, {}).get("type", "?")
        types.append(t)
        k = "LUT" if t.startswith("LUT") else t if t in ("CARRY4", "MUXF7", "MUXF8", "DSP48E1") else "other"
        kinds[k] = kinds.get(k, 0) + 1
    n = sum(kinds.values())
    print(f"{top}: longest path {n} cells: {kinds.get('LUT', 0)} LUT levels, {kinds.get('CARRY4', 0)} CARRY4, "
          f"{kinds.get('MUXF7', 0) + kinds.get('MUXF8', 0)} MUXF, {kinds.get('DSP48E1', 0)} DSP48E1, "
          f"{kinds.get('other', 0)} other")
    print(f"  from {steps[0][1]}  to {steps[-1][1]}")
    runs = []
    for t in types:
        if runs and runs[-1][0] == t:
            runs[-1][1] += 1
        else:
            runs.append([t, 1])
    print("  path: " + ", ".join(f"{c}×{t}" if c > 1 else t for t, c in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
