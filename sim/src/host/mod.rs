//! The host software: what a board's CPU runs around the accelerator. [`driver`] wraps conv layers
//! into the top's transactions and checks every output against the golden model; [`plan`] says which
//! layers of a network run on the engine; [`resnet`] and [`host_ops`] run the ResNets' host-side
//! steps; [`trained`] loads a `qtrain export` model.

pub mod driver;
pub mod host_ops;
pub mod plan;
pub mod resnet;
pub mod trained;
