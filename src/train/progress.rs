//! The progress bar both training loops (`train::run`, `train::integer::run`) draw on stderr:
//! batches done of the run's total, rate, elapsed time and ETA — hidden when a run is quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `total` batches standing at `done` (a resumed run's finished batches), its ETA
/// measured from now; hidden when `quiet`.
pub fn batches(quiet: bool, total: u64, done: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} batches, {per_sec}, elapsed {elapsed}, ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_position(done);
    pb.reset_eta();
    pb
}
