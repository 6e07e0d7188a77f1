## Out-of-context constraints for the bare core `qtrain_conv_engine` (utilisation and timing, no bitstream).
## 10 ns = the 100 MHz FCLK_CLK0 the PYNQ-Z2 block design gives the core. All stream ports are
## registered inside the core; the I/O delays model a register in the neighbouring AXIS IP.
create_clock -name clock -period 10.000 [get_ports clock]
set_input_delay  -clock clock 2.000 [get_ports -filter {DIRECTION == IN && NAME != "clock"}]
set_output_delay -clock clock 2.000 [get_ports -filter {DIRECTION == OUT}]
