

module qtrain_conv_engine(clock,in_data,in_valid,in_last,in_ready,out_data,out_valid,out_last,out_ready);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] in_data;
    input wire  in_valid;
    input wire  in_last;
    output reg  in_ready;
    output reg  [63:0] out_data;
    output reg  out_valid;
    output reg  out_last;
    input wire  out_ready;
    
    // Stub signals
    reg  in_skid$clock;
    reg  [63:0] in_skid$in_data;
    reg  in_skid$in_last;
    reg  in_skid$in_valid;
    wire  in_skid$in_ready;
    wire  [63:0] in_skid$out_data;
    wire  in_skid$out_last;
    wire  in_skid$out_valid;
    reg  in_skid$out_ready;
    reg  loader$clock;
    reg  [63:0] loader$in_data;
    reg  loader$in_valid;
    reg  loader$in_last;
    wire  loader$in_ready;
    reg  loader$busy;
    reg  [7:0] loader$win_row;
    reg  [16:0] loader$img_r;
    wire  [63:0] loader$cmd;
    wire  loader$start;
    wire  [63:0] loader$wr_data;
    wire  loader$pw_en;
    wire  [9:0] loader$pw_addr;
    wire  loader$ww_en;
    wire  [9:0] loader$ww_filter;
    wire  [7:0] loader$ww_word;
    wire  loader$ww_last;
    wire  loader$aw_en;
    wire  [15:0] loader$aw_addr;
    wire  [7:0] loader$rows_done;
    wire  [16:0] loader$img_w;
    reg  weights$clock;
    reg  [63:0] weights$cmd;
    reg  weights$ww_en;
    reg  [9:0] weights$ww_filter;
    reg  [7:0] weights$ww_word;
    reg  [63:0] weights$wr_data;
    reg  [15:0] weights$rd_addr;
    wire  [255:0] weights$rd_data;
    reg  konst$clock;
    reg  [63:0] konst$cmd;
    reg  konst$ww_en;
    reg  [9:0] konst$ww_filter;
    reg  [7:0] konst$ww_word;
    reg  konst$ww_last;
    reg  [63:0] konst$wr_data;
    reg  [9:0] konst$rd_nf;
    wire  [255:0] konst$rd_data;
    reg  lines$clock;
    reg  lines$aw_en;
    reg  [15:0] lines$aw_addr;
    reg  [63:0] lines$wr_data;
    reg  [15:0] lines$ra0;
    reg  [15:0] lines$ra1;
    wire  [63:0] lines$rd0;
    wire  [63:0] lines$rd1;
    reg  window$clock;
    reg  [63:0] window$cmd;
    reg  window$start;
    reg  [7:0] window$rows_done;
    reg  [16:0] window$img_w;
    reg  [2:0] window$sp;
    wire  [15:0] window$ra0;
    wire  [15:0] window$ra1;
    reg  [63:0] window$rd0;
    reg  [63:0] window$rd1;
    wire  window$wb_en;
    wire  [15:0] window$wb_addr;
    wire  [63:0] window$wb_data;
    wire  [2:0] window$wp;
    wire  [7:0] window$win_row;
    wire  [16:0] window$img_r;
    reg  winbuf$clock;
    reg  winbuf$wb_en;
    reg  [15:0] winbuf$wb_addr;
    reg  [63:0] winbuf$wb_data;
    reg  [15:0] winbuf$rd_addr;
    wire  [63:0] winbuf$rd_data;
    reg  seq$clock;
    reg  [63:0] seq$cmd;
    reg  seq$start;
    reg  [2:0] seq$wp;
    reg  seq$freed;
    wire  [2:0] seq$sp;
    wire  [15:0] seq$w_ra;
    wire  [15:0] seq$win_ra;
    wire  [9:0] seq$k_ra;
    wire  seq$c_valid;
    wire  seq$c_first;
    wire  seq$c_last;
    wire  seq$c_tail;
    wire  [2:0] seq$c_plane;
    reg  pes$clock;
    reg  [63:0] pes$cmd;
    reg  [255:0] pes$wgt;
    reg  [63:0] pes$win;
    reg  [255:0] pes$konst;
    reg  pes$c_valid;
    reg  pes$c_first;
    reg  pes$c_last;
    reg  pes$c_tail;
    reg  [2:0] pes$c_plane;
    wire  [255:0] pes$acc_out;
    wire  pes$out_valid;
    reg  requant$clock;
    reg  [63:0] requant$cmd;
    reg  requant$start;
    reg  requant$pw_en;
    reg  [9:0] requant$pw_addr;
    reg  [63:0] requant$wr_data;
    reg  [255:0] requant$in_vals;
    reg  requant$in_valid;
    wire  [255:0] requant$out_vals;
    wire  requant$out_valid;
    reg  pooler$clock;
    reg  [63:0] pooler$cmd;
    reg  pooler$start;
    reg  [255:0] pooler$in_vals;
    reg  pooler$in_valid;
    wire  [255:0] pooler$out_vals;
    wire  pooler$out_valid;
    reg  outu$clock;
    reg  [63:0] outu$cmd;
    reg  outu$start;
    reg  [255:0] outu$in_vals;
    reg  outu$in_valid;
    wire  [63:0] outu$o_data;
    wire  outu$o_valid;
    wire  outu$o_last;
    reg  outu$o_ready;
    wire  outu$freed;
    wire  outu$busy;
    reg  out_skid$clock;
    reg  [63:0] out_skid$in_data;
    reg  out_skid$in_last;
    reg  out_skid$in_valid;
    wire  out_skid$in_ready;
    wire  [63:0] out_skid$out_data;
    wire  out_skid$out_last;
    wire  out_skid$out_valid;
    reg  out_skid$out_ready;
    
    // Sub module instances
    qtrain_conv_engine$in_skid in_skid(
        .clock(in_skid$clock),
        .in_data(in_skid$in_data),
        .in_last(in_skid$in_last),
        .in_valid(in_skid$in_valid),
        .in_ready(in_skid$in_ready),
        .out_data(in_skid$out_data),
        .out_last(in_skid$out_last),
        .out_valid(in_skid$out_valid),
        .out_ready(in_skid$out_ready)
    );
    qtrain_conv_engine$loader loader(
        .clock(loader$clock),
        .in_data(loader$in_data),
        .in_valid(loader$in_valid),
        .in_last(loader$in_last),
        .in_ready(loader$in_ready),
        .busy(loader$busy),
        .win_row(loader$win_row),
        .img_r(loader$img_r),
        .cmd(loader$cmd),
        .start(loader$start),
        .wr_data(loader$wr_data),
        .pw_en(loader$pw_en),
        .pw_addr(loader$pw_addr),
        .ww_en(loader$ww_en),
        .ww_filter(loader$ww_filter),
        .ww_word(loader$ww_word),
        .ww_last(loader$ww_last),
        .aw_en(loader$aw_en),
        .aw_addr(loader$aw_addr),
        .rows_done(loader$rows_done),
        .img_w(loader$img_w)
    );
    qtrain_conv_engine$weights weights(
        .clock(weights$clock),
        .cmd(weights$cmd),
        .ww_en(weights$ww_en),
        .ww_filter(weights$ww_filter),
        .ww_word(weights$ww_word),
        .wr_data(weights$wr_data),
        .rd_addr(weights$rd_addr),
        .rd_data(weights$rd_data)
    );
    qtrain_conv_engine$konst konst(
        .clock(konst$clock),
        .cmd(konst$cmd),
        .ww_en(konst$ww_en),
        .ww_filter(konst$ww_filter),
        .ww_word(konst$ww_word),
        .ww_last(konst$ww_last),
        .wr_data(konst$wr_data),
        .rd_nf(konst$rd_nf),
        .rd_data(konst$rd_data)
    );
    qtrain_conv_engine$lines lines(
        .clock(lines$clock),
        .aw_en(lines$aw_en),
        .aw_addr(lines$aw_addr),
        .wr_data(lines$wr_data),
        .ra0(lines$ra0),
        .ra1(lines$ra1),
        .rd0(lines$rd0),
        .rd1(lines$rd1)
    );
    qtrain_conv_engine$window window(
        .clock(window$clock),
        .cmd(window$cmd),
        .start(window$start),
        .rows_done(window$rows_done),
        .img_w(window$img_w),
        .sp(window$sp),
        .ra0(window$ra0),
        .ra1(window$ra1),
        .rd0(window$rd0),
        .rd1(window$rd1),
        .wb_en(window$wb_en),
        .wb_addr(window$wb_addr),
        .wb_data(window$wb_data),
        .wp(window$wp),
        .win_row(window$win_row),
        .img_r(window$img_r)
    );
    qtrain_conv_engine$winbuf winbuf(
        .clock(winbuf$clock),
        .wb_en(winbuf$wb_en),
        .wb_addr(winbuf$wb_addr),
        .wb_data(winbuf$wb_data),
        .rd_addr(winbuf$rd_addr),
        .rd_data(winbuf$rd_data)
    );
    qtrain_conv_engine$seq seq(
        .clock(seq$clock),
        .cmd(seq$cmd),
        .start(seq$start),
        .wp(seq$wp),
        .freed(seq$freed),
        .sp(seq$sp),
        .w_ra(seq$w_ra),
        .win_ra(seq$win_ra),
        .k_ra(seq$k_ra),
        .c_valid(seq$c_valid),
        .c_first(seq$c_first),
        .c_last(seq$c_last),
        .c_tail(seq$c_tail),
        .c_plane(seq$c_plane)
    );
    qtrain_conv_engine$pes pes(
        .clock(pes$clock),
        .cmd(pes$cmd),
        .wgt(pes$wgt),
        .win(pes$win),
        .konst(pes$konst),
        .c_valid(pes$c_valid),
        .c_first(pes$c_first),
        .c_last(pes$c_last),
        .c_tail(pes$c_tail),
        .c_plane(pes$c_plane),
        .acc_out(pes$acc_out),
        .out_valid(pes$out_valid)
    );
    qtrain_conv_engine$requant requant(
        .clock(requant$clock),
        .cmd(requant$cmd),
        .start(requant$start),
        .pw_en(requant$pw_en),
        .pw_addr(requant$pw_addr),
        .wr_data(requant$wr_data),
        .in_vals(requant$in_vals),
        .in_valid(requant$in_valid),
        .out_vals(requant$out_vals),
        .out_valid(requant$out_valid)
    );
    qtrain_conv_engine$pooler pooler(
        .clock(pooler$clock),
        .cmd(pooler$cmd),
        .start(pooler$start),
        .in_vals(pooler$in_vals),
        .in_valid(pooler$in_valid),
        .out_vals(pooler$out_vals),
        .out_valid(pooler$out_valid)
    );
    qtrain_conv_engine$outu outu(
        .clock(outu$clock),
        .cmd(outu$cmd),
        .start(outu$start),
        .in_vals(outu$in_vals),
        .in_valid(outu$in_valid),
        .o_data(outu$o_data),
        .o_valid(outu$o_valid),
        .o_last(outu$o_last),
        .o_ready(outu$o_ready),
        .freed(outu$freed),
        .busy(outu$busy)
    );
    qtrain_conv_engine$out_skid out_skid(
        .clock(out_skid$clock),
        .in_data(out_skid$in_data),
        .in_last(out_skid$in_last),
        .in_valid(out_skid$in_valid),
        .in_ready(out_skid$in_ready),
        .out_data(out_skid$out_data),
        .out_last(out_skid$out_last),
        .out_valid(out_skid$out_valid),
        .out_ready(out_skid$out_ready)
    );
    
    // Update code
    always @(*) begin
        in_skid$clock = clock;
        loader$clock = clock;
        weights$clock = clock;
        konst$clock = clock;
        lines$clock = clock;
        window$clock = clock;
        winbuf$clock = clock;
        seq$clock = clock;
        pes$clock = clock;
        requant$clock = clock;
        pooler$clock = clock;
        outu$clock = clock;
        out_skid$clock = clock;
        in_skid$in_data = in_data;
        in_skid$in_valid = in_valid;
        in_skid$in_last = in_last;
        in_ready = in_skid$in_ready;
        loader$in_data = in_skid$out_data;
        loader$in_valid = in_skid$out_valid;
        loader$in_last = in_skid$out_last;
        in_skid$out_ready = loader$in_ready;
        loader$busy = outu$busy;
        loader$win_row = window$win_row;
        loader$img_r = window$img_r;
        weights$cmd = loader$cmd;
        konst$cmd = loader$cmd;
        window$cmd = loader$cmd;
        seq$cmd = loader$cmd;
        pes$cmd = loader$cmd;
        requant$cmd = loader$cmd;
        pooler$cmd = loader$cmd;
        outu$cmd = loader$cmd;
        window$start = loader$start;
        seq$start = loader$start;
        requant$start = loader$start;
        pooler$start = loader$start;
        outu$start = loader$start;
        requant$pw_en = loader$pw_en;
        requant$pw_addr = loader$pw_addr;
        requant$wr_data = loader$wr_data;
        weights$ww_en = loader$ww_en;
        weights$ww_filter = loader$ww_filter;
        weights$ww_word = loader$ww_word;
        weights$wr_data = loader$wr_data;
        konst$ww_en = loader$ww_en;
        konst$ww_filter = loader$ww_filter;
        konst$ww_word = loader$ww_word;
        konst$ww_last = loader$ww_last;
        konst$wr_data = loader$wr_data;
        lines$aw_en = loader$aw_en;
        lines$aw_addr = loader$aw_addr;
        lines$wr_data = loader$wr_data;
        window$rows_done = loader$rows_done;
        window$img_w = loader$img_w;
        window$sp = seq$sp;
        lines$ra0 = window$ra0;
        lines$ra1 = window$ra1;
        window$rd0 = lines$rd0;
        window$rd1 = lines$rd1;
        winbuf$wb_en = window$wb_en;
        winbuf$wb_addr = window$wb_addr;
        winbuf$wb_data = window$wb_data;
        seq$wp = window$wp;
        seq$freed = outu$freed;
        weights$rd_addr = seq$w_ra;
        winbuf$rd_addr = seq$win_ra;
        konst$rd_nf = seq$k_ra;
        pes$wgt = weights$rd_data;
        pes$win = winbuf$rd_data;
        pes$konst = konst$rd_data;
        pes$c_valid = seq$c_valid;
        pes$c_first = seq$c_first;
        pes$c_last = seq$c_last;
        pes$c_tail = seq$c_tail;
        pes$c_plane = seq$c_plane;
        requant$in_vals = pes$acc_out;
        requant$in_valid = pes$out_valid;
        pooler$in_vals = requant$out_vals;
        pooler$in_valid = requant$out_valid;
        outu$in_vals = pooler$out_vals;
        outu$in_valid = pooler$out_valid;
        out_skid$in_data = outu$o_data;
        out_skid$in_valid = outu$o_valid;
        out_skid$in_last = outu$o_last;
        outu$o_ready = out_skid$in_ready;
        out_data = out_skid$out_data;
        out_valid = out_skid$out_valid;
        out_last = out_skid$out_last;
        out_skid$out_ready = out_ready;
    end
    
