//! Conv engine benches (under construction).
