## PYNQ-Z2 (TUL), part xc7z020clg400-1 — constraints for the qtrain block design build
## (bitstreams/vivado/build.tcl pynq-z2). Pin numbers follow the PYNQ-Z2 master XDC (rev. B);
## check them against your board's files before programming.
##
## The accelerator runs on the PS's FCLK_CLK0 (100 MHz, set in the block design), which Vivado
## constrains automatically from the processing_system7 IP. The 125 MHz board oscillator on H16 is
## constrained here for designs that clock the core from it instead (e.g. the out-of-context build).

set_property -dict {PACKAGE_PIN H16 IOSTANDARD LVCMOS33} [get_ports -quiet sysclk]
create_clock -quiet -name sysclk -period 8.000 -waveform {0.000 4.000} [get_ports -quiet sysclk]

## Status LEDs LD0..LD3 (optional ports of a board wrapper: heartbeat, stream stalled, ...)
set_property -dict {PACKAGE_PIN R14 IOSTANDARD LVCMOS33} [get_ports -quiet {led[0]}]
set_property -dict {PACKAGE_PIN P14 IOSTANDARD LVCMOS33} [get_ports -quiet {led[1]}]
set_property -dict {PACKAGE_PIN N16 IOSTANDARD LVCMOS33} [get_ports -quiet {led[2]}]
set_property -dict {PACKAGE_PIN M14 IOSTANDARD LVCMOS33} [get_ports -quiet {led[3]}]

## Bitstream options
set_property BITSTREAM.GENERAL.COMPRESS TRUE [current_design]
set_property CFGBVS VCCO [current_design]
set_property CONFIG_VOLTAGE 3.3 [current_design]