endmodule // top


module qtrain_conv_engine$in_skid(clock,in_data,in_last,in_valid,in_ready,out_data,out_last,out_valid,out_ready);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] in_data;
    input wire  in_last;
    input wire  in_valid;
    output reg  in_ready;
    output reg  [63:0] out_data;
    output reg  out_last;
    output reg  out_valid;
    input wire  out_ready;
    
    // Update code (custom)
    reg [63:0] main_d, skid_d;
    reg main_l, main_v, skid_l, skid_v;
    initial begin main_v = 1'b0; skid_v = 1'b0; main_d = 64'd0; skid_d = 64'd0; main_l = 1'b0; skid_l = 1'b0; end
    always @(posedge clock) begin
        if (main_v && !out_ready) begin
            if (in_valid && !skid_v) begin skid_d <= in_data; skid_l <= in_last; skid_v <= 1'b1; end
        end else if (skid_v) begin
            main_d <= skid_d; main_l <= skid_l; main_v <= 1'b1; skid_v <= 1'b0;
        end else begin
            main_d <= in_data; main_l <= in_last; main_v <= in_valid;
        end
    end
    always @(*) begin
        in_ready = !skid_v;
        out_data = main_d;
        out_last = main_l;
        out_valid = main_v;
    end
endmodule // qtrain_conv_engine$in_skid


