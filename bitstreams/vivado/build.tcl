# Non-project Vivado build of the qtrain accelerator.  NOT RUN IN CI (Vivado cannot be installed there);
# every step that open tools can check (export, lint, simulation, yosys synthesis, ECP5 bitstream) is.
#
#   vivado -mode batch -source bitstreams/vivado/build.tcl -tclargs BOARD EXPORT_DIR OUT_DIR [MODE]
#     BOARD      pynq-z2 | zcu104
#     EXPORT_DIR what `sim export --out DIR` wrote (qtrain_accel.v, the accelerator top, + params.toml)
#     OUT_DIR    where reports, checkpoints and the bitstream go
#     MODE       bd  (default): Zynq block design, AXI DMA <-> core, bitstream + .hwh for PYNQ
#                ooc: the bare core out of context: utilisation + timing only, no bitstream
#
# Exit status is non-zero when a step fails or when routed timing is not met.

proc die {msg} { puts "ERROR: $msg"; exit 1 }
if {[llength $argv] < 3} { die "usage: -tclargs BOARD EXPORT_DIR OUT_DIR \[bd|ooc\]" }
set board      [lindex $argv 0]
set export_dir [file normalize [lindex $argv 1]]
set out_dir    [file normalize [lindex $argv 2]]
set mode       [expr {[llength $argv] > 3 ? [lindex $argv 3] : "bd"}]
set here       [file dirname [file normalize [info script]]]
set repo       [file normalize $here/../..]

switch -- $board {
    pynq-z2 { set part xc7z020clg400-1;      set ps_vlnv xilinx.com:ip:processing_system7:5.5; set fclk_mhz 100 }
    zcu104  { set part xczu7ev-ffvc1156-2-e; set ps_vlnv xilinx.com:ip:zynq_ultra_ps_e:3.5;   set fclk_mhz 200 }
    default { die "unknown board '$board' (expected pynq-z2 or zcu104)" }
}
if {$mode ni {bd ooc}} { die "unknown mode '$mode' (expected bd or ooc)" }
set core_v $export_dir/qtrain_accel.v
if {![file exists $core_v]} { die "$core_v not found: run `cargo run --release --bin sim -- export --out $export_dir` first" }
set xdc_dir $repo/constraints/$board
file mkdir $out_dir

create_project -in_memory -part $part
set_property target_language Verilog [current_project]
add_files -norecurse [list $core_v $repo/bitstreams/rtl/qtrain_accel_axis.v]

