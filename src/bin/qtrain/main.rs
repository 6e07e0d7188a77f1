//! `qtrain`: the golden model's command line. Each group of subcommands lives in its own file and turns
//! flags into a validated config before calling the library.

mod data_cmd;
mod theory_cmd;
mod train_cmd;

use clap::{Parser, Subcommand};

/// Train quantized networks the way Li, De et al. (2017) analyse them, and check the theory.
#[derive(Parser)]
#[command(name = "qtrain", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    #[command(flatten)]
    Data(data_cmd::DataCommands),
    #[command(flatten)]
    Train(train_cmd::TrainCommands),
    #[command(flatten)]
    Theory(theory_cmd::TheoryCommands),
}

fn main() {
    let result = match Cli::parse().cmd {
        Cmd::Data(c) => c.run(),
        Cmd::Train(c) => c.run(),
        Cmd::Theory(c) => c.run(),
    };
    // Errors are for users: the message chain, no backtrace, exit status 1.
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