module qtrain_conv_engine$konst(clock,cmd,ww_en,ww_filter,ww_word,ww_last,wr_data,rd_nf,rd_data);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  ww_en;
    input wire  [9:0] ww_filter;
    input wire  [7:0] ww_word;
    input wire  ww_last;
    input wire  [63:0] wr_data;
    input wire  [9:0] rd_nf;
    output reg  [255:0] rd_data;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    reg [127:0] mem [0:127];
    reg [15:0] pop;
    wire unused_addr = &{1'b0, rd_nf, fold, 1'b0};
    initial pop = 16'd0;
    function [6:0] popcount64;
        input [63:0] x;
        integer i;
        begin
            popcount64 = 7'd0;
            for (i = 0; i < 64; i = i + 1) popcount64 = popcount64 + {6'd0, x[i]};
        end
    endfunction
    // The constant is computed inside the clocked block, only in a cycle that writes a weight word
    // (`tail_mask`, `pop_next`, `kval`: blocking temporaries, logic in front of the registers, no
    // registers of their own): the same hardware, but a cycle-based simulator skips the popcount and the
    // multiply in every other cycle.
    reg [63:0] tail_mask;
    reg [15:0] pop_next;
    reg signed [31:0] kval;
    wire [9:0] fold = ww_filter >> 2;
    wire [9:0] lane = ww_filter & 10'd3;
    reg [127:0] q;
    // verilator lint_off BLKSEQ
    always @(posedge clock) begin
        q <= mem[rd_nf];
        if (ww_en) begin
            tail_mask = ({1'b0, ww_word} + 9'd1) * 64 > {6'd0, n_bits} ? ((64'd1 << n_bits[5:0]) - 64'd1) : ~64'd0;
            pop_next = (ww_word == 8'd0 ? 16'd0 : pop) + {9'd0, popcount64(wr_data & tail_mask)};
            kval = ($signed({16'd0, pop_next}) - $signed({17'd0, n_bits})) * $signed({23'd0, (9'd1 << a_in) - 9'd1});
            pop <= pop_next;
            if (ww_last) mem[fold][lane*32 +: 32] <= kval;
        end
    end
    // verilator lint_on BLKSEQ
    integer e;
    always @(*) for (e = 0; e < 4; e = e + 1) rd_data[e*64 +: 64] = {{32{q[e*32+31]}}, q[e*32 +: 32]};
endmodule // qtrain_conv_engine$konst


module qtrain_conv_engine$lines(clock,aw_en,aw_addr,wr_data,ra0,ra1,rd0,rd1);
    
    // Module arguments
    input wire  clock;
    input wire  aw_en;
    input wire  [15:0] aw_addr;
    input wire  [63:0] wr_data;
    input wire  [15:0] ra0;
    input wire  [15:0] ra1;
    output reg  [63:0] rd0;
    output reg  [63:0] rd1;
    
    // Update code (custom)
    reg [63:0] mem [0:2047];
    wire unused_addr = &{1'b0, ra0, ra1, aw_addr, 1'b0};
    always @(posedge clock) begin
        rd0 <= mem[ra0];
        rd1 <= mem[ra1];
        if (aw_en) mem[aw_addr] <= wr_data;
    end
endmodule // qtrain_conv_engine$lines


module qtrain_conv_engine$loader(clock,in_data,in_valid,in_last,in_ready,busy,win_row,img_r,cmd,start,wr_data,pw_en,pw_addr,ww_en,ww_filter,ww_word,ww_last,aw_en,aw_addr,rows_done,img_w);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] in_data;
    input wire  in_valid;
    input wire  in_last;
    output reg  in_ready;
    input wire  busy;
    input wire  [7:0] win_row;
    input wire  [16:0] img_r;
    output reg  [63:0] cmd;
    output reg  start;
    output reg  [63:0] wr_data;
    output reg  pw_en;
    output reg  [9:0] pw_addr;
    output reg  ww_en;
    output reg  [9:0] ww_filter;
    output reg  [7:0] ww_word;
    output reg  ww_last;
    output reg  aw_en;
    output reg  [15:0] aw_addr;
    output reg  [7:0] rows_done;
    output reg  [16:0] img_w;
    
    // Update code (custom)
    reg [63:0] cmd_r;
    reg [2:0] phase;
    reg [9:0] cnt;
    reg [7:0] word;
    reg [7:0] row;
    reg [15:0] wir;
    reg [16:0] img;
    initial begin cmd_r = 64'd0; phase = 3'd0; cnt = 10'd0; word = 8'd0; row = 8'd0; wir = 16'd0; img = 17'd0; end
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire [15:0] row_words = w * a_in * cw_in;
    wire unused_in = &{1'b0, in_last, 1'b0};
    reg rdy;
    always @(*) begin
        case (phase)
            3'd0: rdy = !busy;
            3'd1, 3'd2: rdy = 1'b1;
            default: rdy = (img == img_r) && ({1'b0, row} <= {1'b0, win_row} + 9'd2);
        endcase
        in_ready = rdy;
    end
    always @(posedge clock) begin
        start <= 1'b0; pw_en <= 1'b0; ww_en <= 1'b0; aw_en <= 1'b0;
        wr_data <= in_data;
        if (in_valid && rdy) begin
            case (phase)
                3'd0: if (in_data[3:0] == 4'hC) begin cmd_r <= in_data; phase <= 3'd1; cnt <= 10'd0; row <= 8'd0; img <= 17'd0; start <= 1'b1; end
                3'd1: begin
                    pw_en <= 1'b1; pw_addr <= cnt;
                    if ({1'b0, cnt} + 11'd1 == c_out) begin phase <= 3'd2; cnt <= 10'd0; word <= 8'd0; end
                    else cnt <= cnt + 10'd1;
                end
                3'd2: begin
                    ww_en <= 1'b1; ww_filter <= cnt; ww_word <= word; ww_last <= ({1'b0, word} + 9'd1 == wpf);
                    if ({1'b0, word} + 9'd1 == wpf) begin
                        word <= 8'd0;
                        if ({1'b0, cnt} + 11'd1 == c_out) begin phase <= 3'd3; row <= 8'd0; wir <= 16'd0; img <= 17'd0; end
                        else cnt <= cnt + 10'd1;
                    end else word <= word + 8'd1;
                end
                default: begin
                    aw_en <= 1'b1; aw_addr <= {14'd0, row[1:0]} * 16'd512 + wir;
                    if (wir + 16'd1 == row_words) begin
                        wir <= 16'd0;
                        if ({1'b0, row} + 9'd1 == {2'b0, h}) begin
                            row <= 8'd0;
                            if (img + 17'd1 == images) phase <= 3'd0;
                            img <= img + 17'd1;
                        end else row <= row + 8'd1;
                    end else wir <= wir + 16'd1;
                end
            endcase
        end
    end
    always @(*) begin
        cmd = cmd_r;
        rows_done = row;
        img_w = img;
    end
endmodule // qtrain_conv_engine$loader


module qtrain_conv_engine$out_skid(clock,in_data,in_last,in_valid,in_ready,out_data,out_last,out_valid,out_ready);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] in_data;
    input wire  in_last;
    input wire  in_valid;
    output reg  in_ready;
    output reg  [63:0] out_data;
    output reg  out_last;
    output reg  out_valid;
    input wire  out_ready;
    
    // Update code (custom)
    reg [63:0] main_d, skid_d;
    reg main_l, main_v, skid_l, skid_v;
    initial begin main_v = 1'b0; skid_v = 1'b0; main_d = 64'd0; skid_d = 64'd0; main_l = 1'b0; skid_l = 1'b0; end
    always @(posedge clock) begin
        if (main_v && !out_ready) begin
            if (in_valid && !skid_v) begin skid_d <= in_data; skid_l <= in_last; skid_v <= 1'b1; end
        end else if (skid_v) begin
            main_d <= skid_d; main_l <= skid_l; main_v <= 1'b1; skid_v <= 1'b0;
        end else begin
            main_d <= in_data; main_l <= in_last; main_v <= in_valid;
        end
    end
    always @(*) begin
        in_ready = !skid_v;
        out_data = main_d;
        out_last = main_l;
        out_valid = main_v;
    end
endmodule // qtrain_conv_engine$out_skid


module qtrain_conv_engine$outu(clock,cmd,start,in_vals,in_valid,o_data,o_valid,o_last,o_ready,freed,busy);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  start;
    input wire  [255:0] in_vals;
    input wire  in_valid;
    output reg  [63:0] o_data;
    output reg  o_valid;
    output reg  o_last;
    input wire  o_ready;
    output reg  freed;
    output reg  busy;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire unused_out = &{1'b0, in_vals, 1'b0};
    reg wbuf, ebuf, ov, busy_r;
    reg [1:0] full;
    reg [10:0] nf_c;
    reg [3:0] ej;
    reg [4:0] ek;
    reg [12:0] epix;
    reg [16:0] total;
    integer i, p0, p1, p2, p3, p4, p5, p6, p7;
    initial begin wbuf = 1'b0; ebuf = 1'b0; ov = 1'b0; busy_r = 1'b0; full = 2'b00; nf_c = 11'd0; ej = 4'd0; ek = 5'd0;
        epix = 13'd0; total = 17'd0; freed = 1'b0; end
    wire [12:0] opix = pool ? ({6'd0, h} * {6'd0, w}) >> 2 : {6'd0, h} * {6'd0, w};
    wire [15:0] k_in = ({5'd0, nf_c} * 16'd4) >> 6;
    wire [5:0] off = nf_c * 4 % 64;
    wire [15:0] w_at = {15'd0, wbuf} * 16'd8 + k_in;
    wire [15:0] r_at = {15'd0, ebuf} * 16'd8 + {11'd0, ek};
    wire unused_at = &{1'b0, w_at, r_at, 1'b0};
    wire emit_go = !ov || o_ready;
    wire emit_now = emit_go && full[ebuf] && busy_r;
    wire pix_end = (ek + 5'd1 == cw_out) && (ej + 4'd1 == a_out);
    reg [63:0] ob0 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob0[i] = 64'd0;
    wire [63:0] old0 = ob0[w_at];
    wire [63:0] rd0 = ob0[r_at];
    reg [3:0] grp0;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 0 < a_out) begin
        for (p0 = 0; p0 < 4; p0 = p0 + 1)
            grp0[p0] = ({5'd0, nf_c} * 4 + p0 < c_out) && in_vals[p0*64 + 0];
        ob0[w_at] <= ((off == 6'd0) ? 64'd0 : old0) | ({60'd0, grp0} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob1 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob1[i] = 64'd0;
    wire [63:0] old1 = ob1[w_at];
    wire [63:0] rd1 = ob1[r_at];
    reg [3:0] grp1;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 1 < a_out) begin
        for (p1 = 0; p1 < 4; p1 = p1 + 1)
            grp1[p1] = ({5'd0, nf_c} * 4 + p1 < c_out) && in_vals[p1*64 + 1];
        ob1[w_at] <= ((off == 6'd0) ? 64'd0 : old1) | ({60'd0, grp1} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob2 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob2[i] = 64'd0;
    wire [63:0] old2 = ob2[w_at];
    wire [63:0] rd2 = ob2[r_at];
    reg [3:0] grp2;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 2 < a_out) begin
        for (p2 = 0; p2 < 4; p2 = p2 + 1)
            grp2[p2] = ({5'd0, nf_c} * 4 + p2 < c_out) && in_vals[p2*64 + 2];
        ob2[w_at] <= ((off == 6'd0) ? 64'd0 : old2) | ({60'd0, grp2} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob3 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob3[i] = 64'd0;
    wire [63:0] old3 = ob3[w_at];
    wire [63:0] rd3 = ob3[r_at];
    reg [3:0] grp3;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 3 < a_out) begin
        for (p3 = 0; p3 < 4; p3 = p3 + 1)
            grp3[p3] = ({5'd0, nf_c} * 4 + p3 < c_out) && in_vals[p3*64 + 3];
        ob3[w_at] <= ((off == 6'd0) ? 64'd0 : old3) | ({60'd0, grp3} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob4 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob4[i] = 64'd0;
    wire [63:0] old4 = ob4[w_at];
    wire [63:0] rd4 = ob4[r_at];
    reg [3:0] grp4;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 4 < a_out) begin
        for (p4 = 0; p4 < 4; p4 = p4 + 1)
            grp4[p4] = ({5'd0, nf_c} * 4 + p4 < c_out) && in_vals[p4*64 + 4];
        ob4[w_at] <= ((off == 6'd0) ? 64'd0 : old4) | ({60'd0, grp4} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob5 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob5[i] = 64'd0;
    wire [63:0] old5 = ob5[w_at];
    wire [63:0] rd5 = ob5[r_at];
    reg [3:0] grp5;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 5 < a_out) begin
        for (p5 = 0; p5 < 4; p5 = p5 + 1)
            grp5[p5] = ({5'd0, nf_c} * 4 + p5 < c_out) && in_vals[p5*64 + 5];
        ob5[w_at] <= ((off == 6'd0) ? 64'd0 : old5) | ({60'd0, grp5} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob6 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob6[i] = 64'd0;
    wire [63:0] old6 = ob6[w_at];
    wire [63:0] rd6 = ob6[r_at];
    reg [3:0] grp6;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 6 < a_out) begin
        for (p6 = 0; p6 < 4; p6 = p6 + 1)
            grp6[p6] = ({5'd0, nf_c} * 4 + p6 < c_out) && in_vals[p6*64 + 6];
        ob6[w_at] <= ((off == 6'd0) ? 64'd0 : old6) | ({60'd0, grp6} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] ob7 [0:15];
    initial for (i = 0; i <= 15; i = i + 1) ob7[i] = 64'd0;
    wire [63:0] old7 = ob7[w_at];
    wire [63:0] rd7 = ob7[r_at];
    reg [3:0] grp7;
    // verilator lint_off BLKSEQ
    always @(posedge clock) if (!start && in_valid && 7 < a_out) begin
        for (p7 = 0; p7 < 4; p7 = p7 + 1)
            grp7[p7] = ({5'd0, nf_c} * 4 + p7 < c_out) && in_vals[p7*64 + 7];
        ob7[w_at] <= ((off == 6'd0) ? 64'd0 : old7) | ({60'd0, grp7} << off);
    end
    // verilator lint_on BLKSEQ
    reg [63:0] rdsel;
    always @(*) begin
        case (ej)
            4'd0: rdsel = rd0;
            4'd1: rdsel = rd1;
            4'd2: rdsel = rd2;
            4'd3: rdsel = rd3;
            4'd4: rdsel = rd4;
            4'd5: rdsel = rd5;
            4'd6: rdsel = rd6;
            4'd7: rdsel = rd7;
            default: rdsel = 64'd0;
        endcase
    end
    always @(posedge clock) begin
        freed <= 1'b0;
        if (start) begin
            wbuf <= 1'b0; ebuf <= 1'b0; ov <= 1'b0; busy_r <= 1'b1; full <= 2'b00; nf_c <= 11'd0; ej <= 4'd0;
            ek <= 5'd0; epix <= 13'd0; total <= 17'd0;
        end else begin
            if (emit_go) begin
                if (emit_now) begin
                    o_data <= rdsel;
                    o_last <= pix_end && (epix + 13'd1 == opix);
                    ov <= 1'b1;
                    if (ek + 5'd1 == cw_out) begin
                        ek <= 5'd0;
                        if (ej + 4'd1 == a_out) begin
                            ej <= 4'd0; full[ebuf] <= 1'b0; ebuf <= !ebuf; freed <= 1'b1;
                            if (epix + 13'd1 == opix) begin
                                epix <= 13'd0; total <= total + 17'd1;
                                if (total + 17'd1 == images) busy_r <= 1'b0;
                            end else epix <= epix + 13'd1;
                        end else ej <= ej + 4'd1;
                    end else ek <= ek + 5'd1;
                end else ov <= 1'b0;
            end
            if (in_valid) begin
                if (nf_c + 11'd1 == nf) begin nf_c <= 11'd0; full[wbuf] <= 1'b1; wbuf <= !wbuf; end
                else nf_c <= nf_c + 11'd1;
            end
        end
    end
    always @(*) begin
        o_valid = ov;
        busy = busy_r || ov;
    end
endmodule // qtrain_conv_engine$outu


module qtrain_conv_engine$pes(clock,cmd,wgt,win,konst,c_valid,c_first,c_last,c_tail,c_plane,acc_out,out_valid);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  [255:0] wgt;
    input wire  [63:0] win;
    input wire  [255:0] konst;
    input wire  c_valid;
    input wire  c_first;
    input wire  c_last;
    input wire  c_tail;
    input wire  [2:0] c_plane;
    output reg  [255:0] acc_out;
    output reg  out_valid;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire unused_konst = &{1'b0, konst, 1'b0};
    reg d_valid, d_first, d_last, d_tail;
    reg [2:0] d_plane;
    reg [127:0] acc_q;
    initial begin d_valid = 1'b0; d_first = 1'b0; d_last = 1'b0; d_tail = 1'b0; d_plane = 3'd0; acc_q = 128'd0; out_valid = 1'b0; end
    // lanes of the last SIMD fold that hold real bits: the low `rem` (1 ≤ rem ≤ S), a thermometer
    wire [63:0] tmask = d_tail ? ~({64{1'b1}} << rem) : {64{1'b1}};
    wire [63:0] xn0 = ~(wgt[63:0] ^ win) & tmask;
    wire [20:0] pc0_s = xn0[20:0] ^ xn0[41:21] ^ xn0[62:42];
    wire [20:0] pc0_c = (xn0[20:0] & xn0[41:21]) | (xn0[20:0] & xn0[62:42]) | (xn0[41:21] & xn0[62:42]);
    wire [1:0] pc0_f63 = {1'b0, xn0[63]};
    wire [2:0] pc0_l1_0 = {1'd0, {pc0_c[0], pc0_s[0]}} + {1'd0, {pc0_c[1], pc0_s[1]}};
    wire [2:0] pc0_l1_1 = {1'd0, {pc0_c[2], pc0_s[2]}} + {1'd0, {pc0_c[3], pc0_s[3]}};
    wire [2:0] pc0_l1_2 = {1'd0, {pc0_c[4], pc0_s[4]}} + {1'd0, {pc0_c[5], pc0_s[5]}};
    wire [2:0] pc0_l1_3 = {1'd0, {pc0_c[6], pc0_s[6]}} + {1'd0, {pc0_c[7], pc0_s[7]}};
    wire [2:0] pc0_l1_4 = {1'd0, {pc0_c[8], pc0_s[8]}} + {1'd0, {pc0_c[9], pc0_s[9]}};
    wire [2:0] pc0_l1_5 = {1'd0, {pc0_c[10], pc0_s[10]}} + {1'd0, {pc0_c[11], pc0_s[11]}};
    wire [2:0] pc0_l1_6 = {1'd0, {pc0_c[12], pc0_s[12]}} + {1'd0, {pc0_c[13], pc0_s[13]}};
    wire [2:0] pc0_l1_7 = {1'd0, {pc0_c[14], pc0_s[14]}} + {1'd0, {pc0_c[15], pc0_s[15]}};
    wire [2:0] pc0_l1_8 = {1'd0, {pc0_c[16], pc0_s[16]}} + {1'd0, {pc0_c[17], pc0_s[17]}};
    wire [2:0] pc0_l1_9 = {1'd0, {pc0_c[18], pc0_s[18]}} + {1'd0, {pc0_c[19], pc0_s[19]}};
    wire [2:0] pc0_l1_10 = {1'd0, {pc0_c[20], pc0_s[20]}} + {1'd0, pc0_f63};
    wire [3:0] pc0_l2_0 = {1'd0, pc0_l1_0} + {1'd0, pc0_l1_1};
    wire [3:0] pc0_l2_1 = {1'd0, pc0_l1_2} + {1'd0, pc0_l1_3};
    wire [3:0] pc0_l2_2 = {1'd0, pc0_l1_4} + {1'd0, pc0_l1_5};
    wire [3:0] pc0_l2_3 = {1'd0, pc0_l1_6} + {1'd0, pc0_l1_7};
    wire [3:0] pc0_l2_4 = {1'd0, pc0_l1_8} + {1'd0, pc0_l1_9};
    wire [3:0] pc0_l2_5 = {1'd0, pc0_l1_10};
    wire [4:0] pc0_l3_0 = {1'd0, pc0_l2_0} + {1'd0, pc0_l2_1};
    wire [4:0] pc0_l3_1 = {1'd0, pc0_l2_2} + {1'd0, pc0_l2_3};
    wire [4:0] pc0_l3_2 = {1'd0, pc0_l2_4} + {1'd0, pc0_l2_5};
    wire [5:0] pc0_l4_0 = {1'd0, pc0_l3_0} + {1'd0, pc0_l3_1};
    wire [5:0] pc0_l4_1 = {1'd0, pc0_l3_2};
    wire [6:0] pc0_l5_0 = {1'd0, pc0_l4_0} + {1'd0, pc0_l4_1};
    wire [6:0] pc0 = pc0_l5_0[6:0];
    wire [31:0] nx0 = (d_first ? konst[31:0] : acc_q[31:0]) + ({25'd0, pc0} << d_plane);
    wire [63:0] xn1 = ~(wgt[127:64] ^ win) & tmask;
    wire [20:0] pc1_s = xn1[20:0] ^ xn1[41:21] ^ xn1[62:42];
    wire [20:0] pc1_c = (xn1[20:0] & xn1[41:21]) | (xn1[20:0] & xn1[62:42]) | (xn1[41:21] & xn1[62:42]);
    wire [1:0] pc1_f63 = {1'b0, xn1[63]};
    wire [2:0] pc1_l1_0 = {1'd0, {pc1_c[0], pc1_s[0]}} + {1'd0, {pc1_c[1], pc1_s[1]}};
    wire [2:0] pc1_l1_1 = {1'd0, {pc1_c[2], pc1_s[2]}} + {1'd0, {pc1_c[3], pc1_s[3]}};
    wire [2:0] pc1_l1_2 = {1'd0, {pc1_c[4], pc1_s[4]}} + {1'd0, {pc1_c[5], pc1_s[5]}};
    wire [2:0] pc1_l1_3 = {1'd0, {pc1_c[6], pc1_s[6]}} + {1'd0, {pc1_c[7], pc1_s[7]}};
    wire [2:0] pc1_l1_4 = {1'd0, {pc1_c[8], pc1_s[8]}} + {1'd0, {pc1_c[9], pc1_s[9]}};
    wire [2:0] pc1_l1_5 = {1'd0, {pc1_c[10], pc1_s[10]}} + {1'd0, {pc1_c[11], pc1_s[11]}};
    wire [2:0] pc1_l1_6 = {1'd0, {pc1_c[12], pc1_s[12]}} + {1'd0, {pc1_c[13], pc1_s[13]}};
    wire [2:0] pc1_l1_7 = {1'd0, {pc1_c[14], pc1_s[14]}} + {1'd0, {pc1_c[15], pc1_s[15]}};
    wire [2:0] pc1_l1_8 = {1'd0, {pc1_c[16], pc1_s[16]}} + {1'd0, {pc1_c[17], pc1_s[17]}};
    wire [2:0] pc1_l1_9 = {1'd0, {pc1_c[18], pc1_s[18]}} + {1'd0, {pc1_c[19], pc1_s[19]}};
    wire [2:0] pc1_l1_10 = {1'd0, {pc1_c[20], pc1_s[20]}} + {1'd0, pc1_f63};
    wire [3:0] pc1_l2_0 = {1'd0, pc1_l1_0} + {1'd0, pc1_l1_1};
    wire [3:0] pc1_l2_1 = {1'd0, pc1_l1_2} + {1'd0, pc1_l1_3};
    wire [3:0] pc1_l2_2 = {1'd0, pc1_l1_4} + {1'd0, pc1_l1_5};
    wire [3:0] pc1_l2_3 = {1'd0, pc1_l1_6} + {1'd0, pc1_l1_7};
    wire [3:0] pc1_l2_4 = {1'd0, pc1_l1_8} + {1'd0, pc1_l1_9};
    wire [3:0] pc1_l2_5 = {1'd0, pc1_l1_10};
    wire [4:0] pc1_l3_0 = {1'd0, pc1_l2_0} + {1'd0, pc1_l2_1};
    wire [4:0] pc1_l3_1 = {1'd0, pc1_l2_2} + {1'd0, pc1_l2_3};
    wire [4:0] pc1_l3_2 = {1'd0, pc1_l2_4} + {1'd0, pc1_l2_5};
    wire [5:0] pc1_l4_0 = {1'd0, pc1_l3_0} + {1'd0, pc1_l3_1};
    wire [5:0] pc1_l4_1 = {1'd0, pc1_l3_2};
    wire [6:0] pc1_l5_0 = {1'd0, pc1_l4_0} + {1'd0, pc1_l4_1};
    wire [6:0] pc1 = pc1_l5_0[6:0];
    wire [31:0] nx1 = (d_first ? konst[95:64] : acc_q[63:32]) + ({25'd0, pc1} << d_plane);
    wire [63:0] xn2 = ~(wgt[191:128] ^ win) & tmask;
    wire [20:0] pc2_s = xn2[20:0] ^ xn2[41:21] ^ xn2[62:42];
    wire [20:0] pc2_c = (xn2[20:0] & xn2[41:21]) | (xn2[20:0] & xn2[62:42]) | (xn2[41:21] & xn2[62:42]);
    wire [1:0] pc2_f63 = {1'b0, xn2[63]};
    wire [2:0] pc2_l1_0 = {1'd0, {pc2_c[0], pc2_s[0]}} + {1'd0, {pc2_c[1], pc2_s[1]}};
    wire [2:0] pc2_l1_1 = {1'd0, {pc2_c[2], pc2_s[2]}} + {1'd0, {pc2_c[3], pc2_s[3]}};
    wire [2:0] pc2_l1_2 = {1'd0, {pc2_c[4], pc2_s[4]}} + {1'd0, {pc2_c[5], pc2_s[5]}};
    wire [2:0] pc2_l1_3 = {1'd0, {pc2_c[6], pc2_s[6]}} + {1'd0, {pc2_c[7], pc2_s[7]}};
    wire [2:0] pc2_l1_4 = {1'd0, {pc2_c[8], pc2_s[8]}} + {1'd0, {pc2_c[9], pc2_s[9]}};
    wire [2:0] pc2_l1_5 = {1'd0, {pc2_c[10], pc2_s[10]}} + {1'd0, {pc2_c[11], pc2_s[11]}};
    wire [2:0] pc2_l1_6 = {1'd0, {pc2_c[12], pc2_s[12]}} + {1'd0, {pc2_c[13], pc2_s[13]}};
    wire [2:0] pc2_l1_7 = {1'd0, {pc2_c[14], pc2_s[14]}} + {1'd0, {pc2_c[15], pc2_s[15]}};
    wire [2:0] pc2_l1_8 = {1'd0, {pc2_c[16], pc2_s[16]}} + {1'd0, {pc2_c[17], pc2_s[17]}};
    wire [2:0] pc2_l1_9 = {1'd0, {pc2_c[18], pc2_s[18]}} + {1'd0, {pc2_c[19], pc2_s[19]}};
    wire [2:0] pc2_l1_10 = {1'd0, {pc2_c[20], pc2_s[20]}} + {1'd0, pc2_f63};
    wire [3:0] pc2_l2_0 = {1'd0, pc2_l1_0} + {1'd0, pc2_l1_1};
    wire [3:0] pc2_l2_1 = {1'd0, pc2_l1_2} + {1'd0, pc2_l1_3};
    wire [3:0] pc2_l2_2 = {1'd0, pc2_l1_4} + {1'd0, pc2_l1_5};
    wire [3:0] pc2_l2_3 = {1'd0, pc2_l1_6} + {1'd0, pc2_l1_7};
    wire [3:0] pc2_l2_4 = {1'd0, pc2_l1_8} + {1'd0, pc2_l1_9};
    wire [3:0] pc2_l2_5 = {1'd0, pc2_l1_10};
    wire [4:0] pc2_l3_0 = {1'd0, pc2_l2_0} + {1'd0, pc2_l2_1};
    wire [4:0] pc2_l3_1 = {1'd0, pc2_l2_2} + {1'd0, pc2_l2_3};
    wire [4:0] pc2_l3_2 = {1'd0, pc2_l2_4} + {1'd0, pc2_l2_5};
    wire [5:0] pc2_l4_0 = {1'd0, pc2_l3_0} + {1'd0, pc2_l3_1};
    wire [5:0] pc2_l4_1 = {1'd0, pc2_l3_2};
    wire [6:0] pc2_l5_0 = {1'd0, pc2_l4_0} + {1'd0, pc2_l4_1};
    wire [6:0] pc2 = pc2_l5_0[6:0];
    wire [31:0] nx2 = (d_first ? konst[159:128] : acc_q[95:64]) + ({25'd0, pc2} << d_plane);
    wire [63:0] xn3 = ~(wgt[255:192] ^ win) & tmask;
    wire [20:0] pc3_s = xn3[20:0] ^ xn3[41:21] ^ xn3[62:42];
    wire [20:0] pc3_c = (xn3[20:0] & xn3[41:21]) | (xn3[20:0] & xn3[62:42]) | (xn3[41:21] & xn3[62:42]);
    wire [1:0] pc3_f63 = {1'b0, xn3[63]};
    wire [2:0] pc3_l1_0 = {1'd0, {pc3_c[0], pc3_s[0]}} + {1'd0, {pc3_c[1], pc3_s[1]}};
    wire [2:0] pc3_l1_1 = {1'd0, {pc3_c[2], pc3_s[2]}} + {1'd0, {pc3_c[3], pc3_s[3]}};
    wire [2:0] pc3_l1_2 = {1'd0, {pc3_c[4], pc3_s[4]}} + {1'd0, {pc3_c[5], pc3_s[5]}};
    wire [2:0] pc3_l1_3 = {1'd0, {pc3_c[6], pc3_s[6]}} + {1'd0, {pc3_c[7], pc3_s[7]}};
    wire [2:0] pc3_l1_4 = {1'd0, {pc3_c[8], pc3_s[8]}} + {1'd0, {pc3_c[9], pc3_s[9]}};
    wire [2:0] pc3_l1_5 = {1'd0, {pc3_c[10], pc3_s[10]}} + {1'd0, {pc3_c[11], pc3_s[11]}};
    wire [2:0] pc3_l1_6 = {1'd0, {pc3_c[12], pc3_s[12]}} + {1'd0, {pc3_c[13], pc3_s[13]}};
    wire [2:0] pc3_l1_7 = {1'd0, {pc3_c[14], pc3_s[14]}} + {1'd0, {pc3_c[15], pc3_s[15]}};
    wire [2:0] pc3_l1_8 = {1'd0, {pc3_c[16], pc3_s[16]}} + {1'd0, {pc3_c[17], pc3_s[17]}};
    wire [2:0] pc3_l1_9 = {1'd0, {pc3_c[18], pc3_s[18]}} + {1'd0, {pc3_c[19], pc3_s[19]}};
    wire [2:0] pc3_l1_10 = {1'd0, {pc3_c[20], pc3_s[20]}} + {1'd0, pc3_f63};
    wire [3:0] pc3_l2_0 = {1'd0, pc3_l1_0} + {1'd0, pc3_l1_1};
    wire [3:0] pc3_l2_1 = {1'd0, pc3_l1_2} + {1'd0, pc3_l1_3};
    wire [3:0] pc3_l2_2 = {1'd0, pc3_l1_4} + {1'd0, pc3_l1_5};
    wire [3:0] pc3_l2_3 = {1'd0, pc3_l1_6} + {1'd0, pc3_l1_7};
    wire [3:0] pc3_l2_4 = {1'd0, pc3_l1_8} + {1'd0, pc3_l1_9};
    wire [3:0] pc3_l2_5 = {1'd0, pc3_l1_10};
    wire [4:0] pc3_l3_0 = {1'd0, pc3_l2_0} + {1'd0, pc3_l2_1};
    wire [4:0] pc3_l3_1 = {1'd0, pc3_l2_2} + {1'd0, pc3_l2_3};
    wire [4:0] pc3_l3_2 = {1'd0, pc3_l2_4} + {1'd0, pc3_l2_5};
    wire [5:0] pc3_l4_0 = {1'd0, pc3_l3_0} + {1'd0, pc3_l3_1};
    wire [5:0] pc3_l4_1 = {1'd0, pc3_l3_2};
    wire [6:0] pc3_l5_0 = {1'd0, pc3_l4_0} + {1'd0, pc3_l4_1};
    wire [6:0] pc3 = pc3_l5_0[6:0];
    wire [31:0] nx3 = (d_first ? konst[223:192] : acc_q[127:96]) + ({25'd0, pc3} << d_plane);
    wire [127:0] nxt_all = {nx3, nx2, nx1, nx0};
    always @(posedge clock) begin
        out_valid <= 1'b0;
        if (d_valid) begin
            acc_q <= nxt_all;
            if (d_last) begin
                out_valid <= 1'b1;
                acc_out <= {{{32{nx3[31]}}, nx3}, {{32{nx2[31]}}, nx2}, {{32{nx1[31]}}, nx1}, {{32{nx0[31]}}, nx0}};
            end
        end
        d_valid <= c_valid; d_first <= c_first; d_last <= c_last; d_tail <= c_tail; d_plane <= c_plane;
    end
endmodule // qtrain_conv_engine$pes


module qtrain_conv_engine$pooler(clock,cmd,start,in_vals,in_valid,out_vals,out_valid);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  start;
    input wire  [255:0] in_vals;
    input wire  in_valid;
    output reg  [255:0] out_vals;
    output reg  out_valid;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire unused_pool = &{1'b0, in_vals, 1'b0};
    reg [31:0] pbuf [0:2047];
    reg [10:0] nf_c;
    reg [7:0] x, y;
    initial begin nf_c = 11'd0; x = 8'd0; y = 8'd0; out_valid = 1'b0; end
    wire [15:0] idx = {9'd0, x[7:1]} * {5'd0, nf} + {5'd0, nf_c};
    wire [31:0] old = pbuf[idx];
    reg [31:0] mx;
    wire unused_idx = &{1'b0, idx, 1'b0};
    reg [255:0] mx_w;
    integer p;
    always @(*) begin
        for (p = 0; p < 4; p = p + 1) begin
            if (!y[0] && !x[0]) mx[p*8 +: 8] = in_vals[p*64 +: 8];
            else mx[p*8 +: 8] = (old[p*8 +: 8] > in_vals[p*64 +: 8]) ? old[p*8 +: 8] : in_vals[p*64 +: 8];
            mx_w[p*64 +: 64] = {56'd0, mx[p*8 +: 8]};
        end
    end
    always @(posedge clock) begin
        out_valid <= 1'b0;
        if (start) begin nf_c <= 11'd0; x <= 8'd0; y <= 8'd0; end
        else if (in_valid) begin
            if (!pool) begin out_vals <= in_vals; out_valid <= 1'b1; end
            else begin
                pbuf[idx] <= mx;
                if (y[0] && x[0]) begin out_vals <= mx_w; out_valid <= 1'b1; end
            end
            if (nf_c + 11'd1 == nf) begin
                nf_c <= 11'd0;
                if ({1'b0, x} + 9'd1 == {2'b0, w}) begin
                    x <= 8'd0;
                    y <= ({1'b0, y} + 9'd1 == {2'b0, h}) ? 8'd0 : y + 8'd1;
                end else x <= x + 8'd1;
            end else nf_c <= nf_c + 11'd1;
        end
    end
endmodule // qtrain_conv_engine$pooler


module qtrain_conv_engine$requant(clock,cmd,start,pw_en,pw_addr,wr_data,in_vals,in_valid,out_vals,out_valid);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  start;
    input wire  pw_en;
    input wire  [9:0] pw_addr;
    input wire  [63:0] wr_data;
    input wire  [255:0] in_vals;
    input wire  in_valid;
    output reg  [255:0] out_vals;
    output reg  out_valid;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire unused_rq = &{1'b0, in_vals, wr_data[63:48], 1'b0};
    reg [191:0] prm [0:127];
    reg [10:0] nf_c;
    reg [191:0] row;
    initial begin nf_c = 11'd0; out_valid = 1'b0; end
    // registered (block-RAM) read, one fold ahead: the row of the fold after this one is read in the
    // cycle this one is consumed
    wire [10:0] nf_next = (nf_c + 11'd1 == nf) ? 11'd0 : nf_c + 11'd1;
    wire [10:0] rd_a = start ? 11'd0 : (in_valid ? nf_next : nf_c);
    always @(posedge clock) row <= prm[rd_a];
    wire unused_rda = &{1'b0, rd_a, 1'b0};
    reg [255:0] vals;
    reg signed [47:0] prod;
    reg signed [48:0] v;
    reg signed [48:0] vs;
    wire [8:0] top_v = (9'd1 << a_out) - 9'd1;
    integer p;
    // The requantisation runs inside the clocked block, only in a cycle that takes a fold (`prod`, `v`,
    // `vs`, `vals` are blocking temporaries: combinational logic in front of `out_vals`, no registers
    // of their own) — the same hardware as a separate `always @(*)`, but a cycle-based simulator
    // skips the P multiplies in the other cycles (Verilator spent ~8 % of the top's time here).
    // verilator lint_off BLKSEQ
    always @(posedge clock) begin
        if (pw_en) prm[pw_addr >> 2][(pw_addr & 10'd3)*48 +: 48] <= wr_data[47:0];
        out_valid <= in_valid;
        if (start) nf_c <= 11'd0;
        else if (in_valid) begin
            for (p = 0; p < 4; p = p + 1) begin
                prod = $signed(in_vals[p*64 +: 32]) * $signed(row[p*48 +: 16]);
                v = {prod[47], prod} + {{17{row[p*48+47]}}, row[p*48+16 +: 32]};
                vs = v >>> sh;
                if (vs[48]) vals[p*64 +: 64] = 64'd0;
                else if (vs > $signed({40'd0, top_v})) vals[p*64 +: 64] = {55'd0, top_v};
                else vals[p*64 +: 64] = {56'd0, vs[7:0]};
            end
            out_vals <= vals;
            nf_c <= nf_next;
        end
    end
    // verilator lint_on BLKSEQ
endmodule // qtrain_conv_engine$requant


module qtrain_conv_engine$seq(clock,cmd,start,wp,freed,sp,w_ra,win_ra,k_ra,c_valid,c_first,c_last,c_tail,c_plane);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  start;
    input wire  [2:0] wp;
    input wire  freed;
    output reg  [2:0] sp;
    output reg  [15:0] w_ra;
    output reg  [15:0] win_ra;
    output reg  [9:0] k_ra;
    output reg  c_valid;
    output reg  c_first;
    output reg  c_last;
    output reg  c_tail;
    output reg  [2:0] c_plane;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    reg running, active;
    reg [16:0] img;
    reg [7:0] y, x;
    reg [10:0] nf_c;
    reg [3:0] j;
    reg [14:0] sf_c;
    reg [2:0] pix;
    reg [1:0] credits;
    initial begin running = 1'b0; active = 1'b0; img = 17'd0; y = 8'd0; x = 8'd0; nf_c = 11'd0; j = 4'd0;
        sf_c = 15'd0; pix = 3'd0; credits = 2'd0; c_valid = 1'b0; end
    wire emits = !pool || (y[0] && x[0]);
    wire [2:0] avail = wp - pix;
    wire [1:0] cred_f = credits + {1'b0, freed};
    wire go = active || (avail != 3'd0 && (!emits || cred_f != 2'd0));
    always @(posedge clock) begin
        c_valid <= 1'b0;
        if (start) begin
            running <= 1'b1; active <= 1'b0; img <= 17'd0; y <= 8'd0; x <= 8'd0; nf_c <= 11'd0; j <= 4'd0;
            sf_c <= 15'd0; pix <= 3'd0; credits <= 2'd2;
        end else begin
            credits <= cred_f - {1'b0, (running && !active && go && emits)};
            if (running && go) begin
                active <= 1'b1;
                c_valid <= 1'b1;
                c_first <= (j == 4'd0) && (sf_c == 15'd0);
                c_last <= (j + 4'd1 == a_in) && (sf_c + 15'd1 == sf);
                c_tail <= (sf_c + 15'd1 == sf);
                c_plane <= j[2:0];
                w_ra <= {5'd0, nf_c} * {1'b0, sf} + {1'b0, sf_c};
                win_ra <= {15'd0, pix[0]} * 16'd576 + {12'd0, j} * {1'b0, sf} + {1'b0, sf_c};
                k_ra <= nf_c[9:0];
                if (sf_c + 15'd1 == sf) begin
                    sf_c <= 15'd0;
                    if (j + 4'd1 == a_in) begin
                        j <= 4'd0;
                        if (nf_c + 11'd1 == nf) begin
                            nf_c <= 11'd0; active <= 1'b0; pix <= pix + 3'd1;
                            if ({1'b0, x} + 9'd1 == {2'b0, w}) begin
                                x <= 8'd0;
                                if ({1'b0, y} + 9'd1 == {2'b0, h}) begin
                                    y <= 8'd0; img <= img + 17'd1;
                                    if (img + 17'd1 == images) running <= 1'b0;
                                end else y <= y + 8'd1;
                            end else x <= x + 8'd1;
                        end else nf_c <= nf_c + 11'd1;
                    end else j <= j + 4'd1;
                end else sf_c <= sf_c + 15'd1;
            end
        end
    end
    always @(*) sp = pix;
endmodule // qtrain_conv_engine$seq


module qtrain_conv_engine$weights(clock,cmd,ww_en,ww_filter,ww_word,wr_data,rd_addr,rd_data);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  ww_en;
    input wire  [9:0] ww_filter;
    input wire  [7:0] ww_word;
    input wire  [63:0] wr_data;
    input wire  [15:0] rd_addr;
    output reg  [255:0] rd_data;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    wire [9:0] lane_p = ww_filter & 10'd3;
    wire [9:0] fold = ww_filter >> 2;
    wire [7:0] sub = ww_word & 8'd0;
    wire [15:0] entry = fold * sf + (ww_word >> 0);
    wire [15:0] lane = lane_p * 16'd1 + sub;
    wire unused_wb = &{1'b0, entry, rd_addr, lane, 1'b0};
    reg [63:0] mem0 [0:9215];
    reg [63:0] q0;
    always @(posedge clock) begin
        q0 <= mem0[rd_addr];
        if (ww_en && lane == 16'd0) mem0[entry] <= wr_data;
    end
    reg [63:0] mem1 [0:9215];
    reg [63:0] q1;
    always @(posedge clock) begin
        q1 <= mem1[rd_addr];
        if (ww_en && lane == 16'd1) mem1[entry] <= wr_data;
    end
    reg [63:0] mem2 [0:9215];
    reg [63:0] q2;
    always @(posedge clock) begin
        q2 <= mem2[rd_addr];
        if (ww_en && lane == 16'd2) mem2[entry] <= wr_data;
    end
    reg [63:0] mem3 [0:9215];
    reg [63:0] q3;
    always @(posedge clock) begin
        q3 <= mem3[rd_addr];
        if (ww_en && lane == 16'd3) mem3[entry] <= wr_data;
    end
    always @(*) rd_data = {q3, q2, q1, q0};
endmodule // qtrain_conv_engine$weights


module qtrain_conv_engine$winbuf(clock,wb_en,wb_addr,wb_data,rd_addr,rd_data);
    
    // Module arguments
    input wire  clock;
    input wire  wb_en;
    input wire  [15:0] wb_addr;
    input wire  [63:0] wb_data;
    input wire  [15:0] rd_addr;
    output reg  [63:0] rd_data;
    
    // Update code (custom)
    reg [63:0] mem [0:1151];
    wire unused_addr = &{1'b0, rd_addr, wb_addr, 1'b0};
    always @(posedge clock) begin
        rd_data <= mem[rd_addr];
        if (wb_en) mem[wb_addr >> 0][(wb_addr & 16'd0)*64 +: 64] <= wb_data;
    end
endmodule // qtrain_conv_engine$winbuf


module qtrain_conv_engine$window(clock,cmd,start,rows_done,img_w,sp,ra0,ra1,rd0,rd1,wb_en,wb_addr,wb_data,wp,win_row,img_r);
    
    // Module arguments
    input wire  clock;
    input wire  [63:0] cmd;
    input wire  start;
    input wire  [7:0] rows_done;
    input wire  [16:0] img_w;
    input wire  [2:0] sp;
    output reg  [15:0] ra0;
    output reg  [15:0] ra1;
    input wire  [63:0] rd0;
    input wire  [63:0] rd1;
    output reg  wb_en;
    output reg  [15:0] wb_addr;
    output reg  [63:0] wb_data;
    output reg  [2:0] wp;
    output reg  [7:0] win_row;
    output reg  [16:0] img_r;
    
    // Update code (custom)
    wire [10:0] c_in = {1'b0, cmd[13:4]} + 11'd1;
    wire [10:0] c_out = {1'b0, cmd[23:14]} + 11'd1;
    wire [6:0] h = {1'b0, cmd[29:24]} + 7'd1;
    wire [6:0] w = {1'b0, cmd[35:30]} + 7'd1;
    wire [3:0] a_in = {1'b0, cmd[38:36]} + 4'd1;
    wire [3:0] a_out = {1'b0, cmd[41:39]} + 4'd1;
    wire pool = cmd[42];
    wire [4:0] sh = cmd[47:43];
    wire [16:0] images = {1'b0, cmd[63:48]} + 17'd1;
    wire [14:0] n_bits = 15'd9 * {4'd0, c_in};
    wire [14:0] sf = (n_bits + 15'd63) >> 6;
    wire [10:0] nf = (c_out + 11'd3) >> 2;
    wire [4:0] cw_in = (c_in + 11'd63) >> 6;
    wire [4:0] cw_out = (c_out + 11'd63) >> 6;
    wire [8:0] wpf = (n_bits + 15'd63) >> 6;
    wire [14:0] rem = n_bits - ((sf - 15'd1) << 6);
    wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};
    reg running, active, flush_next;
    reg [16:0] img;
    reg [7:0] y, x;
    reg [3:0] j;
    reg [1:0] ky, kx;
    reg [4:0] cw;
    reg [2:0] issued, wp_r;
    reg m_valid, m_two, m_zero0, m_zero1, m_flush, m_end;
    reg [6:0] m_len0, m_len1;
    reg m_bank;
    reg [3:0] m_plane;
    reg i_valid, i_two, i_zero0, i_zero1, i_flush, i_end;
    reg [6:0] i_len0, i_len1;
    reg i_bank;
    reg [3:0] i_plane;
    reg [127:0] buf_r;
    reg [7:0] fill;
    reg [15:0] k;
    initial begin running = 1'b0; active = 1'b0; flush_next = 1'b0; img = 17'd0; y = 8'd0; x = 8'd0; j = 4'd0;
        ky = 2'd0; kx = 2'd0; cw = 5'd0; issued = 3'd0; wp_r = 3'd0; m_valid = 1'b0; m_flush = 1'b0; m_two = 1'b0;
        m_zero0 = 1'b0; m_zero1 = 1'b0; m_end = 1'b0; m_len0 = 7'd0; m_len1 = 7'd0; m_bank = 1'b0; m_plane = 4'd0;
        i_valid = 1'b0; i_flush = 1'b0; i_two = 1'b0; i_zero0 = 1'b0; i_zero1 = 1'b0; i_end = 1'b0; i_len0 = 7'd0;
        i_len1 = 7'd0; i_bank = 1'b0; i_plane = 4'd0;
        buf_r = 128'd0; fill = 8'd0; k = 16'd0; wb_en = 1'b0; end
    // pack stage
    wire [63:0] mask0 = m_len0[6] ? ~64'd0 : ((64'd1 << m_len0[5:0]) - 64'd1);
    wire [63:0] mask1 = m_len1[6] ? ~64'd0 : ((64'd1 << m_len1[5:0]) - 64'd1);
    wire [63:0] d0 = m_zero0 ? 64'd0 : (rd0 & mask0);
    wire [63:0] d1 = m_zero1 ? 64'd0 : (rd1 & mask1);
    wire [127:0] buf_a = buf_r | ({64'd0, d0} << fill);
    wire [7:0] fill_a = fill + {1'b0, m_len0};
    wire [127:0] buf_b = m_two ? (buf_a | ({64'd0, d1} << fill_a)) : buf_a;
    wire [7:0] fill_b = m_two ? fill_a + {1'b0, m_len1} : fill_a;
    wire emit_v = m_valid && fill_b >= 8'd64;
    wire emit_f = m_flush && fill != 8'd0;
    wire [15:0] plane_base = {12'd0, m_plane} * {1'b0, sf} * 16'd1;
    // issue stage pieces
    wire [4:0] cw1 = (cw + 5'd1 < cw_in) ? cw + 5'd1 : 5'd0;
    wire [1:0] kx1 = (cw + 5'd1 < cw_in) ? kx : ((kx == 2'd2) ? 2'd0 : kx + 2'd1);
    wire [2:0] ky1 = (cw + 5'd1 < cw_in) ? {1'b0, ky} : ((kx == 2'd2) ? {1'b0, ky} + 3'd1 : {1'b0, ky});
    wire [4:0] cw2 = (cw1 + 5'd1 < cw_in) ? cw1 + 5'd1 : 5'd0;
    wire [1:0] kx2 = (cw1 + 5'd1 < cw_in) ? kx1 : ((kx1 == 2'd2) ? 2'd0 : kx1 + 2'd1);
    wire [2:0] ky2 = (cw1 + 5'd1 < cw_in) ? ky1 : ((kx1 == 2'd2) ? ky1 + 3'd1 : ky1);
    wire [10:0] rem0 = c_in - {cw, 6'd0};
    wire [10:0] rem1 = c_in - {cw1, 6'd0};
    wire [6:0] len0 = rem0 > 11'd64 ? 7'd64 : rem0[6:0];
    wire [6:0] len1 = rem1 > 11'd64 ? 7'd64 : rem1[6:0];
    wire two = ky1 < 3'd3 && ({1'b0, len0} + {1'b0, len1} <= 8'd64);
    wire signed [9:0] yy0 = $signed({2'b0, y}) + $signed({8'd0, ky}) - 10'sd1;
    wire signed [9:0] xx0 = $signed({2'b0, x}) + $signed({8'd0, kx}) - 10'sd1;
    wire signed [9:0] yy1 = $signed({2'b0, y}) + $signed({7'd0, ky1}) - 10'sd1;
    wire signed [9:0] xx1 = $signed({2'b0, x}) + $signed({8'd0, kx1}) - 10'sd1;
    wire z0 = yy0 < 0 || xx0 < 0 || yy0 >= $signed({3'd0, h}) || xx0 >= $signed({3'd0, w});
    wire z1 = ky1 >= 3'd3 || yy1 < 0 || xx1 < 0 || yy1 >= $signed({3'd0, h}) || xx1 >= $signed({3'd0, w});
    wire [15:0] a0 = z0 ? 16'd0 : ({14'd0, yy0[1:0]} * 16'd512 + ({6'd0, xx0} * {12'd0, a_in} + {12'd0, j}) * {11'd0, cw_in} + {11'd0, cw});
    wire [15:0] a1 = z1 ? 16'd0 : ({14'd0, yy1[1:0]} * 16'd512 + ({6'd0, xx1} * {12'd0, a_in} + {12'd0, j}) * {11'd0, cw_in} + {11'd0, cw1});
    wire [2:0] ky_n = two ? ky2 : ky1;
    wire [1:0] kx_n = two ? kx2 : kx1;
    wire [4:0] cw_n = two ? cw2 : cw1;
    wire [2:0] inflight = issued - sp;
    wire [7:0] need = ({1'b0, y} + 9'd2 < {2'b0, h}) ? y + 8'd2 : {1'b0, h};
    wire go = active || (inflight < 3'd2 && (img_w > img || rows_done >= need));
    always @(posedge clock) begin
        if (start) begin
            running <= 1'b1; active <= 1'b0; flush_next <= 1'b0; img <= 17'd0; y <= 8'd0; x <= 8'd0; j <= 4'd0;
            ky <= 2'd0; kx <= 2'd0; cw <= 5'd0; issued <= 3'd0; wp_r <= 3'd0; m_valid <= 1'b0; m_flush <= 1'b0;
            i_valid <= 1'b0; i_flush <= 1'b0; buf_r <= 128'd0; fill <= 8'd0; k <= 16'd0; wb_en <= 1'b0;
        end else begin
            // pack stage
            wb_en <= emit_v || emit_f;
            if (emit_v || emit_f) begin
                wb_data <= emit_v ? buf_b[63:0] : buf_r[63:0];
                wb_addr <= {15'd0, m_bank} * 16'd576 + plane_base + k;
            end
            if (m_flush) begin
                buf_r <= 128'd0; fill <= 8'd0; k <= 16'd0;
                if (m_end) wp_r <= wp_r + 3'd1;
            end else if (m_valid) begin
                buf_r <= emit_v ? (buf_b >> 64) : buf_b;
                fill <= emit_v ? fill_b - 8'd64 : fill_b;
                if (emit_v) k <= k + 16'd1;
            end
            // issue stage
            m_valid <= i_valid; m_flush <= i_flush; m_two <= i_two; m_zero0 <= i_zero0; m_zero1 <= i_zero1;
            m_end <= i_end; m_len0 <= i_len0; m_len1 <= i_len1; m_bank <= i_bank; m_plane <= i_plane;
            i_valid <= 1'b0; i_flush <= 1'b0;
            if (running) begin
                if (flush_next) begin
                    i_flush <= 1'b1; i_end <= (j + 4'd1 == a_in); i_bank <= issued[0]; i_plane <= j;
                    flush_next <= 1'b0;
                    if (j + 4'd1 == a_in) begin
                        j <= 4'd0; issued <= issued + 3'd1; active <= 1'b0;
                        if ({1'b0, x} + 9'd1 == {2'b0, w}) begin
                            x <= 8'd0;
                            if ({1'b0, y} + 9'd1 == {2'b0, h}) begin
                                y <= 8'd0; img <= img + 17'd1;
                                if (img + 17'd1 == images) running <= 1'b0;
                            end else y <= y + 8'd1;
                        end else x <= x + 8'd1;
                    end else j <= j + 4'd1;
                end else if (go) begin
                    active <= 1'b1;
                    i_valid <= 1'b1; i_zero0 <= z0; i_zero1 <= z1; i_len0 <= len0; i_len1 <= len1; i_two <= two;
                    i_bank <= issued[0]; i_plane <= j;
                    ra0 <= a0; ra1 <= a1;
                    if (ky_n >= 3'd3) begin flush_next <= 1'b1; ky <= 2'd0; kx <= 2'd0; cw <= 5'd0; end
                    else begin ky <= ky_n[1:0]; kx <= kx_n; cw <= cw_n; end
                end
            end
        end
    end
    always @(*) begin
        wp = wp_r;
        win_row = y;
        img_r = img;
    end
endmodule // qtrain_conv_engine$window
