//! The paper's theory claims (Cor. 1, Lemma 1, Thms 2 and 3, Figure 2) asserted on small seeded
//! instances. The full-size runs are `qtrain theory all --out DIR`.

use qtrain::theory::chain::SrChain;
use qtrain::theory::landscape::Landscape;
use qtrain::theory::lemma1::{self, Lemma1Config};
use qtrain::theory::lsq::LsqSweep;
use qtrain::theory::markov::{self, LatticeSpec, MarkovConfig, FLOOR};
use qtrain::theory::mixing::{self, MixingConfig};
use qtrain::theory::quadratic::{self, Method, QuadraticConfig};
use qtrain::theory::stationary;

fn small_lattices() -> Vec<LatticeSpec> {
    vec![
        LatticeSpec {
            landscape: Landscape::DoubleWell1d,
            delta: 0.25,
            half_width: 1.5,
            sigma: 2.0,
        },
        LatticeSpec {
            landscape: Landscape::Wells2d,
            delta: 0.5,
            half_width: 1.5,
            sigma: 2.0,
        },
    ]
}

/// Cor. 1: BC-Qs ends ≥ 10× below SR's floor, under the bound at every T; SR's floor grows with Δ.
#[test]
fn cor1_bc_reaches_the_minimiser_while_sr_stalls() {
    let cfg = QuadraticConfig {
        sweep: LsqSweep {
            m: 60,
            d: 4,
            deltas: vec![0.25, 0.125, 0.0625],
            ..Default::default()
        },
        t_max: 100_000,
        runs: 4,
        seed: 11,
    };
    let r = quadratic::run(&cfg).unwrap();
    for &d in &cfg.sweep.deltas {
        let bc = r.final_gap(Method::BcQs, d);
        let sr = r.final_gap(Method::Sr, d);
        assert!(sr >= 10.0 * bc, "Δ={d}: SR {sr} vs BC {bc}");
        let c = r.curve(Method::BcQs, d).unwrap();
        for (k, &t) in r.checkpoints.iter().enumerate() {
            assert!(c.gap_avg[k] <= r.problem.cor1_bound(t), "Δ={d} T={t}");
        }
    }
    let floors: Vec<f64> = [0.0625, 0.125, 0.25]
        .iter()
        .map(|&d| r.final_gap(Method::Sr, d))
        .collect();
    assert!(
        floors[0] < floors[1] && floors[1] < floors[2],
        "SR floors {floors:?}"
    );
    assert!(r.verdicts().iter().all(|v| v.holds), "{:?}", r.verdicts());
}

/// Lemma 1: measured E‖r‖² ≤ √d·Δ·α·G at every (Δ, α), and it shrinks with α.
#[test]
fn lemma1_bound_holds() {
    let cfg = Lemma1Config {
        sweep: LsqSweep {
            m: 60,
            d: 4,
            deltas: vec![0.25, 0.0625],
            ..Default::default()
        },
        alphas: vec![0.1, 0.01, 0.001],
        steps: 40_000,
        seed: 5,
    };
    let r = lemma1::run(&cfg).unwrap();
    for p in &r.points {
        assert!(p.mean_r2 <= p.bound, "{p:?}");
        assert!(p.mean_r2 <= p.eq9 + 4.0 * p.stderr, "{p:?}");
    }
    for &d in &cfg.sweep.deltas {
        let e: Vec<f64> = r
            .points
            .iter()
            .filter(|p| p.delta == d)
            .map(|p| p.mean_r2)
            .collect();
        assert!(e[0] > e[1] && e[1] > e[2], "Δ={d}: {e:?}");
    }
}

fn small_markov() -> markov::MarkovResult {
    let cfg = MarkovConfig {
        lattices: small_lattices(),
        alphas: (0..10).map(|k| 0.5 * 0.5f64.powi(k)).collect(),
        bc_alphas: vec![0.5, 0.01, 0.002],
        bc_chains: 8,
        bc_steps: 40_000,
        sim_alpha: 0.1,
        sim_steps: 1_000_000,
        sim_chains: 4,
        seed: 3,
    };
    markov::run(&cfg).unwrap()
}

