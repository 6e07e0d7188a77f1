//! One generator of the Icarus Verilog test benches: the module frame, the DUT's port declarations
//! and instance, the clock, and — for the benches that replay golden vectors into a word-stream top
//! (`sim export`'s `tb_conv.v`, `tb_accel.v`) — the host that drives and checks both streams. The
//! hdl benches (`hdl/tests/conv.rs`, `hdl/tests/update.rs`) write their own stimulus into the same
//! frame.

use std::fmt::Write as _;

/// One port of the DUT as the bench declares it: a `reg` the bench drives (with its initial value)
/// or a `wire` the DUT drives.
#[derive(Clone, Debug)]
pub struct TbPort {
    /// Port (and bench signal) name.
    pub name: String,
    /// Width in bits.
    pub bits: usize,
    /// `Some(init)`: a `reg` with this initial value; `None`: a `wire`.
    pub init: Option<String>,
}

impl TbPort {
    /// A `reg` the bench drives, starting at `init`.
    pub fn reg(name: &str, bits: usize, init: &str) -> Self {
        TbPort {
            name: name.into(),
            bits,
            init: Some(init.into()),
        }
    }

    /// A `wire` the DUT drives.
    pub fn wire(name: &str, bits: usize) -> Self {
        TbPort {
            name: name.into(),
            bits,
            init: None,
        }
    }
}

/// The word-stream ports of a top (`clock`, `in_*`, `out_*`; see [`crate::stream::ports`]) as a
/// bench declares them: the inputs as `reg`s starting at `init`, the outputs as `wire`s.
pub fn word_stream_ports(init: &str) -> Vec<TbPort> {
    vec![
        TbPort::reg("clock", 1, init),
        TbPort::reg("in_data", 64, init),
        TbPort::reg("in_valid", 1, init),
        TbPort::reg("in_last", 1, init),
        TbPort::reg("out_ready", 1, init),
        TbPort::wire("in_ready", 1),
        TbPort::wire("out_valid", 1),
        TbPort::wire("out_last", 1),
        TbPort::wire("out_data", 64),
    ]
}

/// The word-stream ports in the top's port order, connected to bench signals of the same name,
/// in two instance lines (input stream, output stream).
pub fn word_stream_connections() -> Vec<Vec<(String, String)>> {
    let same = |names: &[&str]| {
        names
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        same(&["clock", "in_data", "in_valid", "in_last", "in_ready"]),
        same(&["out_data", "out_valid", "out_last", "out_ready"]),
    ]
}

/// A bench being written: its module frame and body lines.
#[derive(Clone, Debug)]
pub struct Testbench {
    comment: Option<String>,
    module: String,
    body: String,
}

impl Testbench {
    /// An empty bench module `module`.
    pub fn new(module: &str) -> Self {
        Testbench {
            comment: None,
            module: module.into(),
            body: String::new(),
        }
    }

    /// A `// comment` line above the module (what generated it, what it does).
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.into());
        self
    }

    /// Body text as is (indented lines, each ending in a newline).
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.body.push_str(text);
        self
    }

    /// Declare `ports`, one line for each run of ports of the same kind and width:
    /// `reg in_valid = 0, in_last = 0;`, `wire [63:0] out_data;`.
    pub fn declare(&mut self, ports: &[TbPort]) -> &mut Self {
        let mut i = 0;
        while i < ports.len() {
            let p = &ports[i];
            let run = ports[i..]
                .iter()
                .take_while(|q| q.bits == p.bits && q.init.is_some() == p.init.is_some())
                .count();
            let kind = if p.init.is_some() { "reg" } else { "wire" };
            let width = if p.bits > 1 {
                format!(" [{}:0]", p.bits - 1)
            } else {
                String::new()
            };
            let names: Vec<String> = ports[i..i + run]
                .iter()
                .map(|q| match &q.init {
                    Some(v) => format!("{} = {v}", q.name),
                    None => q.name.clone(),
                })
                .collect();
            let _ = writeln!(self.body, "  {kind}{width} {};", names.join(", "));
            i += run;
        }
        self
    }

    /// Instantiate `dut` as `dut`, port `.name(signal)` connections one instance line per group
    /// (continuation lines indented 12 columns).
    pub fn instance(&mut self, dut: &str, groups: &[Vec<(String, String)>]) -> &mut Self {
        let lines: Vec<String> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|(port, signal)| format!(".{port}({signal})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let _ = writeln!(self.body, "  {dut} dut({});", lines.join(",\n            "));
        self
    }

    /// The 10 ns clock (`clock` toggles every 5 ns).
    pub fn clock(&mut self) -> &mut Self {
        self.text("  always #5 clock = ~clock;\n")
    }

    /// The replaying host of a word-stream top ([`Replay`]).
    pub fn replay(&mut self, r: &Replay) -> &mut Self {
        let _ = write!(
            self.body,
            r#"  // Drive on the falling edge, sample handshakes on the rising edge (as the rust-hdl runner does).
  always @(negedge clock) begin
    lfsr <= {{lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]}};
    in_valid <= (i < N_IN) && {offer};
    in_data <= (i < N_IN) ? vin[i] : 64'd0;
    in_last <= {last};
    out_ready <= lfsr[3] | lfsr[5];
  end
  always @(posedge clock) begin
    cycles = cycles + 1;
    if (in_valid && in_ready) i = i + 1;
    if (out_valid && out_ready) begin
      if ({mismatch}) begin
        if (errors == 0)
          $display({fail_word});
        errors = errors + 1;
      end
      o = o + 1;
      if (o == N_OUT) begin
        if (errors == 0) $display("PASS %0d words in %0d cycles", N_OUT, cycles);
        else $display("FAIL %0d of %0d words differ", errors, N_OUT);
        $finish;
      end
    end
    if (cycles > {max_cycles}) begin
      $display("FAIL timeout: %0d of %0d input words taken, %0d of %0d output words", i, N_IN, o, N_OUT);
      $finish;
    end
  end
"#,
            offer = r.offer,
            last = r.last,
            mismatch = r.mismatch,
            fail_word = r.fail_word,
            max_cycles = r.max_cycles,
        );
        self
    }

    /// The bench's text: the comment, `` `timescale 1ns/1ps``, the module with its body.
    pub fn finish(&self) -> String {
        let mut v = String::new();
        if let Some(c) = &self.comment {
            let _ = writeln!(v, "// {c}");
        }
        let _ = write!(
            v,
            "`timescale 1ns/1ps\nmodule {};\n{}endmodule\n",
            self.module, self.body
        );
        v
    }
}

/// A host that replays golden vectors into a word-stream top and checks its output: input words
/// `vin[0..N_IN]` offered under an LFSR's gaps (`lfsr`, a 16-bit register the bench declares with
/// its seed), `out_ready` from the same LFSR, counters `i`, `o`, `cycles`, `errors` (declared by the
/// bench), `PASS n words in c cycles` or `FAIL …` at the end.
#[derive(Clone, Debug)]
pub struct Replay {
    /// When a waiting input word is offered (an expression of `lfsr`).
    pub offer: String,
    /// `in_last` for the word offered (an expression of `i`).
    pub last: String,
    /// When output word `o` is wrong (an expression of `out_data`, `out_last`, `o`).
    pub mismatch: String,
    /// The `$display` arguments naming the first wrong word.
    pub fail_word: String,
    /// Cycles after which the bench gives up.
    pub max_cycles: u64,
}
