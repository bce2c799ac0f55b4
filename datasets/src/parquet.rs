//! Parquet in and out through polars: the cache format (columns `open_time` i64 ms, `open`,
//! `high`, `low`, `close`, `volume` f64, LZ4-compressed) and user Parquet files (time in a
//! column named like the CSV loader's, any numeric type for the values).
//!
//! Must never live here: validation (callers pass the columns to `crate::validate`) or any
//! polars type in a public signature: polars stays an implementation detail of this module.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::error::{DatasetError, Result};
use crate::home::AtomicFile;
use crate::series::Columns;

const TIME_NAMES: [&str; 5] = ["open_time", "open_time_ms", "timestamp", "date", "datetime"];
const VALUE_NAMES: [&str; 5] = ["open", "high", "low", "close", "volume"];
/// Epoch values above this are microseconds (as in the CSV loader).
const MICROS_ABOVE: i64 = 100_000_000_000_000;

fn pq_err(path: &Path, e: impl std::fmt::Display) -> DatasetError {
    DatasetError::Parquet {
        path: path.to_path_buf(),
        what: e.to_string(),
    }
}

/// Writes `cols` to `path` atomically (temp file + rename).
pub(crate) fn write_parquet(path: &Path, cols: &Columns) -> Result<()> {
    let n = cols.len();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("open_time".into(), cols.open_time.as_slice()),
            Column::new("open".into(), cols.open.as_slice()),
            Column::new("high".into(), cols.high.as_slice()),
            Column::new("low".into(), cols.low.as_slice()),
            Column::new("close".into(), cols.close.as_slice()),
            Column::new("volume".into(), cols.volume.as_slice()),
        ],
    )
    .map_err(|e| pq_err(path, e))?;
    let mut out = AtomicFile::create(path)?;
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Lz4Raw)
        .finish(&mut df)
        .map_err(|e| pq_err(path, e))?;
    out.commit()?;
    Ok(())
}

/// Reads a Parquet file of klines into columns (times normalised to ms).
pub fn read_parquet(path: &Path) -> Result<Columns> {
    let file = File::open(path).map_err(|e| DatasetError::io("open", path, e))?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| pq_err(path, e))?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let shown = path.display().to_string();
    let find = |wanted: &str| names.iter().find(|n| n.eq_ignore_ascii_case(wanted));
    let time_name = TIME_NAMES.iter().find_map(|n| find(n)).ok_or_else(|| {
        DatasetError::file(
            &shown,
            format!("has no time column (columns: {})", names.join(", ")),
            "name the open-time column open_time or timestamp (epoch ms)",
        )
    })?;
    let mut open_time = int_column(&df, time_name, path)?;
    for t in &mut open_time {
        if *t > MICROS_ABOVE {
            *t /= 1000;
        }
    }
    let mut values: Vec<Vec<f64>> = Vec::with_capacity(5);
    for wanted in VALUE_NAMES {
        let name = find(wanted).ok_or_else(|| {
            DatasetError::file(
                &shown,
                format!("has no '{wanted}' column"),
                "a kline Parquet file needs open_time, open, high, low, close and volume",
            )
        })?;
        values.push(float_column(&df, name, path)?);
    }
    let mut it = values.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(Columns {
        open_time,
        open: next(),
        high: next(),
        low: next(),
        close: next(),
        volume: next(),
    })
}

fn no_nulls(path: &Path, name: &str, nulls: usize) -> Result<()> {
    if nulls == 0 {
        return Ok(());
    }
    Err(DatasetError::file(
        path.display().to_string(),
        format!("column '{name}' has {nulls} empty value(s)"),
        "fill or drop the rows with empty values",
    ))
}

fn int_column(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<i64>> {
    let col = df.column(name).map_err(|e| pq_err(path, e))?;
    let col = col.cast(&DataType::Int64).map_err(|_| {
        DatasetError::file(
            path.display().to_string(),
            format!(
                "column '{name}' has type {}, not integer epoch milliseconds",
                col.dtype()
            ),
            "write the open time as an int64 of epoch milliseconds",
        )
    })?;
    let ca = col.i64().map_err(|e| pq_err(path, e))?;
    no_nulls(path, name, ca.null_count())?;
    let ca = ca.rechunk();
    Ok(match ca.cont_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => ca.into_no_null_iter().collect(),
    })
}

fn float_column(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<f64>> {
    let col = df.column(name).map_err(|e| pq_err(path, e))?;
    let col = col.cast(&DataType::Float64).map_err(|_| {
        DatasetError::file(
            path.display().to_string(),
            format!("column '{name}' has type {}, not a number", col.dtype()),
            "write prices and volumes as float64",
        )
    })?;
    let ca = col.f64().map_err(|e| pq_err(path, e))?;
    no_nulls(path, name, ca.null_count())?;
    let ca = ca.rechunk();
    Ok(match ca.cont_slice() {
        Ok(s) => s.to_vec(),
        Err(_) => ca.into_no_null_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.parquet");
        let mut c = Columns::default();
        for i in 0..1000 {
            let p = 27_000.1 + f64::from(i) * 0.1;
            c.push(
                i64::from(i) * 60_000,
                p,
                p + 5.5,
                p - 3.25,
                p + 1.0,
                0.001 * f64::from(i),
            );
        }
        write_parquet(&path, &c).expect("write");
        let back = read_parquet(&path).expect("read");
        assert_eq!(back, c);
        let e = read_parquet(&dir.path().join("missing.parquet")).expect_err("missing");
        assert!(e.to_string().contains("could not open"), "{e}");
    }
}
