## Out-of-context constraints for the bare core on UltraScale+: 5 ns = the 200 MHz pl_clk0 target.
create_clock -name clock -period 5.000 [get_ports clock]
set_input_delay  -clock clock 1.000 [get_ports -filter {DIRECTION == IN && NAME != "clock"}]
set_output_delay -clock clock 1.000 [get_ports -filter {DIRECTION == OUT}]
