"""cocotb bench of the AXI4-Stream wrapper `qtrain_accel_axis` (bitstreams/rtl/) around the exported
accelerator top, in the field's standard tool: cocotbext-axi's AxiStreamSource / AxiStreamSink drive
and receive the two streams with seeded random pauses on both sides (input gaps and output
back-pressure), the way an AXI DMA would.

The session comes from `sim export --layer NAME` (vectors in $QTRAIN_VECTORS): a full-size VGG-BC conv
layer, an SR update (reseed, sign packing), a small conv, a BC update and a read-counters transaction,
with golden responses from the integer model. Each transaction is one AXIS frame (tlast on its final
word); each response must come back as exactly one frame of the expected length (tlast only on the
final word) equal word for word to the golden one, except the two busy-cycle counters, which depend on
the traffic (flag bit 1 clear in accel_out_flags.hex).
"""

import logging
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource


def read_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def load_session(d):
    words = [int(x, 16) for x in read_lines(os.path.join(d, "accel_in.hex"))]
    lasts = [x == "1" for x in read_lines(os.path.join(d, "accel_in_last.hex"))]
    out = [int(x, 16) for x in read_lines(os.path.join(d, "accel_out.hex"))]
    flags = [int(x) for x in read_lines(os.path.join(d, "accel_out_flags.hex"))]
    assert len(words) == len(lasts) and len(out) == len(flags), "vector files disagree in length"

    def frames(items, ends):
        cur, res = [], []
        for item, end in zip(items, ends):
            cur.append(item)
            if end:
                res.append(cur)
                cur = []
        assert not cur, "the last word does not end a transaction"
        return res

    tx = frames(words, lasts)
    rx = frames(list(zip(out, [f >> 1 & 1 for f in flags])), [f & 1 for f in flags])
    assert len(tx) == len(rx), f"{len(tx)} transactions but {len(rx)} responses"
    return tx, rx


class Bus(AxiStreamBus):
    """The wrapper's four AXIS signals, all required and matched case-sensitively. cocotb_bus looks up
    optional or case-insensitive signals through `dir(dut)`, which under Verilator binds the
    module-scope copy of a top-level input port instead of the port itself, so the sink's writes to
    `m_axis_tready` would never reach the design (cocotb 1.8/1.9, Verilator 5.006)."""

    _signals = ["tdata", "tvalid", "tready", "tlast"]
    _optional_signals = []


def pauses(seed, p):
    rng = random.Random(seed)
    while True:
        yield rng.random() < p


@cocotb.test()
async def accel_axis_session_under_random_pauses(dut):
    d = os.environ["QTRAIN_VECTORS"]
    seed = int(os.environ.get("QTRAIN_SEED", "1"))
    gap = float(os.environ.get("QTRAIN_INPUT_GAP", "0.3"))
    stall = float(os.environ.get("QTRAIN_OUTPUT_STALL", "0.4"))
    tx, rx = load_session(d)
    dut.aresetn.value = 1
    cocotb.start_soon(Clock(dut.aclk, 10, units="ns").start())
    # byte_size 64: one "byte" per 64-bit beat, so frames are lists of stream words
    src = AxiStreamSource(Bus.from_prefix(dut, "s_axis", case_insensitive=False), dut.aclk, byte_size=64)
    sink = AxiStreamSink(Bus.from_prefix(dut, "m_axis", case_insensitive=False), dut.aclk, byte_size=64)
    for drv in (src, sink):  # frames of thousands of words: keep the per-frame dumps out of the log
        drv.log.setLevel(logging.WARNING)
    src.set_pause_generator(pauses(seed, gap))
    sink.set_pause_generator(pauses(seed + 1, stall))
    for t in tx:  # queued back to back, as a DMA would
        await src.send(AxiStreamFrame(tdata=t))
    for j, want in enumerate(rx):
        frame = await with_timeout(sink.recv(), 200, "ms")
        got = list(frame.tdata)
        assert len(got) == len(want), (
            f"response {j}: a frame of {len(got)} words (tlast there), expected {len(want)}"
        )
        for k, (g, (w, compared)) in enumerate(zip(got, want)):
            if compared:
                assert g == w, f"response {j} word {k}: got {g:#018x}, want {w:#018x}"
        dut._log.info("response %d: %d words equal to the golden model", j, len(got))
    assert sink.empty(), "words after the last expected response"
