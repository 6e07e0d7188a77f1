//! The word-stream port list, written once: `clock` and the 64-bit input and output streams
//! (`in_data`, `in_valid`, `in_last`, `in_ready`, `out_data`, `out_valid`, `out_last`, `out_ready`)
//! that the conv engine, the router and the accelerator top share.
//!
//! The ports stay nine flat signals rather than a rust-hdl interface (`#[derive(LogicInterface)]`):
//! rust-hdl names an interface's signals after the field that holds it (`field$signal`), while the
//! exported top's port names `in_data` … `out_ready` are the user-facing contract
//! (`sim/tests/expect/*.v`, the cocotb bench in `bitstreams/tests/cocotb/`). So the repetition is
//! factored by a macro that writes the fields, first and in this order (the Verilog port order).

/// Declares a block struct whose first fields are the word-stream ports, then the given fields:
/// `word_stream_block! { #[derive(LogicBlock)] pub struct Name<const P: usize> { more fields } }`.
/// The block's own notes on the ports (what `last` means to it) go in its struct doc.
macro_rules! word_stream_block {
    (
        $(#[$meta:meta])*
        pub struct $name:ident < $(const $g:ident : usize),* $(,)? > { $($fields:tt)* }
    ) => {
        $(#[$meta])*
        pub struct $name<$(const $g: usize),*> {
            /// Clock.
            pub clock: Signal<In, Clock>,
            /// Input stream word.
            pub in_data: Signal<In, $crate::stream::Wide<1>>,
            /// Input stream valid.
            pub in_valid: Signal<In, Bit>,
            /// Input stream last.
            pub in_last: Signal<In, Bit>,
            /// Input stream ready: the block takes the word.
            pub in_ready: Signal<Out, Bit>,
            /// Output stream word.
            pub out_data: Signal<Out, $crate::stream::Wide<1>>,
            /// Output stream valid.
            pub out_valid: Signal<Out, Bit>,
            /// Output stream last.
            pub out_last: Signal<Out, Bit>,
            /// Output stream ready: the consumer takes the word.
            pub out_ready: Signal<In, Bit>,
            $($fields)*
        }
    };
}
pub(crate) use word_stream_block;