/// Thm 2: TV(π_α, π_α/2) shrinks to (near) zero, π̃ > 0 on every state, BC concentrates while SR
/// does not, and the exact π_α matches a seeded simulation within 5 standard deviations per state.
#[test]
fn thm2_sr_stationary_distribution_converges_and_does_not_concentrate() {
    let r = small_markov();
    for l in &r.lattices {
        let tvs = l.tv_successive();
        let k = tvs.len();
        for w in tvs[k / 2..].windows(2) {
            assert!(w[1] < w[0] || w[1] < FLOOR, "{tvs:?}");
        }
        assert!(tvs[k - 1] < 1e-3 * tvs[0], "{tvs:?}");
        assert!(*l.tv_limit().last().unwrap() < 1e-3);
        assert!(l.pi_tilde.iter().all(|&p| p > 0.0), "{:?}", l.pi_tilde);
        assert!(l.mass_near_min(&l.pi_tilde) < 0.9);
        let bc = l.mass_near_min(l.bc_hist.last().unwrap());
        assert!(
            bc > 0.9 && bc > l.mass_near_min(&l.pi_tilde) + 0.2,
            "BC mass {bc}"
        );
        assert!(l.sim_max_z() <= 5.0, "max z {}", l.sim_max_z());
        assert!(l.residuals.iter().all(|&x| x < 1e-12));
    }
    // In 2-D simultaneous moves make π_α − π̃ = O(α): TV halves with α at the small end.
    let tvs = r.lattices[1].tv_successive();
    let ratio = tvs[tvs.len() - 1] / tvs[tvs.len() - 2];
    assert!((0.4..0.6).contains(&ratio), "{tvs:?}");
}

/// The exact rounding probabilities of one coordinate sum to 1 and have mean `E[v]`
/// (Qs is unbiased away from the ends), and a single-state simulation agrees with one row of T_α.
#[test]
fn exact_row_matches_simulated_row() {
    let c = SrChain::new(Landscape::Wells2d, 0.5, 1.5, 2.0).unwrap();
    let p = c.coord_probs(0.3, 0.1); // ends 12σ away: clipping bias < 1e-30
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    let mean: f64 = p.iter().zip(&c.points).map(|(a, b)| a * b).sum();
    assert!((mean - 0.3).abs() < 1e-12, "{mean}");
    let alpha = 0.2;
    let t = c.transition_matrix(alpha);
    let ns = c.n_states();
    let s = c.index(&[2, 5]);
    let row = &t[s * ns..(s + 1) * ns];
    // One-step samples from state s: a fresh one-step chain from s per seed.
    let n = 400_000u64;
    let mut counts = vec![0u64; ns];
    for seed in 0..n {
        c.simulate_sr(alpha, s, 1, seed, &mut counts);
    }
    for y in 0..ns {
        let f = counts[y] as f64 / n as f64;
        let sd = (row[y] * (1.0 - row[y]) / n as f64).sqrt();
        assert!(
            (f - row[y]).abs() <= 5.0 * sd + 1e-9,
            "y={y}: {f} vs {}",
            row[y]
        );
    }
}

/// Thm 3: mixing time at α/4 is ≥ 3× that at α for small α; Figure 2: halving moves keeps π.
#[test]
fn thm3_mixing_time_grows_like_one_over_alpha() {
    let cfg = MixingConfig {
        lattices: small_lattices(),
        alphas: vec![0.02, 0.01, 0.005, 0.0025],
        ..Default::default()
    };
    let r = mixing::run(&cfg).unwrap();
    for c in &r.curves {
        for i in 0..2 {
            assert!(
                c.times[i + 2] as f64 >= 3.0 * c.times[i] as f64,
                "{}: {:?}",
                c.name,
                c.times
            );
        }
    }
    let pi0 = stationary::gth(&cfg.figure2, 3).unwrap();
    for k in 1..=4 {
        let p = mixing::halved(&cfg.figure2, k);
        assert!(stationary::tv(&stationary::gth(&p, 3).unwrap(), &pi0) < 1e-14);
    }
    let times: Vec<u64> = r.figure2.iter().map(|f| f.1).collect();
    assert!(times.windows(2).all(|w| w[1] > w[0]), "{times:?}");
    assert!(r.verdicts().iter().all(|v| v.holds), "{:?}", r.verdicts());
}
