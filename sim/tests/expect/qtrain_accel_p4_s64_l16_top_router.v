module qtrain_accel(clock,in_data,in_valid,in_last,in_ready,out_data,out_valid,out_last,out_ready);
    
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
    reg  router$clock;
    reg  [63:0] router$in_data;
    reg  router$in_valid;
    reg  router$in_last;
    wire  router$in_ready;
    wire  [63:0] router$out_data;
    wire  router$out_valid;
    wire  router$out_last;
    reg  router$out_ready;
    wire  [63:0] router$c_in_data;
    wire  router$c_in_valid;
    wire  router$c_in_last;
    reg  router$c_in_ready;
    reg  [63:0] router$c_out_data;
    reg  router$c_out_valid;
    reg  router$c_out_last;
    wire  router$c_out_ready;
    wire  router$u_cmd_valid;
    reg  router$u_cmd_ready;
    wire  [63:0] router$u_cmd_word;
    wire  [63:0] router$u_cmd_seed;
    wire  router$u_in_valid;
    reg  router$u_in_ready;
    wire  router$u_in_last;
    wire  [15:0] router$u_w$0;
    wire  [15:0] router$u_w$1;
    wire  [15:0] router$u_w$2;
    wire  [15:0] router$u_w$3;
    wire  [15:0] router$u_w$4;
    wire  [15:0] router$u_w$5;
    wire  [15:0] router$u_w$6;
    wire  [15:0] router$u_w$7;
    wire  [15:0] router$u_w$8;
    wire  [15:0] router$u_w$9;
    wire  [15:0] router$u_w$10;
    wire  [15:0] router$u_w$11;
    wire  [15:0] router$u_w$12;
    wire  [15:0] router$u_w$13;
    wire  [15:0] router$u_w$14;
    wire  [15:0] router$u_w$15;
    wire  [7:0] router$u_u$0;
    wire  [7:0] router$u_u$1;
    wire  [7:0] router$u_u$2;
    wire  [7:0] router$u_u$3;
    wire  [7:0] router$u_u$4;
    wire  [7:0] router$u_u$5;
    wire  [7:0] router$u_u$6;
    wire  [7:0] router$u_u$7;
    wire  [7:0] router$u_u$8;
    wire  [7:0] router$u_u$9;
    wire  [7:0] router$u_u$10;
    wire  [7:0] router$u_u$11;
    wire  [7:0] router$u_u$12;
    wire  [7:0] router$u_u$13;
    wire  [7:0] router$u_u$14;
    wire  [7:0] router$u_u$15;
    reg  router$u_out_valid;
    wire  router$u_out_ready;
    reg  router$u_out_last;
    reg  [15:0] router$u_w_out$0;
    reg  [15:0] router$u_w_out$1;
    reg  [15:0] router$u_w_out$2;
    reg  [15:0] router$u_w_out$3;
    reg  [15:0] router$u_w_out$4;
    reg  [15:0] router$u_w_out$5;
    reg  [15:0] router$u_w_out$6;
    reg  [15:0] router$u_w_out$7;
    reg  [15:0] router$u_w_out$8;
    reg  [15:0] router$u_w_out$9;
    reg  [15:0] router$u_w_out$10;
    reg  [15:0] router$u_w_out$11;
    reg  [15:0] router$u_w_out$12;
    reg  [15:0] router$u_w_out$13;
    reg  [15:0] router$u_w_out$14;
    reg  [15:0] router$u_w_out$15;
    reg  [15:0] router$u_q_out$0;
    reg  [15:0] router$u_q_out$1;
    reg  [15:0] router$u_q_out$2;
    reg  [15:0] router$u_q_out$3;
    reg  [15:0] router$u_q_out$4;
    reg  [15:0] router$u_q_out$5;
    reg  [15:0] router$u_q_out$6;
    reg  [15:0] router$u_q_out$7;
    reg  [15:0] router$u_q_out$8;
    reg  [15:0] router$u_q_out$9;
    reg  [15:0] router$u_q_out$10;
    reg  [15:0] router$u_q_out$11;
    reg  [15:0] router$u_q_out$12;
    reg  [15:0] router$u_q_out$13;
    reg  [15:0] router$u_q_out$14;
    reg  [15:0] router$u_q_out$15;
    reg  router$u_pack_valid;
    reg  [63:0] router$u_pack_word;
    reg  [31:0] router$u_sat_count;
    reg  router$u_cmd_error;
    reg  conv$clock;
    reg  [63:0] conv$in_data;
    reg  conv$in_valid;
    reg  conv$in_last;
    wire  conv$in_ready;
    wire  [63:0] conv$out_data;
    wire  conv$out_valid;
    wire  conv$out_last;
    reg  conv$out_ready;
    reg  upd$clock;
    reg  upd$cmd_valid;
    wire  upd$cmd_ready;
    reg  [63:0] upd$cmd_word;
    reg  [63:0] upd$cmd_seed;
    reg  upd$in_valid;
    wire  upd$in_ready;
    reg  upd$in_last;
    reg  [15:0] upd$w_in$0;
    reg  [15:0] upd$w_in$1;
    reg  [15:0] upd$w_in$2;
    reg  [15:0] upd$w_in$3;
    reg  [15:0] upd$w_in$4;
    reg  [15:0] upd$w_in$5;
    reg  [15:0] upd$w_in$6;
    reg  [15:0] upd$w_in$7;
    reg  [15:0] upd$w_in$8;
    reg  [15:0] upd$w_in$9;
    reg  [15:0] upd$w_in$10;
    reg  [15:0] upd$w_in$11;
    reg  [15:0] upd$w_in$12;
    reg  [15:0] upd$w_in$13;
    reg  [15:0] upd$w_in$14;
    reg  [15:0] upd$w_in$15;
    reg  [7:0] upd$u_in$0;
    reg  [7:0] upd$u_in$1;
    reg  [7:0] upd$u_in$2;
    reg  [7:0] upd$u_in$3;
    reg  [7:0] upd$u_in$4;
    reg  [7:0] upd$u_in$5;
    reg  [7:0] upd$u_in$6;
    reg  [7:0] upd$u_in$7;
    reg  [7:0] upd$u_in$8;
    reg  [7:0] upd$u_in$9;
    reg  [7:0] upd$u_in$10;
    reg  [7:0] upd$u_in$11;
    reg  [7:0] upd$u_in$12;
    reg  [7:0] upd$u_in$13;
    reg  [7:0] upd$u_in$14;
    reg  [7:0] upd$u_in$15;
    wire  upd$out_valid;
    reg  upd$out_ready;
    wire  upd$out_last;
    wire  [15:0] upd$w_out$0;
    wire  [15:0] upd$w_out$1;
    wire  [15:0] upd$w_out$2;
    wire  [15:0] upd$w_out$3;
    wire  [15:0] upd$w_out$4;
    wire  [15:0] upd$w_out$5;
    wire  [15:0] upd$w_out$6;
    wire  [15:0] upd$w_out$7;
    wire  [15:0] upd$w_out$8;
    wire  [15:0] upd$w_out$9;
    wire  [15:0] upd$w_out$10;
    wire  [15:0] upd$w_out$11;
    wire  [15:0] upd$w_out$12;
    wire  [15:0] upd$w_out$13;
    wire  [15:0] upd$w_out$14;
    wire  [15:0] upd$w_out$15;
    wire  [15:0] upd$q_out$0;
    wire  [15:0] upd$q_out$1;
    wire  [15:0] upd$q_out$2;
    wire  [15:0] upd$q_out$3;
    wire  [15:0] upd$q_out$4;
    wire  [15:0] upd$q_out$5;
    wire  [15:0] upd$q_out$6;
    wire  [15:0] upd$q_out$7;
    wire  [15:0] upd$q_out$8;
    wire  [15:0] upd$q_out$9;
    wire  [15:0] upd$q_out$10;
    wire  [15:0] upd$q_out$11;
    wire  [15:0] upd$q_out$12;
    wire  [15:0] upd$q_out$13;
    wire  [15:0] upd$q_out$14;
    wire  [15:0] upd$q_out$15;
    wire  upd$pack_valid;
    wire  [63:0] upd$pack_word;
    wire  [31:0] upd$sat_count;
    wire  upd$cmd_error;
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
    qtrain_accel$in_skid in_skid(
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
    qtrain_accel$router router(
        .clock(router$clock),
        .in_data(router$in_data),
        .in_valid(router$in_valid),
        .in_last(router$in_last),
        .in_ready(router$in_ready),
        .out_data(router$out_data),
        .out_valid(router$out_valid),
        .out_last(router$out_last),
        .out_ready(router$out_ready),
        .c_in_data(router$c_in_data),
        .c_in_valid(router$c_in_valid),
        .c_in_last(router$c_in_last),
        .c_in_ready(router$c_in_ready),
        .c_out_data(router$c_out_data),
        .c_out_valid(router$c_out_valid),
        .c_out_last(router$c_out_last),
        .c_out_ready(router$c_out_ready),
        .u_cmd_valid(router$u_cmd_valid),
        .u_cmd_ready(router$u_cmd_ready),
        .u_cmd_word(router$u_cmd_word),
        .u_cmd_seed(router$u_cmd_seed),
        .u_in_valid(router$u_in_valid),
        .u_in_ready(router$u_in_ready),
        .u_in_last(router$u_in_last),
        .u_w$0(router$u_w$0),
        .u_w$1(router$u_w$1),
        .u_w$2(router$u_w$2),
        .u_w$3(router$u_w$3),
        .u_w$4(router$u_w$4),
        .u_w$5(router$u_w$5),
        .u_w$6(router$u_w$6),
        .u_w$7(router$u_w$7),
        .u_w$8(router$u_w$8),
        .u_w$9(router$u_w$9),
        .u_w$10(router$u_w$10),
        .u_w$11(router$u_w$11),
        .u_w$12(router$u_w$12),
        .u_w$13(router$u_w$13),
        .u_w$14(router$u_w$14),
        .u_w$15(router$u_w$15),
        .u_u$0(router$u_u$0),
        .u_u$1(router$u_u$1),
        .u_u$2(router$u_u$2),
        .u_u$3(router$u_u$3),
        .u_u$4(router$u_u$4),
        .u_u$5(router$u_u$5),
        .u_u$6(router$u_u$6),
        .u_u$7(router$u_u$7),
        .u_u$8(router$u_u$8),
        .u_u$9(router$u_u$9),
        .u_u$10(router$u_u$10),
        .u_u$11(router$u_u$11),
        .u_u$12(router$u_u$12),
        .u_u$13(router$u_u$13),
        .u_u$14(router$u_u$14),
        .u_u$15(router$u_u$15),
        .u_out_valid(router$u_out_valid),
        .u_out_ready(router$u_out_ready),
        .u_out_last(router$u_out_last),
        .u_w_out$0(router$u_w_out$0),
        .u_w_out$1(router$u_w_out$1),
        .u_w_out$2(router$u_w_out$2),
        .u_w_out$3(router$u_w_out$3),
        .u_w_out$4(router$u_w_out$4),
        .u_w_out$5(router$u_w_out$5),
        .u_w_out$6(router$u_w_out$6),
        .u_w_out$7(router$u_w_out$7),
        .u_w_out$8(router$u_w_out$8),
        .u_w_out$9(router$u_w_out$9),
        .u_w_out$10(router$u_w_out$10),
        .u_w_out$11(router$u_w_out$11),
        .u_w_out$12(router$u_w_out$12),
        .u_w_out$13(router$u_w_out$13),
        .u_w_out$14(router$u_w_out$14),
        .u_w_out$15(router$u_w_out$15),
        .u_q_out$0(router$u_q_out$0),
        .u_q_out$1(router$u_q_out$1),
        .u_q_out$2(router$u_q_out$2),
        .u_q_out$3(router$u_q_out$3),
        .u_q_out$4(router$u_q_out$4),
        .u_q_out$5(router$u_q_out$5),
        .u_q_out$6(router$u_q_out$6),
        .u_q_out$7(router$u_q_out$7),
        .u_q_out$8(router$u_q_out$8),
        .u_q_out$9(router$u_q_out$9),
        .u_q_out$10(router$u_q_out$10),
        .u_q_out$11(router$u_q_out$11),
        .u_q_out$12(router$u_q_out$12),
        .u_q_out$13(router$u_q_out$13),
        .u_q_out$14(router$u_q_out$14),
        .u_q_out$15(router$u_q_out$15),
        .u_pack_valid(router$u_pack_valid),
        .u_pack_word(router$u_pack_word),
        .u_sat_count(router$u_sat_count),
        .u_cmd_error(router$u_cmd_error)
    );
    qtrain_accel$conv conv(
        .clock(conv$clock),
        .in_data(conv$in_data),
        .in_valid(conv$in_valid),
        .in_last(conv$in_last),
        .in_ready(conv$in_ready),
        .out_data(conv$out_data),
        .out_valid(conv$out_valid),
        .out_last(conv$out_last),
        .out_ready(conv$out_ready)
    );
    qtrain_accel$upd upd(
        .clock(upd$clock),
        .cmd_valid(upd$cmd_valid),
        .cmd_ready(upd$cmd_ready),
        .cmd_word(upd$cmd_word),
        .cmd_seed(upd$cmd_seed),
        .in_valid(upd$in_valid),
        .in_ready(upd$in_ready),
        .in_last(upd$in_last),
        .w_in$0(upd$w_in$0),
        .w_in$1(upd$w_in$1),
        .w_in$2(upd$w_in$2),
        .w_in$3(upd$w_in$3),
        .w_in$4(upd$w_in$4),
        .w_in$5(upd$w_in$5),
        .w_in$6(upd$w_in$6),
        .w_in$7(upd$w_in$7),
        .w_in$8(upd$w_in$8),
        .w_in$9(upd$w_in$9),
        .w_in$10(upd$w_in$10),
        .w_in$11(upd$w_in$11),
        .w_in$12(upd$w_in$12),
        .w_in$13(upd$w_in$13),
        .w_in$14(upd$w_in$14),
        .w_in$15(upd$w_in$15),
        .u_in$0(upd$u_in$0),
        .u_in$1(upd$u_in$1),
        .u_in$2(upd$u_in$2),
        .u_in$3(upd$u_in$3),
        .u_in$4(upd$u_in$4),
        .u_in$5(upd$u_in$5),
        .u_in$6(upd$u_in$6),
        .u_in$7(upd$u_in$7),
        .u_in$8(upd$u_in$8),
        .u_in$9(upd$u_in$9),
        .u_in$10(upd$u_in$10),
        .u_in$11(upd$u_in$11),
        .u_in$12(upd$u_in$12),
        .u_in$13(upd$u_in$13),
        .u_in$14(upd$u_in$14),
        .u_in$15(upd$u_in$15),
        .out_valid(upd$out_valid),
        .out_ready(upd$out_ready),
        .out_last(upd$out_last),
        .w_out$0(upd$w_out$0),
        .w_out$1(upd$w_out$1),
        .w_out$2(upd$w_out$2),
        .w_out$3(upd$w_out$3),
        .w_out$4(upd$w_out$4),
        .w_out$5(upd$w_out$5),
        .w_out$6(upd$w_out$6),
        .w_out$7(upd$w_out$7),
        .w_out$8(upd$w_out$8),
        .w_out$9(upd$w_out$9),
        .w_out$10(upd$w_out$10),
        .w_out$11(upd$w_out$11),
        .w_out$12(upd$w_out$12),
        .w_out$13(upd$w_out$13),
        .w_out$14(upd$w_out$14),
        .w_out$15(upd$w_out$15),
        .q_out$0(upd$q_out$0),
        .q_out$1(upd$q_out$1),
        .q_out$2(upd$q_out$2),
        .q_out$3(upd$q_out$3),
        .q_out$4(upd$q_out$4),
        .q_out$5(upd$q_out$5),
        .q_out$6(upd$q_out$6),
        .q_out$7(upd$q_out$7),
        .q_out$8(upd$q_out$8),
        .q_out$9(upd$q_out$9),
        .q_out$10(upd$q_out$10),
        .q_out$11(upd$q_out$11),
        .q_out$12(upd$q_out$12),
        .q_out$13(upd$q_out$13),
        .q_out$14(upd$q_out$14),
        .q_out$15(upd$q_out$15),
        .pack_valid(upd$pack_valid),
        .pack_word(upd$pack_word),
        .sat_count(upd$sat_count),
        .cmd_error(upd$cmd_error)
    );
    qtrain_accel$out_skid out_skid(
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
        router$clock = clock;
        conv$clock = clock;
        upd$clock = clock;
        out_skid$clock = clock;
        in_skid$in_data = in_data;
        in_skid$in_valid = in_valid;
        in_skid$in_last = in_last;
        in_ready = in_skid$in_ready;
        router$in_data = in_skid$out_data;
        router$in_valid = in_skid$out_valid;
        router$in_last = in_skid$out_last;
        in_skid$out_ready = router$in_ready;
        conv$in_data = router$c_in_data;
        conv$in_valid = router$c_in_valid;
        conv$in_last = router$c_in_last;
        router$c_in_ready = conv$in_ready;
        router$c_out_data = conv$out_data;
        router$c_out_valid = conv$out_valid;
        router$c_out_last = conv$out_last;
        conv$out_ready = router$c_out_ready;
        upd$cmd_valid = router$u_cmd_valid;
        router$u_cmd_ready = upd$cmd_ready;
        upd$cmd_word = router$u_cmd_word;
        upd$cmd_seed = router$u_cmd_seed;
        upd$in_valid = router$u_in_valid;
        router$u_in_ready = upd$in_ready;
        upd$in_last = router$u_in_last;
        upd$w_in$0 = router$u_w$0;
        upd$u_in$0 = router$u_u$0;
        router$u_w_out$0 = upd$w_out$0;
        router$u_q_out$0 = upd$q_out$0;
        upd$w_in$1 = router$u_w$1;
        upd$u_in$1 = router$u_u$1;
        router$u_w_out$1 = upd$w_out$1;
        router$u_q_out$1 = upd$q_out$1;
        upd$w_in$2 = router$u_w$2;
        upd$u_in$2 = router$u_u$2;
        router$u_w_out$2 = upd$w_out$2;
        router$u_q_out$2 = upd$q_out$2;
        upd$w_in$3 = router$u_w$3;
        upd$u_in$3 = router$u_u$3;
        router$u_w_out$3 = upd$w_out$3;
        router$u_q_out$3 = upd$q_out$3;
        upd$w_in$4 = router$u_w$4;
        upd$u_in$4 = router$u_u$4;
        router$u_w_out$4 = upd$w_out$4;
        router$u_q_out$4 = upd$q_out$4;
        upd$w_in$5 = router$u_w$5;
        upd$u_in$5 = router$u_u$5;
        router$u_w_out$5 = upd$w_out$5;
        router$u_q_out$5 = upd$q_out$5;
        upd$w_in$6 = router$u_w$6;
        upd$u_in$6 = router$u_u$6;
        router$u_w_out$6 = upd$w_out$6;
        router$u_q_out$6 = upd$q_out$6;
        upd$w_in$7 = router$u_w$7;
        upd$u_in$7 = router$u_u$7;
        router$u_w_out$7 = upd$w_out$7;
        router$u_q_out$7 = upd$q_out$7;
        upd$w_in$8 = router$u_w$8;
        upd$u_in$8 = router$u_u$8;
        router$u_w_out$8 = upd$w_out$8;
        router$u_q_out$8 = upd$q_out$8;
        upd$w_in$9 = router$u_w$9;
        upd$u_in$9 = router$u_u$9;
        router$u_w_out$9 = upd$w_out$9;
        router$u_q_out$9 = upd$q_out$9;
        upd$w_in$10 = router$u_w$10;
        upd$u_in$10 = router$u_u$10;
        router$u_w_out$10 = upd$w_out$10;
        router$u_q_out$10 = upd$q_out$10;
        upd$w_in$11 = router$u_w$11;
        upd$u_in$11 = router$u_u$11;
        router$u_w_out$11 = upd$w_out$11;
        router$u_q_out$11 = upd$q_out$11;
        upd$w_in$12 = router$u_w$12;
        upd$u_in$12 = router$u_u$12;
        router$u_w_out$12 = upd$w_out$12;
        router$u_q_out$12 = upd$q_out$12;
        upd$w_in$13 = router$u_w$13;
        upd$u_in$13 = router$u_u$13;
        router$u_w_out$13 = upd$w_out$13;
        router$u_q_out$13 = upd$q_out$13;
        upd$w_in$14 = router$u_w$14;
        upd$u_in$14 = router$u_u$14;
        router$u_w_out$14 = upd$w_out$14;
        router$u_q_out$14 = upd$q_out$14;
        upd$w_in$15 = router$u_w$15;
        upd$u_in$15 = router$u_u$15;
        router$u_w_out$15 = upd$w_out$15;
        router$u_q_out$15 = upd$q_out$15;
        router$u_out_valid = upd$out_valid;
        upd$out_ready = router$u_out_ready;
        router$u_out_last = upd$out_last;
        router$u_pack_valid = upd$pack_valid;
        router$u_pack_word = upd$pack_word;
        router$u_sat_count = upd$sat_count;
        router$u_cmd_error = upd$cmd_error;
        out_skid$in_data = router$out_data;
        out_skid$in_valid = router$out_valid;
        out_skid$in_last = router$out_last;
        router$out_ready = out_skid$in_ready;
        out_data = out_skid$out_data;
        out_valid = out_skid$out_valid;
        out_last = out_skid$out_last;
        out_skid$out_ready = out_ready;
    end
    
endmodule

module qtrain_accel$router(clock,in_data,in_valid,in_last,in_ready,out_data,out_valid,out_last,out_ready,c_in_data,c_in_valid,c_in_last,c_in_ready,c_out_data,c_out_valid,c_out_last,c_out_ready,u_cmd_valid,u_cmd_ready,u_cmd_word,u_cmd_seed,u_in_valid,u_in_ready,u_in_last,u_w$0,u_w$1,u_w$2,u_w$3,u_w$4,u_w$5,u_w$6,u_w$7,u_w$8,u_w$9,u_w$10,u_w$11,u_w$12,u_w$13,u_w$14,u_w$15,u_u$0,u_u$1,u_u$2,u_u$3,u_u$4,u_u$5,u_u$6,u_u$7,u_u$8,u_u$9,u_u$10,u_u$11,u_u$12,u_u$13,u_u$14,u_u$15,u_out_valid,u_out_ready,u_out_last,u_w_out$0,u_w_out$1,u_w_out$2,u_w_out$3,u_w_out$4,u_w_out$5,u_w_out$6,u_w_out$7,u_w_out$8,u_w_out$9,u_w_out$10,u_w_out$11,u_w_out$12,u_w_out$13,u_w_out$14,u_w_out$15,u_q_out$0,u_q_out$1,u_q_out$2,u_q_out$3,u_q_out$4,u_q_out$5,u_q_out$6,u_q_out$7,u_q_out$8,u_q_out$9,u_q_out$10,u_q_out$11,u_q_out$12,u_q_out$13,u_q_out$14,u_q_out$15,u_pack_valid,u_pack_word,u_sat_count,u_cmd_error);
    
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
    output reg  [63:0] c_in_data;
    output reg  c_in_valid;
    output reg  c_in_last;
    input wire  c_in_ready;
    input wire  [63:0] c_out_data;
    input wire  c_out_valid;
    input wire  c_out_last;
    output reg  c_out_ready;
    output reg  u_cmd_valid;
    input wire  u_cmd_ready;
    output reg  [63:0] u_cmd_word;
    output reg  [63:0] u_cmd_seed;
    output reg  u_in_valid;
    input wire  u_in_ready;
    output reg  u_in_last;
    output reg  [15:0] u_w$0;
    output reg  [15:0] u_w$1;
    output reg  [15:0] u_w$2;
    output reg  [15:0] u_w$3;
    output reg  [15:0] u_w$4;
    output reg  [15:0] u_w$5;
    output reg  [15:0] u_w$6;
    output reg  [15:0] u_w$7;
    output reg  [15:0] u_w$8;
    output reg  [15:0] u_w$9;
    output reg  [15:0] u_w$10;
    output reg  [15:0] u_w$11;
    output reg  [15:0] u_w$12;
    output reg  [15:0] u_w$13;
    output reg  [15:0] u_w$14;
    output reg  [15:0] u_w$15;
    output reg  [7:0] u_u$0;
    output reg  [7:0] u_u$1;
    output reg  [7:0] u_u$2;
    output reg  [7:0] u_u$3;
    output reg  [7:0] u_u$4;
    output reg  [7:0] u_u$5;
    output reg  [7:0] u_u$6;
    output reg  [7:0] u_u$7;
    output reg  [7:0] u_u$8;
    output reg  [7:0] u_u$9;
    output reg  [7:0] u_u$10;
    output reg  [7:0] u_u$11;
    output reg  [7:0] u_u$12;
    output reg  [7:0] u_u$13;
    output reg  [7:0] u_u$14;
    output reg  [7:0] u_u$15;
    input wire  u_out_valid;
    output reg  u_out_ready;
    input wire  u_out_last;
    input wire  [15:0] u_w_out$0;
    input wire  [15:0] u_w_out$1;
    input wire  [15:0] u_w_out$2;
    input wire  [15:0] u_w_out$3;
    input wire  [15:0] u_w_out$4;
    input wire  [15:0] u_w_out$5;
    input wire  [15:0] u_w_out$6;
    input wire  [15:0] u_w_out$7;
    input wire  [15:0] u_w_out$8;
    input wire  [15:0] u_w_out$9;
    input wire  [15:0] u_w_out$10;
    input wire  [15:0] u_w_out$11;
    input wire  [15:0] u_w_out$12;
    input wire  [15:0] u_w_out$13;
    input wire  [15:0] u_w_out$14;
    input wire  [15:0] u_w_out$15;
    input wire  [15:0] u_q_out$0;
    input wire  [15:0] u_q_out$1;
    input wire  [15:0] u_q_out$2;
    input wire  [15:0] u_q_out$3;
    input wire  [15:0] u_q_out$4;
    input wire  [15:0] u_q_out$5;
    input wire  [15:0] u_q_out$6;
    input wire  [15:0] u_q_out$7;
    input wire  [15:0] u_q_out$8;
    input wire  [15:0] u_q_out$9;
    input wire  [15:0] u_q_out$10;
    input wire  [15:0] u_q_out$11;
    input wire  [15:0] u_q_out$12;
    input wire  [15:0] u_q_out$13;
    input wire  [15:0] u_q_out$14;
    input wire  [15:0] u_q_out$15;
    input wire  u_pack_valid;
    input wire  [63:0] u_pack_word;
    input wire  [31:0] u_sat_count;
    input wire  u_cmd_error;
    
    // Update code (custom)
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
    wire is_cmd = (w[3:0] == 4'hC);
    wire _unused_ok = &{1'b0, in_last, u_out_last};
    reg [63:0] ibuf0, ibuf0_n;
    reg [63:0] ibuf1, ibuf1_n;
    reg [63:0] ibuf2, ibuf2_n;
    reg [63:0] ibuf3, ibuf3_n;
    reg [63:0] ibuf4, ibuf4_n;
    reg [63:0] ibuf5, ibuf5_n;
    initial begin
        state = S_HDR; remaining = 32'd0; images = 32'd0; hdr_lo = 32'd0; cmd0 = 64'd0; cmd1 = 64'd0;
        icnt = 8'd0; pend = 8'd0; ocnt = 8'd0; err = 8'd0; ifull = 1'b0; ilast = 1'b0; trunc = 1'b0; pk = 1'b0; cidx = 4'd0;
        n_cbusy = 64'd0; n_cin = 64'd0; n_cout = 64'd0; n_ubusy = 64'd0; n_uin = 64'd0; n_uout = 64'd0; n_trans = 32'd0; n_err = 32'd0;
        ibuf0 = 64'd0;
        ibuf1 = 64'd0;
        ibuf2 = 64'd0;
        ibuf3 = 64'd0;
        ibuf4 = 64'd0;
        ibuf5 = 64'd0;
    end
    always @(*) begin
        case (ocnt)
            8'd0: beat_word = {u_w_out$3, u_w_out$2, u_w_out$1, u_w_out$0};
            8'd4: beat_word = {u_q_out$3, u_q_out$2, u_q_out$1, u_q_out$0};
            8'd1: beat_word = {u_w_out$7, u_w_out$6, u_w_out$5, u_w_out$4};
            8'd5: beat_word = {u_q_out$7, u_q_out$6, u_q_out$5, u_q_out$4};
            8'd2: beat_word = {u_w_out$11, u_w_out$10, u_w_out$9, u_w_out$8};
            8'd6: beat_word = {u_q_out$11, u_q_out$10, u_q_out$9, u_q_out$8};
            8'd3: beat_word = {u_w_out$15, u_w_out$14, u_w_out$13, u_w_out$12};
            8'd7: beat_word = {u_q_out$15, u_q_out$14, u_q_out$13, u_q_out$12};
            default: beat_word = u_pack_word;
        endcase
        case (cidx)
            4'd0: counter_word = n_cbusy;
            4'd1: counter_word = n_cin;
            4'd2: counter_word = n_cout;
            4'd3: counter_word = n_ubusy;
            4'd4: counter_word = n_uin;
            4'd5: counter_word = n_uout;
            4'd6: counter_word = {31'd0, u_cmd_error, u_sat_count};
            default: counter_word = {n_err, n_trans};
        endcase
        // outputs
        in_ready = 1'b0; out_valid = 1'b0; out_data = 64'd0; out_last = 1'b0;
        c_in_valid = 1'b0; c_out_ready = 1'b0; u_cmd_valid = 1'b0; u_in_valid = 1'b0; u_out_ready = 1'b0;
        c_in_data = in_data; c_in_last = (remaining == 32'd1);
        u_cmd_word = cmd0; u_cmd_seed = cmd1; u_in_last = ilast;
        case (state)
            S_HDR, S_DROP, S_UCMD: in_ready = 1'b1;
            S_ERR: begin out_valid = 1'b1; out_data = {1'b1, 23'd0, err, hdr_lo}; out_last = 1'b1; end
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
                u_out_ready = out_ready && (ocnt == (pk ? 8'd8 : 8'd7));
            end
            S_USTAT: begin out_valid = 1'b1; out_data = {30'd0, trunc, u_cmd_error, u_sat_count}; out_last = 1'b1; end
            S_CNT: begin out_valid = 1'b1; out_data = counter_word; out_last = (cidx == 4'd7); end
            default: ;
        endcase
        u_w$0 = ibuf0[0+:16];
        u_u$0 = ibuf4[0+:8];
        u_w$1 = ibuf0[16+:16];
        u_u$1 = ibuf4[8+:8];
        u_w$2 = ibuf0[32+:16];
        u_u$2 = ibuf4[16+:8];
        u_w$3 = ibuf0[48+:16];
        u_u$3 = ibuf4[24+:8];
        u_w$4 = ibuf1[0+:16];
        u_u$4 = ibuf4[32+:8];
        u_w$5 = ibuf1[16+:16];
        u_u$5 = ibuf4[40+:8];
        u_w$6 = ibuf1[32+:16];
        u_u$6 = ibuf4[48+:8];
        u_w$7 = ibuf1[48+:16];
        u_u$7 = ibuf4[56+:8];
        u_w$8 = ibuf2[0+:16];
        u_u$8 = ibuf5[0+:8];
        u_w$9 = ibuf2[16+:16];
        u_u$9 = ibuf5[8+:8];
        u_w$10 = ibuf2[32+:16];
        u_u$10 = ibuf5[16+:8];
        u_w$11 = ibuf2[48+:16];
        u_u$11 = ibuf5[24+:8];
        u_w$12 = ibuf3[0+:16];
        u_u$12 = ibuf5[32+:8];
        u_w$13 = ibuf3[16+:16];
        u_u$13 = ibuf5[40+:8];
        u_w$14 = ibuf3[32+:16];
        u_u$14 = ibuf5[48+:8];
        u_w$15 = ibuf3[48+:16];
        u_u$15 = ibuf5[56+:8];
    end
    // next state (a block of its own: the outputs above never depend on u_in_ready / u_cmd_ready)
    always @(*) begin
        in_fire = in_valid && in_ready; out_fire = out_valid && out_ready;
        handed = u_in_valid && u_in_ready; done = u_out_ready && u_out_valid;
        state_n = state; remaining_n = remaining; images_n = images; hdr_lo_n = hdr_lo; cmd0_n = cmd0; cmd1_n = cmd1;
        icnt_n = icnt; pend_n = pend; ocnt_n = ocnt; err_n = err; ifull_n = ifull; ilast_n = ilast; trunc_n = trunc; pk_n = pk; cidx_n = cidx;
        n_cbusy_n = n_cbusy; n_cin_n = n_cin; n_cout_n = n_cout; n_ubusy_n = n_ubusy; n_uin_n = n_uin; n_uout_n = n_uout;
        n_trans_n = n_trans; n_err_n = n_err;
        ibuf0_n = ibuf0;
        ibuf1_n = ibuf1;
        ibuf2_n = ibuf2;
        ibuf3_n = ibuf3;
        ibuf4_n = ibuf4;
        ibuf5_n = ibuf5;
        case (state)
            S_HDR: if (in_fire) begin
                n_trans_n = n_trans + 32'd1; hdr_lo_n = w[31:0]; remaining_n = w[63:32];
                if (w[7:4] != 4'hA) begin err_n = 8'd1; state_n = S_ERR; end
                else if (w[31:8] != 24'd0 || w[3:0] == 4'd0 || w[3:0] > 4'd3) begin
                    err_n = 8'd2; state_n = (w[63:32] != 32'd0) ? S_DROP : S_ERR;
                end else if (w[3:0] == 4'd1) begin
                    if (w[63:32] == 32'd0) begin err_n = 8'd3; state_n = S_ERR; end
                    else state_n = S_CONV_FIRST;
                end else if (w[3:0] == 4'd2) begin
                    if (w[63:32] < 32'd2) begin err_n = 8'd3; state_n = (w[63:32] != 32'd0) ? S_DROP : S_ERR; end
                    else begin state_n = S_UCMD; icnt_n = 8'd0; ocnt_n = 8'd0; pend_n = 8'd0; ifull_n = 1'b0; trunc_n = 1'b0; end
                end else begin
                    if (w[63:32] != 32'd0) begin err_n = 8'd3; state_n = S_DROP; end
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
                    if (is_cmd) begin n_cin_n = n_cin + 64'd1; images_n = {16'd0, w[48+:16]} + 32'd1; state_n = S_CONV; end
                    else begin err_n = 8'd4; state_n = (remaining == 32'd1) ? S_ERR : S_DROP; end
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
                    case (icnt)
                        8'd0: ibuf0_n = w;
                        8'd1: ibuf1_n = w;
                        8'd2: ibuf2_n = w;
                        8'd3: ibuf3_n = w;
                        8'd4: ibuf4_n = w;
                        8'd5: ibuf5_n = w;
                        default: ;
                    endcase
                    if (icnt == 8'd5) begin icnt_n = 8'd0; ifull_n = 1'b1; ilast_n = (remaining == 32'd1); end
                    else icnt_n = icnt + 8'd1;
                end
                if (handed) ifull_n = 1'b0;
                if (out_fire) begin
                    n_uout_n = n_uout + 64'd1;
                    ocnt_n = done ? 8'd0 : ocnt + 8'd1;
                    if (ocnt == 8'd0) pk_n = u_pack_valid;
                end
                pend_n = pend + {7'd0, handed} - {7'd0, done};
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
                if (cidx == 4'd7) state_n = S_HDR;
            end
            default: ;
        endcase
    end
    always @(posedge clock) begin
        state <= state_n; remaining <= remaining_n; images <= images_n; hdr_lo <= hdr_lo_n; cmd0 <= cmd0_n; cmd1 <= cmd1_n;
        icnt <= icnt_n; pend <= pend_n; ocnt <= ocnt_n; err <= err_n; ifull <= ifull_n; ilast <= ilast_n; trunc <= trunc_n; pk <= pk_n; cidx <= cidx_n;
        n_cbusy <= n_cbusy_n; n_cin <= n_cin_n; n_cout <= n_cout_n; n_ubusy <= n_ubusy_n; n_uin <= n_uin_n; n_uout <= n_uout_n;
        n_trans <= n_trans_n; n_err <= n_err_n;
        ibuf0 <= ibuf0_n;
        ibuf1 <= ibuf1_n;
        ibuf2 <= ibuf2_n;
        ibuf3 <= ibuf3_n;
        ibuf4 <= ibuf4_n;
        ibuf5 <= ibuf5_n;
    end
endmodule
