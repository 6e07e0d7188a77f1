#!/usr/bin/env python3
"""Turn yosys `stat -json` output (after `synth_xilinx -flatten`) into a utilisation table and a fit verdict.

usage: yosys_stat.py STAT.json TOP [--lanes N] [--part-limits PART] [--limit RES=N ...] [--row LABEL]

Counts: LUT = LUT1..LUT6 plus LUTs used as memory or shift registers (RAM32M = 4 LUTs, ...);
FF = FDRE/FDSE/FDCE/FDPE (+ latches); BRAM36 = RAMB36 + RAMB18/2; DSP = DSP48E1/E2.
PART is one of the keys of LIMITS (default xc7z020) or `none`; --limit RES=N overrides one limit
(how the tests make a design that fits fail). --row LABEL prints one Markdown table row instead of
the text table. Exit status: 0 fits, 1 does not fit (the message names each resource), 2 bad input.
"""
import json
import sys

# Resources of the parts we target (Xilinx data sheets DS190 / DS891). lutram = LUTs in SLICEMs.
LIMITS = {
    "xc7z020": {"lut": 53200, "lutram": 17400, "ff": 106400, "bram36": 140, "dsp": 220},
    "xczu7ev": {"lut": 230400, "lutram": 101760, "ff": 460800, "bram36": 312, "dsp": 1728},
}

# LUTs each LUT-RAM / shift-register primitive occupies (UG474 / UG574).
LUTRAM_LUTS = {
    "RAM32X1S": 1, "RAM32X1D": 2, "RAM32M": 4, "RAM32M16": 8, "RAM64X1S": 1, "RAM64X1D": 2,
    "RAM64M": 4, "RAM64M8": 8, "RAM128X1S": 2, "RAM128X1D": 4, "RAM256X1S": 4, "RAM256X1D": 8,
    "RAM512X1S": 8, "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")
NAMES = {"lut": "LUT", "lutram": "LUT as memory", "ff": "FF", "carry4": "CARRY4", "bram36": "BRAM36",
         "dsp": "DSP"}


class BadInput(Exception):
    """The stat file or the arguments cannot be used (exit status 2)."""


def counts(stat, top):
    """Resource counts of module `top` in a parsed `stat -json` object."""
    mods = stat.get("modules", {})
    mod = mods.get(top) or mods.get("\\" + top)
    if mod is None:
        raise BadInput(f"no module {top!r} in yosys stat (have: {', '.join(mods) or 'none'})")
    cells = mod.get("num_cells_by_type", {})
    lutram = sum(n * cells.get(c, 0) for c, n in LUTRAM_LUTS.items())
    logic = sum(v for k, v in cells.items() if k.startswith("LUT") and k[3:].isdigit())
    return {
        "lut": logic + lutram,
        "lutram": lutram,
        "ff": sum(cells.get(c, 0) for c in FF_CELLS),
        "carry4": cells.get("CARRY4", 0) + cells.get("CARRY8", 0),
        "bram36": cells.get("RAMB36E1", 0) + cells.get("RAMB36E2", 0) + cells.get("FIFO36E1", 0)
        + 0.5 * (cells.get("RAMB18E1", 0) + cells.get("RAMB18E2", 0) + cells.get("FIFO18E1", 0)),
        "dsp": cells.get("DSP48E1", 0) + cells.get("DSP48E2", 0),
    }


def over_limits(row, limits):
    """Messages naming every resource above its limit (empty when the design fits)."""
    return [f"{NAMES[k]} {fmt(row[k])} > {fmt(v)}" for k, v in limits.items() if row[k] > v]


def fmt(x):
    """Integers with thousands separators, halves (RAMB18) kept."""
    return f"{x:,.1f}" if isinstance(x, float) and x != int(x) else f"{int(x):,}"


def parse_args(argv):
    """(path, top, lanes, part, limits, row_label) from the command line."""
    if len(argv) < 2 or argv[0].startswith("-"):
        raise BadInput(__doc__)
    path, top, rest = argv[0], argv[1], argv[2:]
    lanes, part, extra, label = None, "xc7z020", {}, None
    while rest:
        flag = rest.pop(0)
        if not rest:
            raise BadInput(f"{flag} needs a value")
        val = rest.pop(0)
        if flag == "--lanes":
            lanes = int(val)
        elif flag == "--part-limits":
            if val != "none" and val not in LIMITS:
                raise BadInput(f"unknown part {val!r} (known: {', '.join(LIMITS)}, none)")
            part = None if val == "none" else val
        elif flag == "--limit":
            res, _, n = val.partition("=")
            if res not in NAMES or not n.isdigit():
                raise BadInput(f"--limit wants RES=N with RES one of {', '.join(NAMES)}, got {val!r}")
            extra[res] = int(n)
        elif flag == "--row":
            label = val
        else:
            raise BadInput(f"unknown option {flag}")
    limits = dict(LIMITS[part]) if part else {}
    limits.update(extra)
    return path, top, lanes, part, limits, label


def main(argv):
    """Print the table (or a Markdown row); return the exit status."""
    try:
        path, top, lanes, part, limits, label = parse_args(argv)
        with open(path) as f:
            row = counts(json.load(f), top)
    except (BadInput, OSError, ValueError) as e:
        print(f"yosys_stat: {e}", file=sys.stderr)
        return 2
    per_lane = f"{row['lut'] / lanes:.1f}" if lanes else "–"
    over = over_limits(row, limits)
    target = part or "the given limits"
    if label is not None:
        verdict = "yes" if not over else "no (" + ", ".join(over) + ")"
        print(f"| {label} | " + " | ".join(fmt(row[k]) for k in ("lut", "lutram", "ff", "carry4", "bram36", "dsp"))
              + f" | {per_lane} | {verdict} |")
    else:
        print(f"{top}: yosys synth_xilinx -family xc7 cell counts" + (f" vs {part}" if part else ""))
        print(f"  {'resource':<14}{'used':>10}{'limit':>10}{'use':>8}")
        for k in NAMES:
            lim = limits.get(k)
            use = f"{100 * row[k] / lim:.0f} %" if lim else ""
            print(f"  {NAMES[k]:<14}{fmt(row[k]):>10}{fmt(lim) if lim else '':>10}{use:>8}")
        if lanes:
            print(f"  LUTs per XNOR lane: {per_lane} ({lanes} lanes)")
    if over:
        print(f"FAIL: {top} does not fit {target}: " + ", ".join(over), file=sys.stderr)
        return 1
    if label is None and limits:
        print(f"{top} fits {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
