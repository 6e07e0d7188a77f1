//! `sim`: the cycle-accurate simulator and host driver of the qtrain accelerator (under construction).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "sim {}: the accelerator simulator is not built yet (args: {:?}); see the open issue `sim --net vgg-bc`.",
        env!("CARGO_PKG_VERSION"),
        args
    );
}