if {$mode eq "ooc"} {
    read_xdc $xdc_dir/core_ooc.xdc
    synth_design -top qtrain_accel -part $part -mode out_of_context -flatten_hierarchy rebuilt
    set top qtrain_accel
} else {
    # ---- block design: PS + AXI DMA + core ----------------------------------------------------------
    create_bd_design -dir $out_dir/bd qtrain_bd
    set ps [create_bd_cell -type ip -vlnv $ps_vlnv ps]
    if {$board eq "pynq-z2"} {
        # PYNQ-Z2 PS7 settings (the board preset's DDR3 and UART; FCLK0 for the PL; HP0 for the DMA).
        set_property -dict [list \
            CONFIG.PCW_PRESET_BANK1_VOLTAGE {LVCMOS 1.8V} \
            CONFIG.PCW_UIPARAM_DDR_PARTNO {MT41K256M16 RE-125} \
            CONFIG.PCW_UIPARAM_DDR_BUS_WIDTH {16 Bit} \
            CONFIG.PCW_UART0_PERIPHERAL_ENABLE {1} CONFIG.PCW_UART0_UART0_IO {MIO 14 .. 15} \
            CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $fclk_mhz \
            CONFIG.PCW_USE_S_AXI_HP0 {1} CONFIG.PCW_S_AXI_HP0_DATA_WIDTH {64} \
            CONFIG.PCW_USE_FABRIC_INTERRUPT {1} CONFIG.PCW_IRQ_F2P_INTR {1}] $ps
        apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
            -config {make_external "FIXED_IO, DDR" Master "Disable" Slave "Disable"} $ps
        set clk_pin ps/FCLK_CLK0; set gp ps/M_AXI_GP0; set hp ps/S_AXI_HP0; set irq ps/IRQ_F2P
    } else {
        set_property -dict [list \
            CONFIG.PSU__FPGA_PL0_ENABLE {1} CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $fclk_mhz \
            CONFIG.PSU__USE__M_AXI_GP0 {0} CONFIG.PSU__USE__M_AXI_GP2 {1} \
            CONFIG.PSU__USE__S_AXI_GP2 {1} CONFIG.PSU__USE__IRQ0 {1}] $ps
        apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "0"} $ps
        set clk_pin ps/pl_clk0; set gp ps/M_AXI_HPM0_LPD; set hp ps/S_AXI_HP0_FPD; set irq ps/pl_ps_irq0
    }
    set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 dma]
    set_property -dict [list CONFIG.c_include_sg {0} CONFIG.c_sg_length_width {26} \
        CONFIG.c_m_axi_mm2s_data_width {64} CONFIG.c_m_axis_mm2s_tdata_width {64} \
        CONFIG.c_m_axi_s2mm_data_width {64} CONFIG.c_s_axis_s2mm_tdata_width {64} \
        CONFIG.c_mm2s_burst_size {64} CONFIG.c_s2mm_burst_size {64}] $dma
    create_bd_cell -type module -reference qtrain_accel_axis accel
    connect_bd_intf_net [get_bd_intf_pins dma/M_AXIS_MM2S] [get_bd_intf_pins accel/s_axis]
    connect_bd_intf_net [get_bd_intf_pins accel/m_axis] [get_bd_intf_pins dma/S_AXIS_S2MM]
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /$gp Clk $clk_pin] [get_bd_intf_pins dma/S_AXI_LITE]
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Slave /$hp Clk $clk_pin] [get_bd_intf_pins dma/M_AXI_MM2S]
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Slave /$hp Clk $clk_pin] [get_bd_intf_pins dma/M_AXI_S2MM]
    apply_bd_automation -rule xilinx.com:bd_rule:clkrst -config [list Clk $clk_pin] [get_bd_pins accel/aclk]
    set cat [create_bd_cell -type ip -vlnv xilinx.com:ip:xlconcat:2.1 irq_concat]
    set_property CONFIG.NUM_PORTS {2} $cat
    connect_bd_net [get_bd_pins dma/mm2s_introut] [get_bd_pins irq_concat/In0]
    connect_bd_net [get_bd_pins dma/s2mm_introut] [get_bd_pins irq_concat/In1]
    connect_bd_net [get_bd_pins irq_concat/dout] [get_bd_pins $irq]
    assign_bd_address
    validate_bd_design
    save_bd_design
    set bd_file [get_files qtrain_bd.bd]
    generate_target all $bd_file
    set wrapper [make_wrapper -files $bd_file -top]
    add_files -norecurse $wrapper
    read_xdc $xdc_dir/[expr {$board eq "pynq-z2" ? "pynq_z2.xdc" : "zcu104.xdc"}]
    synth_design -top qtrain_bd_wrapper -part $part
    set top qtrain_bd_wrapper
}

write_checkpoint -force $out_dir/post_synth.dcp
report_utilization -file $out_dir/utilization_synth.rpt
opt_design
place_design
phys_opt_design
route_design
write_checkpoint -force $out_dir/post_route.dcp
report_utilization    -file $out_dir/utilization_routed.rpt
report_utilization    -hierarchical -file $out_dir/utilization_hier.rpt
report_timing_summary -max_paths 20 -report_unconstrained -file $out_dir/timing_routed.rpt
report_drc            -file $out_dir/drc_routed.rpt
set wns [get_property SLACK [get_timing_paths -delay_type max -max_paths 1]]
puts "qtrain: $board $mode routed, worst setup slack $wns ns"
if {$wns ne "" && $wns < 0} { die "setup timing not met (WNS $wns ns): see $out_dir/timing_routed.rpt" }
if {$mode eq "bd"} {
    write_bitstream -force $out_dir/qtrain_$board.bit
    # PYNQ's Overlay loader wants the hardware handoff beside the bitstream, with the same base name.
    set hwh [glob -nocomplain $out_dir/bd/qtrain_bd/hw_handoff/qtrain_bd.hwh]
    if {$hwh ne ""} { file copy -force $hwh $out_dir/qtrain_$board.hwh }
    puts "qtrain: wrote $out_dir/qtrain_$board.bit"
}
