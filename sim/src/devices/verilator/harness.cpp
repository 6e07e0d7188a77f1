// The host side of the exported accelerator top `qtrain_accel`, compiled by Verilator for
// `sim --backend verilator` (sim/src/verilator_backend.rs generates nothing else; this file is the
// whole harness). It runs one whole transaction per request, clock by clock, with the same traffic
// and the same cycle loop as the rust-hdl runner (hdl/src/accel/runner.rs): per cycle, drive the
// inputs with the clock low and evaluate, sample both handshakes, raise the clock and evaluate.
// Input gaps and output back-pressure come from the same xorshift generator, so a seed gives the
// same traffic on both backends.
//
// Protocol (binary, little-endian, over stdin / the original stdout; anything the model prints goes
// to stderr):
//   request:  u32 op (1 = transfer, 0 = quit)
//             transfer: u64 n_in, u64 n_out, f64 in_gap, f64 out_stall, u64 seed, u64 idle_limit,
//                       u32 vcd_path_len, vcd_path bytes (0: no waveform), n_in × u64 words
//   response: u32 status
//             0 done:  u64 cycles, u64 first_in_cycle, u64 last_out_cycle, u64 n_out,
//                      n_out × u64 words, n_out × u8 last flags
//             1 stall: u64 cycle, u64 idle, u32 stream (0 input, 1 output), u64 words_in,
//                      u64 words_out, u32 router state, u32 payload words remaining (fields of
//                      the router's packed register `regs$q`, at the offsets the build finds in
//                      the Verilog; both 0xFFFFFFFF when the Verilog has no such register:
//                      QTRAIN_ROUTER_STATE is defined only when Verilator made them readable)
//             2 error: u32 len, message bytes
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "Vqtrain_accel.h"
#include "Vqtrain_accel___024root.h"
#include "verilated.h"
#ifdef QTRAIN_TRACE
#include "verilated_vcd_c.h"
#endif

static FILE* in_f;
static FILE* out_f;

static void die(const char* what) {
    fprintf(stderr, "qtrain verilator harness: %s\n", what);
    exit(3);
}
static void rd(void* p, size_t n) {
    if (n && fread(p, 1, n, in_f) != n) die("host closed the request pipe");
}
static void wr(const void* p, size_t n) {
    if (n && fwrite(p, 1, n, out_f) != n) die("cannot write the response pipe");
}
template <typename T> static T get() { T v; rd(&v, sizeof v); return v; }
// `n` ≤ 32 bits at bit `off` of a Verilator wide value (the router's packed state register).
template <typename W> static uint32_t field(const W& w, int off, int n) {
    uint64_t v = w[off / 32] >> (off % 32);
    if (off % 32 + n > 32) v |= (uint64_t)w[off / 32 + 1] << (32 - off % 32);
    return (uint32_t)(v & ((n == 32) ? 0xFFFFFFFFull : ((1ull << n) - 1)));
}
template <typename T> static void put(T v) { wr(&v, sizeof v); }

static void error(const std::string& m) {
    put<uint32_t>(2);
    put<uint32_t>(m.size());
    wr(m.data(), m.size());
    fflush(out_f);
}

struct XorShift {
    uint64_t s;
    double unit() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return (double)(s >> 11) / (double)(1ULL << 53);
    }
};

