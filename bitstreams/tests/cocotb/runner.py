"""Build qtrain_accel_axis with Verilator through cocotb's runner and run the bench; exit 1 when a test
fails (the runner itself only reports). Called by bitstreams/tests/cocotb/run."""

import sys
from pathlib import Path

from cocotb.runner import get_results, get_runner


def main(root, build, vectors):
    here = Path(__file__).resolve().parent
    runner = get_runner("verilator")
    runner.build(
        sources=[Path(vectors) / "qtrain_accel.v", Path(root) / "bitstreams/rtl/qtrain_accel_axis.v"],
        hdl_toplevel="qtrain_accel_axis",
        build_dir=build,
        build_args=["-Wno-fatal", "-Wno-WIDTH", "-Wno-DECLFILENAME", "-Wno-UNUSED", "-O3"],
        always=False,
    )
    results = runner.test(
        hdl_toplevel="qtrain_accel_axis",
        test_module="test_accel_axis",
        test_dir=str(here),
        build_dir=build,
    )
    tests, failed = get_results(results)
    print(f"cocotb bench: {tests} test(s), {failed} failed ({results})")
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
