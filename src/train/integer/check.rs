//! The comparison of a checked accelerator's answers with the golden ones: the conv outputs of one
//! layer's batch and one layer's update (stored weights, packed signs, saturation count). The first
//! difference is a [`QtrainError::Mismatch`] naming step, layer and value.

use super::accelerator::{ConvRun, UpdateRun};
use super::config::IntegerConfig;
use super::layout::nchw_image_to_hwc;
use super::record::StepRecord;
use crate::error::{QtrainError, Result};
use crate::exact::geometry::{ConvLayer, K};
use crate::exact::update::{unpad_filters, UpdateMode};

/// The first index where `a` and `b` differ, with both values.
fn first_diff<T: PartialEq + Copy>(a: &[T], b: &[T]) -> Option<(usize, T, T)> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .map(|i| (i, a[i], b[i]))
}

/// Compare conv layer `li`'s answer `r` with the golden output codes `out` (`(N, C_out, H', W')`,
/// `n` images), counting the values compared in `rec`.
pub(super) fn check_conv(
    step: u64,
    li: usize,
    l: &ConvLayer,
    r: &ConvRun,
    out: &[f32],
    n: usize,
    rec: &mut StepRecord,
) -> Result<()> {
    let oi = l.c_out * l.out_h() * l.out_w();
    if r.outputs.len() != n {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{}: the accelerator returned {} images, expected {n}",
            li + 1,
            r.outputs.len()
        )));
    }
    for (img, hw) in r.outputs.iter().enumerate() {
        let want = nchw_image_to_hwc(
            &out[img * oi..(img + 1) * oi],
            l.c_out,
            l.out_h() * l.out_w(),
        );
        rec.outputs_compared += want.len() as u64;
        if hw.len() != want.len() {
            return Err(QtrainError::Mismatch(format!(
                "step {step}, conv{} image {img}: {} output values, expected {}",
                li + 1,
                hw.len(),
                want.len()
            )));
        }
        if let Some((i, a, b)) = first_diff(hw, &want) {
            let (px, c) = (i / l.c_out, i % l.c_out);
            return Err(QtrainError::Mismatch(format!(
                "step {step}, conv{} forward output, image {img}, y {}, x {}, channel {c}: hardware {a}, golden {b}",
                li + 1,
                px / l.out_w(),
                px % l.out_w()
            )));
        }
    }
    Ok(())
}

/// Compare a checked accelerator's update answer with the golden one (`(w, packed, saturations)`).
pub(super) fn check_update(
    cfg: &IntegerConfig,
    step: u64,
    li: usize,
    l: &ConvLayer,
    r: &UpdateRun,
    golden: (&[i64], &[u64], u64),
    rec: &mut StepRecord,
) -> Result<()> {
    let (gw, gp, gs) = golden;
    let p = &cfg.update;
    let n = l.window_bits();
    let hw = unpad_filters(&r.w, n, p.lanes).map_err(|e| {
        QtrainError::Mismatch(format!(
            "step {step}, conv{}: the accelerator's update answer: {e}",
            li + 1
        ))
    })?;
    rec.weights_compared += (gw.len() + gp.len()) as u64;
    let what = if cfg.mode == UpdateMode::Bc {
        "buffer w_r"
    } else {
        "weight"
    };
    if hw.len() != gw.len() {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{}: {} updated weights, expected {}",
            li + 1,
            hw.len(),
            gw.len()
        )));
    }
    if let Some((i, a, b)) = first_diff(&hw, gw) {
        let (f, pos) = (i / n, i % n);
        let (tap, c) = (pos / l.c_in, pos % l.c_in);
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} {what} #{i} (filter {f}, ky {}, kx {}, channel {c}): hardware {a} ({}), golden {b} ({})",
            li + 1,
            tap / K,
            tap % K,
            p.w_format.to_f64(a),
            p.w_format.to_f64(b)
        )));
    }
    if r.packed.len() != gp.len() {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{}: {} packed sign words, expected {}",
            li + 1,
            r.packed.len(),
            gp.len()
        )));
    }
    if let Some((i, a, b)) = first_diff(&r.packed, gp) {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} packed sign word {i}: hardware {a:#018x}, golden {b:#018x}",
            li + 1
        )));
    }
    if r.saturations != gs {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} saturation count: hardware {}, golden {gs}",
            li + 1,
            r.saturations
        )));
    }
    Ok(())
}
