// A small design for the fit-check test: one 64-lane XNOR-popcount PE with a registered accumulator.
module xnor_popcount (
  input  wire        clock,
  input  wire        clear,
  input  wire [63:0] act,
  input  wire [63:0] weight,
  output reg  [15:0] acc
);
  wire [63:0] x = ~(act ^ weight);
  integer i;
  reg [6:0] pop;
  always @(*) begin
    pop = 7'd0;
    for (i = 0; i < 64; i = i + 1) pop = pop + x[i];
  end
  always @(posedge clock) acc <= clear ? 16'd0 : acc + pop;
endmodule
