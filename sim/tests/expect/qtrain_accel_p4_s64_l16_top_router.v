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
    
    // Stub signals
    reg  [587:0] regs$d;
    wire  [587:0] regs$q;
    reg  regs$clock;
    reg  [3:0] ctl$r_state;
    reg  [31:0] ctl$r_remaining;
    reg  [31:0] ctl$r_images;
    reg  ctl$r_ifull;
    reg  ctl$r_ilast;
    reg  ctl$r_pk;
    reg  [7:0] ctl$r_ocnt;
    reg  [7:0] ctl$r_icnt;
    reg  [3:0] ctl$r_cidx;
    reg  ctl$in_valid;
    reg  ctl$h_conv_cmd;
    reg  ctl$out_ready;
    reg  ctl$c_in_ready;
    reg  ctl$c_out_valid;
    reg  ctl$c_out_last;
    reg  ctl$u_out_valid;
    wire  ctl$in_ready;
    wire  ctl$out_valid;
    wire  ctl$out_last;
    wire  [2:0] ctl$out_sel;
    wire  ctl$c_in_valid;
    wire  ctl$c_in_last;
    wire  ctl$c_out_ready;
    wire  ctl$u_cmd_valid;
    wire  ctl$u_in_valid;
    wire  ctl$u_in_last;
    wire  ctl$u_out_ready;
    wire  ctl$shift;
    wire  ctl$ld_cmd0;
    wire  ctl$ld_cmd1;
    reg  [587:0] next$regs;
    reg  next$in_valid;
    reg  [3:0] next$h_op;
    reg  [3:0] next$h_tag;
    reg  next$h_rsvd_zero;
    reg  [31:0] next$h_len;
    reg  [31:0] next$h_lo;
    reg  next$h_conv_cmd;
    reg  [15:0] next$h_images;
    reg  next$in_ready;
    reg  next$out_valid;
    reg  next$out_ready;
    reg  next$c_out_last;
    reg  next$u_cmd_ready;
    reg  next$u_in_valid;
    reg  next$u_in_ready;
    reg  next$u_out_valid;
    reg  next$u_out_ready;
    reg  next$u_pack_valid;
    wire  [587:0] next$regs_n;
    reg  data$clock;
    reg  [63:0] data$in_data;
    reg  data$in_last;
    reg  data$u_out_last;
    reg  data$shift;
    reg  data$ld_cmd0;
    reg  data$ld_cmd1;
    reg  [2:0] data$out_sel;
    reg  [7:0] data$err;
    reg  [31:0] data$hdr_lo;
    reg  data$trunc;
    reg  [7:0] data$ocnt;
    reg  [3:0] data$cidx;
    reg  [63:0] data$n_conv_busy;
    reg  [63:0] data$n_conv_in;
    reg  [63:0] data$n_conv_out;
    reg  [63:0] data$n_update_busy;
    reg  [63:0] data$n_update_in;
    reg  [63:0] data$n_update_out;
    reg  [31:0] data$n_trans;
    reg  [31:0] data$n_err;
    wire  [3:0] data$h_op;
    wire  [3:0] data$h_tag;
    wire  data$h_rsvd_zero;
    wire  [31:0] data$h_len;
    wire  [31:0] data$h_lo;
    wire  data$h_conv_cmd;
    wire  [15:0] data$h_images;
    wire  [63:0] data$c_in_data;
    reg  [63:0] data$c_out_data;
    wire  [63:0] data$out_data;
    wire  [63:0] data$u_cmd_word;
    wire  [63:0] data$u_cmd_seed;
    wire  [15:0] data$u_w$0;
    wire  [15:0] data$u_w$1;
    wire  [15:0] data$u_w$2;
    wire  [15:0] data$u_w$3;
    wire  [15:0] data$u_w$4;
    wire  [15:0] data$u_w$5;
    wire  [15:0] data$u_w$6;
    wire  [15:0] data$u_w$7;
    wire  [15:0] data$u_w$8;
    wire  [15:0] data$u_w$9;
    wire  [15:0] data$u_w$10;
    wire  [15:0] data$u_w$11;
    wire  [15:0] data$u_w$12;
    wire  [15:0] data$u_w$13;
    wire  [15:0] data$u_w$14;
    wire  [15:0] data$u_w$15;
    wire  [7:0] data$u_u$0;
    wire  [7:0] data$u_u$1;
    wire  [7:0] data$u_u$2;
    wire  [7:0] data$u_u$3;
    wire  [7:0] data$u_u$4;
    wire  [7:0] data$u_u$5;
    wire  [7:0] data$u_u$6;
    wire  [7:0] data$u_u$7;
    wire  [7:0] data$u_u$8;
    wire  [7:0] data$u_u$9;
    wire  [7:0] data$u_u$10;
    wire  [7:0] data$u_u$11;
    wire  [7:0] data$u_u$12;
    wire  [7:0] data$u_u$13;
    wire  [7:0] data$u_u$14;
    wire  [7:0] data$u_u$15;
    reg  [15:0] data$u_w_out$0;
    reg  [15:0] data$u_w_out$1;
    reg  [15:0] data$u_w_out$2;
    reg  [15:0] data$u_w_out$3;
    reg  [15:0] data$u_w_out$4;
    reg  [15:0] data$u_w_out$5;
    reg  [15:0] data$u_w_out$6;
    reg  [15:0] data$u_w_out$7;
    reg  [15:0] data$u_w_out$8;
    reg  [15:0] data$u_w_out$9;
    reg  [15:0] data$u_w_out$10;
    reg  [15:0] data$u_w_out$11;
    reg  [15:0] data$u_w_out$12;
    reg  [15:0] data$u_w_out$13;
    reg  [15:0] data$u_w_out$14;
    reg  [15:0] data$u_w_out$15;
    reg  [15:0] data$u_q_out$0;
    reg  [15:0] data$u_q_out$1;
    reg  [15:0] data$u_q_out$2;
    reg  [15:0] data$u_q_out$3;
    reg  [15:0] data$u_q_out$4;
    reg  [15:0] data$u_q_out$5;
    reg  [15:0] data$u_q_out$6;
    reg  [15:0] data$u_q_out$7;
    reg  [15:0] data$u_q_out$8;
    reg  [15:0] data$u_q_out$9;
    reg  [15:0] data$u_q_out$10;
    reg  [15:0] data$u_q_out$11;
    reg  [15:0] data$u_q_out$12;
    reg  [15:0] data$u_q_out$13;
    reg  [15:0] data$u_q_out$14;
    reg  [15:0] data$u_q_out$15;
    reg  [63:0] data$u_pack_word;
    reg  [31:0] data$u_sat_count;
    reg  data$u_cmd_error;
    
    // Sub module instances
    qtrain_accel$router$regs regs(
        .d(regs$d),
        .q(regs$q),
        .clock(regs$clock)
    );
    qtrain_accel$router$ctl ctl(
        .r_state(ctl$r_state),
        .r_remaining(ctl$r_remaining),
        .r_images(ctl$r_images),
        .r_ifull(ctl$r_ifull),
        .r_ilast(ctl$r_ilast),
        .r_pk(ctl$r_pk),
        .r_ocnt(ctl$r_ocnt),
        .r_icnt(ctl$r_icnt),
        .r_cidx(ctl$r_cidx),
        .in_valid(ctl$in_valid),
        .h_conv_cmd(ctl$h_conv_cmd),
        .out_ready(ctl$out_ready),
        .c_in_ready(ctl$c_in_ready),
        .c_out_valid(ctl$c_out_valid),
        .c_out_last(ctl$c_out_last),
        .u_out_valid(ctl$u_out_valid),
        .in_ready(ctl$in_ready),
        .out_valid(ctl$out_valid),
        .out_last(ctl$out_last),
        .out_sel(ctl$out_sel),
        .c_in_valid(ctl$c_in_valid),
        .c_in_last(ctl$c_in_last),
        .c_out_ready(ctl$c_out_ready),
        .u_cmd_valid(ctl$u_cmd_valid),
        .u_in_valid(ctl$u_in_valid),
        .u_in_last(ctl$u_in_last),
        .u_out_ready(ctl$u_out_ready),
        .shift(ctl$shift),
        .ld_cmd0(ctl$ld_cmd0),
        .ld_cmd1(ctl$ld_cmd1)
    );
    qtrain_accel$router$next next(
        .regs(next$regs),
        .in_valid(next$in_valid),
        .h_op(next$h_op),
        .h_tag(next$h_tag),
        .h_rsvd_zero(next$h_rsvd_zero),
        .h_len(next$h_len),
        .h_lo(next$h_lo),
        .h_conv_cmd(next$h_conv_cmd),
        .h_images(next$h_images),
        .in_ready(next$in_ready),
        .out_valid(next$out_valid),
        .out_ready(next$out_ready),
        .c_out_last(next$c_out_last),
        .u_cmd_ready(next$u_cmd_ready),
        .u_in_valid(next$u_in_valid),
        .u_in_ready(next$u_in_ready),
        .u_out_valid(next$u_out_valid),
        .u_out_ready(next$u_out_ready),
        .u_pack_valid(next$u_pack_valid),
        .regs_n(next$regs_n)
    );
    qtrain_accel$router$data data(
        .clock(data$clock),
        .in_data(data$in_data),
        .in_last(data$in_last),
        .u_out_last(data$u_out_last),
        .shift(data$shift),
        .ld_cmd0(data$ld_cmd0),
        .ld_cmd1(data$ld_cmd1),
        .out_sel(data$out_sel),
        .err(data$err),
        .hdr_lo(data$hdr_lo),
        .trunc(data$trunc),
        .ocnt(data$ocnt),
        .cidx(data$cidx),
        .n_conv_busy(data$n_conv_busy),
        .n_conv_in(data$n_conv_in),
        .n_conv_out(data$n_conv_out),
        .n_update_busy(data$n_update_busy),
        .n_update_in(data$n_update_in),
        .n_update_out(data$n_update_out),
        .n_trans(data$n_trans),
        .n_err(data$n_err),
        .h_op(data$h_op),
        .h_tag(data$h_tag),
        .h_rsvd_zero(data$h_rsvd_zero),
        .h_len(data$h_len),
        .h_lo(data$h_lo),
        .h_conv_cmd(data$h_conv_cmd),
        .h_images(data$h_images),
        .c_in_data(data$c_in_data),
        .c_out_data(data$c_out_data),
        .out_data(data$out_data),
        .u_cmd_word(data$u_cmd_word),
        .u_cmd_seed(data$u_cmd_seed),
        .u_w$0(data$u_w$0),
        .u_w$1(data$u_w$1),
        .u_w$2(data$u_w$2),
        .u_w$3(data$u_w$3),
        .u_w$4(data$u_w$4),
        .u_w$5(data$u_w$5),
        .u_w$6(data$u_w$6),
        .u_w$7(data$u_w$7),
        .u_w$8(data$u_w$8),
        .u_w$9(data$u_w$9),
        .u_w$10(data$u_w$10),
        .u_w$11(data$u_w$11),
        .u_w$12(data$u_w$12),
        .u_w$13(data$u_w$13),
        .u_w$14(data$u_w$14),
        .u_w$15(data$u_w$15),
        .u_u$0(data$u_u$0),
        .u_u$1(data$u_u$1),
        .u_u$2(data$u_u$2),
        .u_u$3(data$u_u$3),
        .u_u$4(data$u_u$4),
        .u_u$5(data$u_u$5),
        .u_u$6(data$u_u$6),
        .u_u$7(data$u_u$7),
        .u_u$8(data$u_u$8),
        .u_u$9(data$u_u$9),
        .u_u$10(data$u_u$10),
        .u_u$11(data$u_u$11),
        .u_u$12(data$u_u$12),
        .u_u$13(data$u_u$13),
        .u_u$14(data$u_u$14),
        .u_u$15(data$u_u$15),
        .u_w_out$0(data$u_w_out$0),
        .u_w_out$1(data$u_w_out$1),
        .u_w_out$2(data$u_w_out$2),
        .u_w_out$3(data$u_w_out$3),
        .u_w_out$4(data$u_w_out$4),
        .u_w_out$5(data$u_w_out$5),
        .u_w_out$6(data$u_w_out$6),
        .u_w_out$7(data$u_w_out$7),
        .u_w_out$8(data$u_w_out$8),
        .u_w_out$9(data$u_w_out$9),
        .u_w_out$10(data$u_w_out$10),
        .u_w_out$11(data$u_w_out$11),
        .u_w_out$12(data$u_w_out$12),
        .u_w_out$13(data$u_w_out$13),
        .u_w_out$14(data$u_w_out$14),
        .u_w_out$15(data$u_w_out$15),
        .u_q_out$0(data$u_q_out$0),
        .u_q_out$1(data$u_q_out$1),
        .u_q_out$2(data$u_q_out$2),
        .u_q_out$3(data$u_q_out$3),
        .u_q_out$4(data$u_q_out$4),
        .u_q_out$5(data$u_q_out$5),
        .u_q_out$6(data$u_q_out$6),
        .u_q_out$7(data$u_q_out$7),
        .u_q_out$8(data$u_q_out$8),
        .u_q_out$9(data$u_q_out$9),
        .u_q_out$10(data$u_q_out$10),
        .u_q_out$11(data$u_q_out$11),
        .u_q_out$12(data$u_q_out$12),
        .u_q_out$13(data$u_q_out$13),
        .u_q_out$14(data$u_q_out$14),
        .u_q_out$15(data$u_q_out$15),
        .u_pack_word(data$u_pack_word),
        .u_sat_count(data$u_sat_count),
        .u_cmd_error(data$u_cmd_error)
    );
    
    // Update code
    always @(*) begin
        regs$clock = clock;
        regs$d = regs$q;
        data$clock = clock;
        regs$d = next$regs_n;
        ctl$r_state = regs$q[(64'h0)+:(4)];
        ctl$r_remaining = regs$q[(64'h4)+:(32)];
        ctl$r_images = regs$q[(64'h24)+:(32)];
        ctl$r_ifull = regs$q[(64'h84)+:(1)];
        ctl$r_ilast = regs$q[(64'h85)+:(1)];
        ctl$r_pk = regs$q[(64'h87)+:(1)];
        ctl$r_ocnt = regs$q[(64'h74)+:(8)];
        ctl$r_icnt = regs$q[(64'h64)+:(8)];
        ctl$r_cidx = regs$q[(64'h88)+:(4)];
        next$regs = regs$q;
        data$in_data = in_data;
        data$in_last = in_last;
        ctl$in_valid = in_valid;
        next$in_valid = in_valid;
        ctl$h_conv_cmd = data$h_conv_cmd;
        next$h_op = data$h_op;
        next$h_tag = data$h_tag;
        next$h_rsvd_zero = data$h_rsvd_zero;
        next$h_len = data$h_len;
        next$h_lo = data$h_lo;
        next$h_conv_cmd = data$h_conv_cmd;
        next$h_images = data$h_images;
        in_ready = ctl$in_ready;
        next$in_ready = ctl$in_ready;
        ctl$out_ready = out_ready;
        next$out_ready = out_ready;
        out_valid = ctl$out_valid;
        next$out_valid = ctl$out_valid;
        out_last = ctl$out_last;
        out_data = data$out_data;
        data$out_sel = ctl$out_sel;
        data$err = regs$q[(64'h7c)+:(8)];
        data$hdr_lo = regs$q[(64'h44)+:(32)];
        data$trunc = regs$q[(64'h86)+:(1)];
        data$ocnt = regs$q[(64'h74)+:(8)];
        data$cidx = regs$q[(64'h88)+:(4)];
        data$n_conv_busy = regs$q[(64'h8c)+:(64)];
        data$n_conv_in = regs$q[(64'hcc)+:(64)];
        data$n_conv_out = regs$q[(64'h10c)+:(64)];
        data$n_update_busy = regs$q[(64'h14c)+:(64)];
        data$n_update_in = regs$q[(64'h18c)+:(64)];
        data$n_update_out = regs$q[(64'h1cc)+:(64)];
        data$n_trans = regs$q[(64'h20c)+:(32)];
        data$n_err = regs$q[(64'h22c)+:(32)];
        c_in_data = data$c_in_data;
        c_in_valid = ctl$c_in_valid;
        c_in_last = ctl$c_in_last;
        ctl$c_in_ready = c_in_ready;
        data$c_out_data = c_out_data;
        ctl$c_out_valid = c_out_valid;
        ctl$c_out_last = c_out_last;
        next$c_out_last = c_out_last;
        c_out_ready = ctl$c_out_ready;
        data$shift = ctl$shift;
        data$ld_cmd0 = ctl$ld_cmd0;
        data$ld_cmd1 = ctl$ld_cmd1;
        u_cmd_valid = ctl$u_cmd_valid;
        next$u_cmd_ready = u_cmd_ready;
        u_cmd_word = data$u_cmd_word;
        u_cmd_seed = data$u_cmd_seed;
        u_in_valid = ctl$u_in_valid;
        next$u_in_valid = ctl$u_in_valid;
        next$u_in_ready = u_in_ready;
        u_in_last = ctl$u_in_last;
        u_w$0 = data$u_w$0;
        u_u$0 = data$u_u$0;
        data$u_w_out$0 = u_w_out$0;
        data$u_q_out$0 = u_q_out$0;
        u_w$1 = data$u_w$1;
        u_u$1 = data$u_u$1;
        data$u_w_out$1 = u_w_out$1;
        data$u_q_out$1 = u_q_out$1;
        u_w$2 = data$u_w$2;
        u_u$2 = data$u_u$2;
        data$u_w_out$2 = u_w_out$2;
        data$u_q_out$2 = u_q_out$2;
        u_w$3 = data$u_w$3;
        u_u$3 = data$u_u$3;
        data$u_w_out$3 = u_w_out$3;
        data$u_q_out$3 = u_q_out$3;
        u_w$4 = data$u_w$4;
        u_u$4 = data$u_u$4;
        data$u_w_out$4 = u_w_out$4;
        data$u_q_out$4 = u_q_out$4;
        u_w$5 = data$u_w$5;
        u_u$5 = data$u_u$5;
        data$u_w_out$5 = u_w_out$5;
        data$u_q_out$5 = u_q_out$5;
        u_w$6 = data$u_w$6;
        u_u$6 = data$u_u$6;
        data$u_w_out$6 = u_w_out$6;
        data$u_q_out$6 = u_q_out$6;
        u_w$7 = data$u_w$7;
        u_u$7 = data$u_u$7;
        data$u_w_out$7 = u_w_out$7;
        data$u_q_out$7 = u_q_out$7;
        u_w$8 = data$u_w$8;
        u_u$8 = data$u_u$8;
        data$u_w_out$8 = u_w_out$8;
        data$u_q_out$8 = u_q_out$8;
        u_w$9 = data$u_w$9;
        u_u$9 = data$u_u$9;
        data$u_w_out$9 = u_w_out$9;
        data$u_q_out$9 = u_q_out$9;
        u_w$10 = data$u_w$10;
        u_u$10 = data$u_u$10;
        data$u_w_out$10 = u_w_out$10;
        data$u_q_out$10 = u_q_out$10;
        u_w$11 = data$u_w$11;
        u_u$11 = data$u_u$11;
        data$u_w_out$11 = u_w_out$11;
        data$u_q_out$11 = u_q_out$11;
        u_w$12 = data$u_w$12;
        u_u$12 = data$u_u$12;
        data$u_w_out$12 = u_w_out$12;
        data$u_q_out$12 = u_q_out$12;
        u_w$13 = data$u_w$13;
        u_u$13 = data$u_u$13;
        data$u_w_out$13 = u_w_out$13;
        data$u_q_out$13 = u_q_out$13;
        u_w$14 = data$u_w$14;
        u_u$14 = data$u_u$14;
        data$u_w_out$14 = u_w_out$14;
        data$u_q_out$14 = u_q_out$14;
        u_w$15 = data$u_w$15;
        u_u$15 = data$u_u$15;
        data$u_w_out$15 = u_w_out$15;
        data$u_q_out$15 = u_q_out$15;
        ctl$u_out_valid = u_out_valid;
        next$u_out_valid = u_out_valid;
        u_out_ready = ctl$u_out_ready;
        next$u_out_ready = ctl$u_out_ready;
        data$u_out_last = u_out_last;
        next$u_pack_valid = u_pack_valid;
        data$u_pack_word = u_pack_word;
        data$u_sat_count = u_sat_count;
        data$u_cmd_error = u_cmd_error;
    end
    
endmodule
