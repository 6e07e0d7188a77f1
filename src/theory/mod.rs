//! The paper's theory (sections 4 and 5) as runnable experiments, each checking one claim on numbers
//! a user can reproduce, and each writing CSV, an SVG plot and verdict lines:
//!
//! * [`quadratic`] — Corollary 1 / Theorem 1: BC with `Qs` converges to the true minimiser of a least
//!   squares problem under `(1 + log(T+1))G²/(2μT)`; SR and R stall at a Δ-dependent floor.
//! * [`lemma1`] — Lemma 1: SR's rounding error `E‖r_t‖² ≤ √d·Δ·α_t·G`.
//! * [`markov`] — Theorem 2: SR on a lattice is a Markov chain whose stationary distribution tends to
//!   a limit `π̃` with `π̃(x) > 0` everywhere as α → 0, while BC's quantized iterates concentrate.
//! * [`mixing`] — Theorem 3: the chain's ε-mixing time grows like 1/α; the paper's Figure 2.
//!
//! Run them with `qtrain theory quadratic|lemma1|markov|mixing|all --out DIR [--seed S]`; `all`
//! uses the default sizes and takes about a minute on two cores. Every experiment returns a result
//! struct with `verdicts()` (computed from its numbers) and `write(dir)` (CSV + SVG), which the
//! golden tests (`tests/golden/theory.rs`) call on smaller instances.
//!
//! Shared pieces: [`lsq`] (seeded least squares), [`landscape`] (non-convex test functions),
//! [`chain`] (the SR lattice chain's exact transition matrix), [`stationary`] (stationary
//! distributions and their sampling variance), [`normal`], [`linalg`], [`report`].

pub mod chain;
pub mod landscape;
pub mod lemma1;
pub mod linalg;
pub mod lsq;
pub mod markov;
pub mod mixing;
pub mod normal;
pub mod quadratic;
pub mod report;
pub mod stationary;

pub use report::Verdict;
