## ZCU104 (Xilinx), part xczu7ev-ffvc1156-2-e — constraints for the qtrain block design build
## (bitstreams/vivado/build.tcl zcu104). The core runs on the PS's pl_clk0 (set to 200 MHz in the block
## design), which Vivado constrains from the zynq_ultra_ps_e IP. The 125 MHz user clock (differential,
## F23/E23 per the ZCU104 master XDC) is constrained for out-of-context experiments.
set_property -dict {PACKAGE_PIN F23 IOSTANDARD LVDS} [get_ports -quiet clk_125_p]
set_property -dict {PACKAGE_PIN E23 IOSTANDARD LVDS} [get_ports -quiet clk_125_n]
create_clock -quiet -name clk_125 -period 8.000 [get_ports -quiet clk_125_p]
## User LEDs 0..3
set_property -dict {PACKAGE_PIN D5 IOSTANDARD LVCMOS33} [get_ports -quiet {led[0]}]
set_property -dict {PACKAGE_PIN D6 IOSTANDARD LVCMOS33} [get_ports -quiet {led[1]}]
set_property -dict {PACKAGE_PIN A5 IOSTANDARD LVCMOS33} [get_ports -quiet {led[2]}]
set_property -dict {PACKAGE_PIN B5 IOSTANDARD LVCMOS33} [get_ports -quiet {led[3]}]
set_property BITSTREAM.GENERAL.COMPRESS TRUE [current_design]