int main(int argc, char** argv) {
    // The protocol keeps the original stdout; the model's own output goes to stderr.
    int fd = dup(1);
    if (fd < 0 || dup2(2, 1) < 0) die("cannot set up the pipes");
    in_f = stdin;
    out_f = fdopen(fd, "wb");
    if (!out_f) die("cannot open the response pipe");
    static char buf_in[1 << 16], buf_out[1 << 16];
    setvbuf(in_f, buf_in, _IOFBF, sizeof buf_in);
    setvbuf(out_f, buf_out, _IOFBF, sizeof buf_out);

    auto ctx = std::make_unique<VerilatedContext>();
    ctx->commandArgs(argc, argv);
    auto top = std::make_unique<Vqtrain_accel>(ctx.get());
    top->clock = 0;
    top->in_data = 0;
    top->in_valid = 0;
    top->in_last = 0;
    top->out_ready = 0;
    top->eval();
#ifdef QTRAIN_TRACE
    ctx->traceEverOn(true);
#endif
    std::vector<uint64_t> in, out;
    std::vector<uint8_t> lasts;
    for (;;) {
        uint32_t op;
        if (fread(&op, 1, 4, in_f) != 4 || op == 0) break;
        if (op != 1) die("unknown request");
        uint64_t n_in = get<uint64_t>(), n_out = get<uint64_t>();
        double in_gap = get<double>(), out_stall = get<double>();
        uint64_t seed = get<uint64_t>(), idle_limit = get<uint64_t>();
        std::string vcd(get<uint32_t>(), '\0');
        rd(&vcd[0], vcd.size());
        in.resize(n_in);
        rd(in.data(), n_in * 8);
        out.clear();
        lasts.clear();
        out.reserve(n_out);
        lasts.reserve(n_out);
#ifdef QTRAIN_TRACE
        std::unique_ptr<VerilatedVcdC> tfp;
        if (!vcd.empty()) {
            tfp.reset(new VerilatedVcdC);
            top->trace(tfp.get(), 99);
            tfp->open(vcd.c_str());
            if (!tfp->isOpen()) {
                error("cannot open the waveform file " + vcd);
                continue;
            }
        }
#else
        if (!vcd.empty()) {
            error("this model was built without --trace");
            continue;
        }
#endif
        XorShift rng{(seed * 0x9E3779B97F4A7C15ULL) | 1};  // qtrain::splitmix::GAMMA (pinned by sim/tests/verilator.rs)
        uint64_t i = 0, c = 0, last_move = 0, first_in = 0, last_out = 0;
        bool stalled = false;
        while (out.size() < n_out) {
            uint64_t idle = c - last_move;
            if (idle >= idle_limit) {
                auto* r = top->rootp;
                bool in_stuck = i < n_in && !top->in_ready;
                put<uint32_t>(1);
                put<uint64_t>(c);
                put<uint64_t>(idle);
                put<uint32_t>(in_stuck ? 0 : 1);
                put<uint64_t>(i);
                put<uint64_t>(out.size());
#ifdef QTRAIN_ROUTER_STATE
                put<uint32_t>(field(r->qtrain_accel__DOT__router__DOT__regs__024q, QTRAIN_STATE_OFF, 4));
                put<uint32_t>(field(r->qtrain_accel__DOT__router__DOT__regs__024q, QTRAIN_REMAINING_OFF, 32));
#else
                (void)r;
                put<uint32_t>(0xFFFFFFFFu);
                put<uint32_t>(0xFFFFFFFFu);
#endif
                fflush(out_f);
                stalled = true;
                break;
            }
            bool valid = i < n_in && rng.unit() >= in_gap;
            top->in_data = i < n_in ? in[i] : 0;
            top->in_valid = valid;
            top->in_last = i + 1 == n_in;
            top->out_ready = rng.unit() >= out_stall;
            top->clock = 0;
            top->eval();
#ifdef QTRAIN_TRACE
            if (tfp) tfp->dump(c * 10000);
#endif
            if (top->out_valid && top->out_ready) {
                out.push_back(top->out_data);
                lasts.push_back(top->out_last);
                last_out = c;
                last_move = c;
            }
            if (valid && top->in_ready) {
                if (i == 0) first_in = c;
                last_move = c;
                i++;
            }
            top->clock = 1;
            top->eval();
#ifdef QTRAIN_TRACE
            if (tfp) tfp->dump(c * 10000 + 5000);
#endif
            c++;
        }
#ifdef QTRAIN_TRACE
        if (tfp) tfp->close();
#endif
        if (stalled) continue;
        put<uint32_t>(0);
        put<uint64_t>(c);
        put<uint64_t>(first_in);
        put<uint64_t>(last_out);
        put<uint64_t>(out.size());
        wr(out.data(), out.size() * 8);
        wr(lasts.data(), lasts.size());
        fflush(out_f);
    }
    top->final();
    return 0;
}
