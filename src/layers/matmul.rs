//! Dense matrix products for the layers: a safe, bounds-checked front to the `gemm` crate, whose
//! kernels are chosen at run time for the CPU (AVX-512, AVX2+FMA, or portable code).
//!
//! Every product here runs on the calling thread (`gemm::Parallelism::None`): the layers split their
//! work over rayon themselves, in fixed pieces, so that the number of threads never changes a result.
//! A product's rounding depends only on its shape and on the CPU's kernel, both fixed for a run.

use std::cell::RefCell;
use std::sync::Mutex;

use super::Real;

/// A read-only strided matrix: element `(i, j)` is `data[i·rs + j·cs]`.
#[derive(Clone, Copy)]
pub struct MatRef<'a, T> {
    /// The storage (it must hold every element the strides reach).
    pub data: &'a [T],
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Distance between rows.
    pub rs: usize,
    /// Distance between columns.
    pub cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows × cols` matrix with row stride `ld` (≥ `cols`).
    pub fn row_major(data: &'a [T], rows: usize, cols: usize, ld: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: ld,
            cs: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    fn check(&self, what: &str) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.rs + (self.cols - 1) * self.cs;
            assert!(
                last < self.data.len(),
                "{what}: a {}×{} matrix with strides ({}, {}) needs {} elements, has {}",
                self.rows,
                self.cols,
                self.rs,
                self.cs,
                last + 1,
                self.data.len()
            );
        }
    }
}

/// `c = a·b`, or `c += a·b` with `accumulate`; `c` is row-major `a.rows × b.cols` with row stride
/// `ldc`. Panics (before touching memory) if a shape or a buffer does not fit.
pub fn matmul<T: Real>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
) {
    assert_eq!(a.cols, b.rows, "matmul: inner dimensions");
    a.check("matmul lhs");
    b.check("matmul rhs");
    let (m, n, k) = (a.rows, b.cols, a.cols);
    if m == 0 || n == 0 {
        return;
    }
    assert!(ldc >= n, "matmul: output row stride {ldc} < {n} columns");
    assert!(
        (m - 1) * ldc + n <= c.len(),
        "matmul: output of {m}×{n} (row stride {ldc}) does not fit {} elements",
        c.len()
    );
    if k == 0 {
        if !accumulate {
            for row in c.chunks_mut(ldc).take(m) {
                row[..n].fill(T::zero());
            }
        }
        return;
    }
    let s = |x: usize| x as isize;
    // SAFETY: the assertions above keep every element the strides address inside `a.data`,
    // `b.data` and `c`; `c` is borrowed mutably and so cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            s(ldc),
            accumulate,
            a.data.as_ptr(),
            s(a.cs),
            s(a.rs),
            b.data.as_ptr(),
            s(b.cs),
            s(b.rs),
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Four growable buffers per thread and float type, reused from call to call so that the layers'
/// per-chunk temporaries (im2col columns, rearranged gradients) cost no allocation or page faults.
pub type Scratch<T> = [Vec<T>; 4];

thread_local! {
    static SCRATCH_F32: RefCell<Scratch<f32>> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]) };
    static SCRATCH_F64: RefCell<Scratch<f64>> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]) };
}

static POOL_F32: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());
static POOL_F64: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

/// Float types with per-thread scratch buffers and a process-wide pool of activation buffers.
pub trait WithScratch: Sized + 'static {
    /// Run `f` with this thread's scratch buffers (not re-entrant: `f` must not call it again).
    fn with_scratch<R>(f: impl FnOnce(&mut Scratch<Self>) -> R) -> R;
    /// The pool behind [`take_buffer`] / [`give_buffer`].
    fn pool() -> &'static Mutex<Vec<Vec<Self>>>;
}

impl WithScratch for f32 {
    fn with_scratch<R>(f: impl FnOnce(&mut Scratch<Self>) -> R) -> R {
        SCRATCH_F32.with(|s| f(&mut s.borrow_mut()))
    }
    fn pool() -> &'static Mutex<Vec<Vec<Self>>> {
        &POOL_F32
    }
}

impl WithScratch for f64 {
    fn with_scratch<R>(f: impl FnOnce(&mut Scratch<Self>) -> R) -> R {
        SCRATCH_F64.with(|s| f(&mut s.borrow_mut()))
    }
    fn pool() -> &'static Mutex<Vec<Vec<Self>>> {
        &POOL_F64
    }
}

/// Buffers shorter than this are not pooled (allocating them is cheap).
const POOL_MIN_LEN: usize = 1 << 16;
/// At most this many buffers wait in a pool; more are freed.
const POOL_MAX: usize = 16;

/// A buffer of exactly `n` elements whose contents are unspecified (initialised, but stale: the
/// caller must overwrite every element it later reads). Large activations of one training step are
/// the next step's, so taking them from the pool saves the allocation, the zeroing and the page
/// faults of a fresh one.
pub fn take_buffer<T: Real>(n: usize) -> Vec<T> {
    if n >= POOL_MIN_LEN {
        let mut p = T::pool().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = p.iter().position(|v| v.len() == n) {
            return p.swap_remove(i);
        }
    }
    vec![T::zero(); n]
}

/// Return an array's storage to the pool (only a standard-layout array that owns exactly its
/// elements; anything else is just dropped).
pub fn give_buffer<T: Real>(a: ndarray::ArrayD<T>) {
    if a.len() < POOL_MIN_LEN || !a.is_standard_layout() {
        return;
    }
    let n = a.len();
    let (v, off) = a.into_raw_vec_and_offset();
    if off != Some(0) || v.len() != n {
        return;
    }
    let mut p = T::pool().lock().unwrap_or_else(|e| e.into_inner());
    if p.len() < POOL_MAX {
        p.push(v);
    }
}

/// The first `n` elements of `v`, growing it if needed; their contents are whatever was left there
/// (the caller overwrites them).
pub fn prefix<T: Real>(v: &mut Vec<T>, n: usize) -> &mut [T] {
    if v.len() < n {
        v.resize(n, T::zero());
    }
    &mut v[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    c[i * b.cols + j] += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
            }
        }
        c
    }

    #[test]
    fn matches_the_naive_product_with_transposes_strides_and_accumulation() {
        let a: Vec<f64> = (0..5 * 7).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..7 * 9).map(|i| (i as f64 * 0.11).cos()).collect();
        let am = MatRef::row_major(&a, 5, 7, 7);
        let bm = MatRef::row_major(&b, 7, 9, 9);
        let mut c = vec![0.0; 5 * 9];
        matmul(am, bm, &mut c, 9, false);
        let want = naive(am, bm);
        assert!(c.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-12));
        matmul(am, bm, &mut c, 9, true);
        assert!(c
            .iter()
            .zip(&want)
            .all(|(x, y)| (x - 2.0 * y).abs() < 1e-12));
        // aᵀ·a through strides, into a wider output
        let mut d = vec![-1.0; 7 * 10];
        matmul(am.t(), am, &mut d, 10, false);
        let want = naive(am.t(), am);
        for i in 0..7 {
            for j in 0..7 {
                assert!((d[i * 10 + j] - want[i * 7 + j]).abs() < 1e-12);
            }
            assert_eq!(&d[i * 10 + 7..i * 10 + 10], &[-1.0; 3]);
        }
        // k = 0 gives zeros
        let mut e = vec![3.0f64; 4];
        matmul(
            MatRef::row_major(&a[..0], 2, 0, 0),
            MatRef::row_major(&b[..0], 0, 2, 2),
            &mut e,
            2,
            false,
        );
        assert_eq!(e, vec![0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "needs")]
    fn refuses_a_short_buffer() {
        let a = vec![0.0f32; 5];
        let mut c = vec![0.0f32; 4];
        matmul(
            MatRef::row_major(&a, 2, 3, 3),
            MatRef::row_major(&a, 3, 2, 2),
            &mut c,
            2,
            false,
        );
    }
}
