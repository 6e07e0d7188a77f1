//! The progress bar every long application shows (position, ETA), styled once.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps counted in `unit` ("layer-batches", "steps") with a message and the ETA.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    let template = format!("{{bar:30}} {{pos}}/{{len}} {unit} {{msg}} [{{elapsed}} < {{eta}}]");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style);
    }
    pb
}
