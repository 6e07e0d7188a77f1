//! Golden-model integration tests, one binary (a 2-core CI pays per test binary). One module per part.

mod golden {
    mod continuation;
    mod data;
    mod exact_conv;
    mod exact_update;
    mod hostile;
    mod integer_train;
    mod theory;
    mod train;
}
