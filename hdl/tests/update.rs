//! Update unit benches (under construction).
