//! A small `.npy` (NumPy format 1.0/2.0) reader and writer for C-order arrays of `<f4`, `<f8`, `|i1`,
//! `<i4`, `<i8`: the interchange format for weights trained elsewhere (PyTorch → `numpy.save`).

use std::io::Write;
use std::path::Path;

use crate::error::{QtrainError, Result};

/// Element type stored in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `<f4`
    F32,
    /// `<f8`
    F64,
    /// `|i1` (binary weights as ±1)
    I8,
    /// `<i4`
    I32,
    /// `<i8`
    I64,
}

impl Dtype {
    fn descr(self) -> &'static str {
        match self {
            Dtype::F32 => "<f4",
            Dtype::F64 => "<f8",
            Dtype::I8 => "|i1",
            Dtype::I32 => "<i4",
            Dtype::I64 => "<i8",
        }
    }
    fn size(self) -> usize {
        match self {
            Dtype::I8 => 1,
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
        }
    }
}

/// Write `data` (converted to `dtype`) with `shape` to `path`.
pub fn write(path: &Path, shape: &[usize], data: &[f32], dtype: Dtype) -> Result<()> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {tuple}, }}",
        dtype.descr()
    );
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * dtype.size());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for &v in data {
        match dtype {
            Dtype::F32 => out.extend_from_slice(&v.to_le_bytes()),
            Dtype::F64 => out.extend_from_slice(&(v as f64).to_le_bytes()),
            Dtype::I8 => out.push(v as i8 as u8),
            Dtype::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
            Dtype::I64 => out.extend_from_slice(&(v as i64).to_le_bytes()),
        }
    }
    let mut f = std::fs::File::create(path).map_err(|e| QtrainError::io(path, e))?;
    f.write_all(&out).map_err(|e| QtrainError::io(path, e))
}

/// Read an array: its shape and its values as f32.
pub fn read(path: &Path) -> Result<(Vec<usize>, Vec<f32>)> {
    let bytes = std::fs::read(path).map_err(|e| QtrainError::io(path, e))?;
    parse(&bytes).map_err(|m| QtrainError::bad_data(path, format!("not a readable .npy file: {m}")))
}

fn field<'a>(h: &'a str, key: &str) -> std::result::Result<&'a str, String> {
    let k = format!("'{key}'");
    let at = h
        .find(&k)
        .ok_or_else(|| format!("header has no {k}: {h}"))?;
    let rest = h[at + k.len()..].trim_start();
    let rest = rest
        .strip_prefix(':')
        .ok_or_else(|| format!("no ':' after {k}"))?
        .trim_start();
    Ok(rest)
}

/// Parse the bytes of a `.npy` file.
pub fn parse(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<f32>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("missing \\x93NUMPY magic".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header length".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(format!("unsupported format version {v}")),
    };
    let end = hlen.saturating_add(start);
    if end > bytes.len() {
        return Err("truncated header".into());
    }
    let h =
        std::str::from_utf8(&bytes[start..end]).map_err(|_| "header is not text".to_string())?;
    let descr = field(h, "descr")?;
    let descr = descr
        .split('\'')
        .nth(1)
        .ok_or("descr is not a quoted string")?;
    let dtype = match descr {
        "<f4" => Dtype::F32,
        "<f8" => Dtype::F64,
        "|i1" | "<i1" | "i1" => Dtype::I8,
        "<i4" => Dtype::I32,
        "<i8" => Dtype::I64,
        d => {
            return Err(format!(
                "dtype {d} not supported (use <f4, <f8, |i1, <i4 or <i8)"
            ))
        }
    };
    if field(h, "fortran_order")?.starts_with("True") {
        return Err("Fortran-order arrays are not supported (save a C-contiguous array)".into());
    }
    let sh = field(h, "shape")?;
    let sh = sh.strip_prefix('(').ok_or("shape is not a tuple")?;
    let sh = &sh[..sh.find(')').ok_or("shape tuple is not closed")?];
    let shape: Vec<usize> = sh
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad dimension {s:?}"))
        })
        .collect::<std::result::Result<_, _>>()?;
    let body = &bytes[end..];
    let need = shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("shape {shape:?} overflows the address space"))?;
    if body.len() != need {
        return Err(format!(
            "shape {shape:?} needs {need} data bytes, file has {}",
            body.len()
        ));
    }
    let data = match dtype {
        Dtype::F32 => body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
            .collect(),
        Dtype::F64 => body
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8")) as f32)
            .collect(),
        Dtype::I8 => body.iter().map(|&b| b as i8 as f32).collect(),
        Dtype::I32 => body
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().expect("4")) as f32)
            .collect(),
        Dtype::I64 => body
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8")) as f32)
            .collect(),
    };
    Ok((shape, data))
}
