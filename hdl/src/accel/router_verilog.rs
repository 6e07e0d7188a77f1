//! The Verilog body of the [`super::router::Router`]: the same combinational next-state function as
//! its Rust `update()`, written out for the lane count and widths of one instance. One
//! `always @(*)` computes the outputs, a second one every register's `_n` value (kept apart so that no
//! output appears to depend on the update unit's ready signals, which depend on the outputs), and one
//! `always @(posedge clock)` copies them. Checked against the Rust model and the golden vectors by the Icarus bench of
//! `sim export` (`tb_accel.v`).

use std::fmt::Write as _;

use qtrain::exact::accel as wire;

/// The module body for `l` lanes of `wb`-bit w / `ub`-bit u fields (`wpw`, `upw` lanes a word, `nww`
/// words of w a beat, `nbi` input words a beat).
pub fn body(
    l: usize,
    wb: usize,
    ub: usize,
    wpw: usize,
    upw: usize,
    nww: usize,
    nbi: usize,
) -> String {
    let nwo = 2 * nww;
    let mut v = String::new();
    let _ = writeln!(
        v,
        "\
localparam S_HDR = 4'd0, S_DROP = 4'd1, S_ERR = 4'd2, S_CONV_FIRST = 4'd3, S_CONV = 4'd4,
           S_UCMD = 4'd5, S_UOFFER = 4'd6, S_URUN = 4'd7, S_USTAT = 4'd8, S_CNT = 4'd9;
reg [3:0] state, state_n;
reg [31:0] remaining, remaining_n, images, images_n, hdr_lo, hdr_lo_n;
reg [63:0] cmd0, cmd0_n, cmd1, cmd1_n;
reg [7:0] icnt, icnt_n, pend, pend_n, ocnt, ocnt_n, err, err_n;
reg ifull, ifull_n, ilast, ilast_n, trunc, trunc_n, pk, pk_n;
reg [3:0] cidx, cidx_n;
reg [63:0] n_cbusy, n_cbusy_n, n_cin, n_cin_n, n_cout, n_cout_n, n_ubusy, n_ubusy_n, n_uin, n_uin_n, n_uout, n_uout_n;
reg [31:0] n_trans, n_trans_n, n_err, n_err_n;
reg in_fire, out_fire, handed, done;
reg [63:0] counter_word, beat_word;
wire [63:0] w = in_data;
wire is_cmd = (w[3:0] == 4'h{opc:X});
wire _unused_ok = &{{1'b0, in_last, u_out_last}};",
        opc = qtrain::exact::geometry::OPCODE_CONV
    );
    for i in 0..nbi {
        let _ = writeln!(v, "reg [63:0] ibuf{i}, ibuf{i}_n;");
    }
    let _ = writeln!(v, "initial begin\n    state = S_HDR; remaining = 32'd0; images = 32'd0; hdr_lo = 32'd0; cmd0 = 64'd0; cmd1 = 64'd0;\n    icnt = 8'd0; pend = 8'd0; ocnt = 8'd0; err = 8'd0; ifull = 1'b0; ilast = 1'b0; trunc = 1'b0; pk = 1'b0; cidx = 4'd0;\n    n_cbusy = 64'd0; n_cin = 64'd0; n_cout = 64'd0; n_ubusy = 64'd0; n_uin = 64'd0; n_uout = 64'd0; n_trans = 32'd0; n_err = 32'd0;");
    for i in 0..nbi {
        let _ = writeln!(v, "    ibuf{i} = 64'd0;");
    }
    let _ = writeln!(v, "end");
    // output words of a beat: w_out words, q_out words (lanes packed, zero-extended)
    let word_of = |src: &str, j: usize| {
        let lanes: Vec<String> = (j * wpw..((j + 1) * wpw).min(l))
            .rev()
            .map(|k| format!("{src}${k}"))
            .collect();
        let pad = 64 - lanes.len() * wb;
        if pad > 0 {
            format!("{{{pad}'d0, {}}}", lanes.join(", "))
        } else {
            format!("{{{}}}", lanes.join(", "))
        }
    };
    let _ = writeln!(v, "always @(*) begin\n    case (ocnt)");
    for j in 0..nww {
        let _ = writeln!(v, "        8'd{j}: beat_word = {};", word_of("u_w_out", j));
        let _ = writeln!(
            v,
            "        8'd{}: beat_word = {};",
            j + nww,
            word_of("u_q_out", j)
        );
    }
    let _ = writeln!(v, "        default: beat_word = u_pack_word;\n    endcase");
    let _ = writeln!(
        v,
        "    case (cidx)
        4'd{cb}: counter_word = n_cbusy;
        4'd{ci}: counter_word = n_cin;
        4'd{co}: counter_word = n_cout;
        4'd{ub}: counter_word = n_ubusy;
        4'd{ui}: counter_word = n_uin;
        4'd{uo}: counter_word = n_uout;
        4'd{us}: counter_word = {{31'd0, u_cmd_error, u_sat_count}};
        default: counter_word = {{n_err, n_trans}};
    endcase",
        cb = wire::counter::CONV_BUSY,
        ci = wire::counter::CONV_IN,
        co = wire::counter::CONV_OUT,
        ub = wire::counter::UPDATE_BUSY,
        ui = wire::counter::UPDATE_IN,
        uo = wire::counter::UPDATE_OUT,
        us = wire::counter::UPDATE_STATUS,
    );
    let _ = writeln!(
        v,
        "    // outputs
    in_ready = 1'b0; out_valid = 1'b0; out_data = 64'd0; out_last = 1'b0;
    c_in_valid = 1'b0; c_out_ready = 1'b0; u_cmd_valid = 1'b0; u_in_valid = 1'b0; u_out_ready = 1'b0;
    c_in_data = in_data; c_in_last = (remaining == 32'd1);
    u_cmd_word = cmd0; u_cmd_seed = cmd1; u_in_last = ilast;
    case (state)
        S_HDR, S_DROP, S_UCMD: in_ready = 1'b1;
        S_ERR: begin out_valid = 1'b1; out_data = {{1'b1, 23'd0, err, hdr_lo}}; out_last = 1'b1; end
        S_CONV_FIRST: begin c_in_valid = in_valid && is_cmd; in_ready = !is_cmd || c_in_ready; end
        S_CONV: begin
            c_in_valid = in_valid && (remaining != 32'd0);
            in_ready = (remaining != 32'd0) && c_in_ready;
            out_valid = c_out_valid; out_data = c_out_data; out_last = c_out_last && (images == 32'd1);
            c_out_ready = out_ready;
        end
        S_UOFFER: u_cmd_valid = 1'b1;
        S_URUN: begin
            in_ready = (remaining != 32'd0) && !ifull;
            u_in_valid = ifull;
            out_valid = u_out_valid; out_data = beat_word;
            u_out_ready = out_ready && (ocnt == (pk ? 8'd{nwo} : 8'd{nwo1}));
        end
        S_USTAT: begin out_valid = 1'b1; out_data = {{30'd0, trunc, u_cmd_error, u_sat_count}}; out_last = 1'b1; end
        S_CNT: begin out_valid = 1'b1; out_data = counter_word; out_last = (cidx == 4'd{cl}); end
        default: ;
    endcase",
        nwo1 = nwo - 1,
        cl = wire::COUNTER_WORDS - 1
    );
    // lanes of the assembled beat
    for k in 0..l {
        let _ = writeln!(
            v,
            "    u_w${k} = ibuf{}[{}+:{wb}];",
            k / wpw,
            (k % wpw) * wb
        );
        let _ = writeln!(
            v,
            "    u_u${k} = ibuf{}[{}+:{ub}];",
            nww + k / upw,
            (k % upw) * ub
        );
    }
    let _ = writeln!(
        v,
        "end
// next state (a block of its own: the outputs above never depend on u_in_ready / u_cmd_ready)
always @(*) begin
    in_fire = in_valid && in_ready; out_fire = out_valid && out_ready;
    handed = u_in_valid && u_in_ready; done = u_out_ready && u_out_valid;
    state_n = state; remaining_n = remaining; images_n = images; hdr_lo_n = hdr_lo; cmd0_n = cmd0; cmd1_n = cmd1;
    icnt_n = icnt; pend_n = pend; ocnt_n = ocnt; err_n = err; ifull_n = ifull; ilast_n = ilast; trunc_n = trunc; pk_n = pk; cidx_n = cidx;
    n_cbusy_n = n_cbusy; n_cin_n = n_cin; n_cout_n = n_cout; n_ubusy_n = n_ubusy; n_uin_n = n_uin; n_uout_n = n_uout;
    n_trans_n = n_trans; n_err_n = n_err;"
    );
    for i in 0..nbi {
        let _ = writeln!(v, "    ibuf{i}_n = ibuf{i};");
    }
    let _ = writeln!(
        v,
        "    case (state)
        S_HDR: if (in_fire) begin
            n_trans_n = n_trans + 32'd1; hdr_lo_n = w[31:0]; remaining_n = w[63:32];
            if (w[7:4] != 4'h{tag:X}) begin err_n = 8'd{e_tag}; state_n = S_ERR; end
            else if (w[31:8] != 24'd0 || w[3:0] == 4'd0 || w[3:0] > 4'd3) begin
                err_n = 8'd{e_op}; state_n = (w[63:32] != 32'd0) ? S_DROP : S_ERR;
            end else if (w[3:0] == 4'd1) begin
                if (w[63:32] == 32'd0) begin err_n = 8'd{e_len}; state_n = S_ERR; end
                else state_n = S_CONV_FIRST;
            end else if (w[3:0] == 4'd2) begin
                if (w[63:32] < 32'd2) begin err_n = 8'd{e_len}; state_n = (w[63:32] != 32'd0) ? S_DROP : S_ERR; end
                else begin state_n = S_UCMD; icnt_n = 8'd0; ocnt_n = 8'd0; pend_n = 8'd0; ifull_n = 1'b0; trunc_n = 1'b0; end
            end else begin
                if (w[63:32] != 32'd0) begin err_n = 8'd{e_len}; state_n = S_DROP; end
                else begin state_n = S_CNT; cidx_n = 4'd0; end
            end
        end
        S_DROP: if (in_fire) begin
            remaining_n = remaining - 32'd1;
            if (remaining == 32'd1) state_n = S_ERR;
        end
        S_ERR: if (out_fire) begin n_err_n = n_err + 32'd1; state_n = S_HDR; end
        S_CONV_FIRST: begin
            n_cbusy_n = n_cbusy + 64'd1;
            if (in_fire) begin
                remaining_n = remaining - 32'd1;
                if (is_cmd) begin n_cin_n = n_cin + 64'd1; images_n = {{16'd0, w[{ish}+:16]}} + 32'd1; state_n = S_CONV; end
                else begin err_n = 8'd{e_cmd}; state_n = (remaining == 32'd1) ? S_ERR : S_DROP; end
            end
        end
        S_CONV: begin
            n_cbusy_n = n_cbusy + 64'd1;
            if (in_fire) begin n_cin_n = n_cin + 64'd1; remaining_n = remaining - 32'd1; end
            if (out_fire) begin
                n_cout_n = n_cout + 64'd1;
                if (c_out_last) images_n = images - 32'd1;
            end
            if (remaining_n == 32'd0 && images_n == 32'd0) state_n = S_HDR;
        end
        S_UCMD: begin
            n_ubusy_n = n_ubusy + 64'd1;
            if (in_fire) begin
                n_uin_n = n_uin + 64'd1; remaining_n = remaining - 32'd1;
                if (icnt == 8'd0) begin cmd0_n = w; icnt_n = 8'd1; end
                else begin cmd1_n = w; icnt_n = 8'd0; state_n = S_UOFFER; end
            end
        end
        S_UOFFER: begin
            n_ubusy_n = n_ubusy + 64'd1;
            if (u_cmd_ready) state_n = S_URUN;
        end
        S_URUN: begin
            n_ubusy_n = n_ubusy + 64'd1;
            if (in_fire) begin
                n_uin_n = n_uin + 64'd1; remaining_n = remaining - 32'd1;
                case (icnt)",
        tag = wire::TAG,
        e_tag = wire::ERR_TAG,
        e_op = wire::ERR_OP,
        e_len = wire::ERR_LEN,
        e_cmd = wire::ERR_CONV_CMD,
        ish = wire::CONV_IMAGES_SHIFT,
    );
    for i in 0..nbi {
        let _ = writeln!(v, "                    8'd{i}: ibuf{i}_n = w;");
    }
    let _ = writeln!(
        v,
        "                    default: ;
                endcase
                if (icnt == 8'd{nbi1}) begin icnt_n = 8'd0; ifull_n = 1'b1; ilast_n = (remaining == 32'd1); end
                else icnt_n = icnt + 8'd1;
            end
            if (handed) ifull_n = 1'b0;
            if (out_fire) begin
                n_uout_n = n_uout + 64'd1;
                ocnt_n = done ? 8'd0 : ocnt + 8'd1;
                if (ocnt == 8'd0) pk_n = u_pack_valid;
            end
            pend_n = pend + {{7'd0, handed}} - {{7'd0, done}};
            if (remaining_n == 32'd0 && !ifull_n && pend_n == 8'd0) begin
                if (icnt_n != 8'd0) begin trunc_n = 1'b1; icnt_n = 8'd0; end
                state_n = S_USTAT;
            end
        end
        S_USTAT: begin
            n_ubusy_n = n_ubusy + 64'd1;
            if (out_fire) begin n_uout_n = n_uout + 64'd1; state_n = S_HDR; end
        end
        S_CNT: if (out_fire) begin
            cidx_n = cidx + 4'd1;
            if (cidx == 4'd{cl}) state_n = S_HDR;
        end
        default: ;
    endcase
end
always @(posedge clock) begin
    state <= state_n; remaining <= remaining_n; images <= images_n; hdr_lo <= hdr_lo_n; cmd0 <= cmd0_n; cmd1 <= cmd1_n;
    icnt <= icnt_n; pend <= pend_n; ocnt <= ocnt_n; err <= err_n; ifull <= ifull_n; ilast <= ilast_n; trunc <= trunc_n; pk <= pk_n; cidx <= cidx_n;
    n_cbusy <= n_cbusy_n; n_cin <= n_cin_n; n_cout <= n_cout_n; n_ubusy <= n_ubusy_n; n_uin <= n_uin_n; n_uout <= n_uout_n;
    n_trans <= n_trans_n; n_err <= n_err_n;",
        nbi1 = nbi - 1,
        cl = wire::COUNTER_WORDS - 1
    );
    for i in 0..nbi {
        let _ = writeln!(v, "    ibuf{i} <= ibuf{i}_n;");
    }
    let _ = write!(v, "end");
    v
}
