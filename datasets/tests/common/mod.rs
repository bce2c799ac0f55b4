//! Helpers shared by the integration tests of `datasets`: the real-data folder (beside the
//! repository, never inside it), temp data homes and small synthetic fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use datasets::{BarSeries, DataHome};
use pipeline::{Interval, Symbol, TimestampMs};

/// The real Binance files: `../shared/real-data` from the repository root.
pub fn real_data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/real-data");
    dir.is_dir().then_some(dir)
}

/// A real-data file, or `None` with a message saying the test is skipped.
pub fn real_file(name: &str) -> Option<PathBuf> {
    let Some(dir) = real_data_dir() else {
        eprintln!("SKIPPED: ../shared/real-data is absent; real-data checks did not run");
        return None;
    };
    let p = dir.join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent", p.display());
        None
    }
}

pub const REAL_1M_2025: &str = "binance_spot_BTCUSDT_1m_20250520-20250818.csv";
pub const REAL_1M_2024: &str = "binance_spot_BTCUSDT_1m_20241130-20241229.csv";
pub const REAL_1H: &str = "binance_spot_BTCUSDT_1h_20170817-20240421.csv";
pub const REAL_5M: &str = "BTCUSDT-5m-2023-03-20_28.csv";

/// A fresh data home in a temp dir (kept alive by the returned guard).
pub fn temp_home() -> (tempfile::TempDir, DataHome) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = DataHome::at(dir.path().join("sim-home"));
    (dir, home)
}

/// `n` synthetic BTCUSDT bars from 2026-01-01 at `interval`.
pub fn synth_series(n: i64, interval: Interval, seed: u64) -> BarSeries {
    let s = Symbol::new("BTCUSDT").expect("sym");
    let t0 = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    let t1 = t0.plus_ms((n - 1) * interval.as_ms());
    datasets::generate(&s, interval, t0, t1, seed).expect("generate")
}

/// A zip archive holding one file.
pub fn zip_bytes(entry: &str, content: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(entry, opts).expect("start");
        z.write_all(content).expect("write");
        z.finish().expect("finish");
    }
    buf.into_inner()
}

/// Replaces line `line` (1-based) of `text` with `f(old)`.
pub fn edit_line(text: &str, line: usize, f: impl Fn(&str) -> String) -> String {
    let mut out: Vec<String> = text.lines().map(str::to_string).collect();
    out[line - 1] = f(&out[line - 1]);
    out.join("\n") + "\n"
}

/// Inserts a copy of line `line` right after it.
pub fn duplicate_line(text: &str, line: usize) -> String {
    let mut out: Vec<String> = text.lines().map(str::to_string).collect();
    let copy = out[line - 1].clone();
    out.insert(line, copy);
    out.join("\n") + "\n"
}

/// Sets field `k` (0-based) of a CSV line.
pub fn set_field(line: &str, k: usize, value: &str) -> String {
    let mut f: Vec<&str> = line.split(',').collect();
    f[k] = value;
    f.join(",")
}
