//! Parquet in and out through polars: the cache format (columns `open_time` i64 ms, `open`,
//! `high`, `low`, `close`, `volume` f64; one row group, uncompressed, no statistics: the
//! layout polars reads fastest, see `write_parquet`) and user Parquet files (time in a column
//! named like the CSV loader's, any numeric type for the values, other columns not decoded).
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

/// The cache is never filtered by value, so its files carry no column statistics.
const NO_STATISTICS: StatisticsOptions = StatisticsOptions {
    min_value: false,
    max_value: false,
    distinct_count: false,
    null_count: false,
    binary_statistics_truncate_length: None,
};

fn pq_err(path: &Path, e: impl std::fmt::Display) -> DatasetError {
    DatasetError::Parquet {
        path: path.to_path_buf(),
        what: e.to_string(),
    }
}

/// Writes `cols` to `path` atomically (temp file + rename), laid out for the cheapest read:
/// one row group (every column decodes into one buffer that `read_parquet` takes over without
/// a copy), no compression (a page is copied straight out of the memory-mapped file; LZ4 made
/// the file 42% smaller but the read 2-4 times slower) and no statistics (nothing filters the
/// cache by value).
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
        .with_compression(ParquetCompression::Uncompressed)
        .with_statistics(NO_STATISTICS)
        .with_row_group_size(Some(n.max(1)))
        .finish(&mut df)
        .map_err(|e| pq_err(path, e))?;
    out.commit()?;
    Ok(())
}

/// Reads a Parquet file of klines into columns (times normalised to ms). Only the time column
/// and the five value columns are decoded; a column already of the wanted type is taken over
/// from polars without a copy (when it decoded into one chunk).
pub fn read_parquet(path: &Path) -> Result<Columns> {
    let file = File::open(path).map_err(|e| DatasetError::io("open", path, e))?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(|e| pq_err(path, e))?;
    let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let projection = kline_projection(&names, path)?;
    let wanted: Vec<String> = projection.iter().map(|&i| names[i].to_string()).collect();
    let df = reader
        .with_projection(Some(projection))
        .finish()
        .map_err(|e| pq_err(path, e))?;
    let mut by_name: Vec<(String, Column)> = df
        .into_columns()
        .into_iter()
        .map(|c| (c.name().to_string(), c))
        .collect();
    let mut take = |name: &str| {
        let at = by_name.iter().position(|(n, _)| n == name);
        at.map(|i| by_name.swap_remove(i).1)
            .ok_or_else(|| pq_err(path, format!("column '{name}' missing after reading")))
    };
    let mut open_time = int_column(take(&wanted[0])?, path)?;
    // `t > MICROS_ABOVE` sets the sign bit of `MICROS_ABOVE - t`: one vectorised OR over the
    // column (a very negative time wraps and only costs the exact loop) decides whether the
    // division loop runs at all.
    let signs = open_time
        .iter()
        .fold(0i64, |acc, &t| acc | MICROS_ABOVE.wrapping_sub(t));
    if signs < 0 {
        for t in &mut open_time {
            if *t > MICROS_ABOVE {
                *t /= 1000;
            }
        }
    }
    Ok(Columns {
        open_time,
        open: float_column(take(&wanted[1])?, path)?,
        high: float_column(take(&wanted[2])?, path)?,
        low: float_column(take(&wanted[3])?, path)?,
        close: float_column(take(&wanted[4])?, path)?,
        volume: float_column(take(&wanted[5])?, path)?,
    })
}

/// Indices of the time column and of open, high, low, close, volume (in that order) among
/// `names`, matched without regard to case.
fn kline_projection(names: &[&str], path: &Path) -> Result<Vec<usize>> {
    let shown = path.display().to_string();
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let time = TIME_NAMES.iter().find_map(|n| find(n)).ok_or_else(|| {
        DatasetError::file(
            &shown,
            format!("has no time column (columns: {})", names.join(", ")),
            "name the open-time column open_time or timestamp (epoch ms)",
        )
    })?;
    let mut out = vec![time];
    for wanted in VALUE_NAMES {
        out.push(find(wanted).ok_or_else(|| {
            DatasetError::file(
                &shown,
                format!("has no '{wanted}' column"),
                "a kline Parquet file needs open_time, open, high, low, close and volume",
            )
        })?);
    }
    Ok(out)
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

/// The values of a null-free chunked array as a `Vec`: the decoded buffer itself when there is
/// one chunk nobody else holds, else one copy.
fn into_vec<T: PolarsNumericType>(ca: ChunkedArray<T>) -> Vec<T::Native> {
    let len = ca.len();
    let mut arrays: Vec<_> = ca.downcast_into_iter().collect();
    if arrays.len() == 1
        && let Some(arr) = arrays.pop()
    {
        let (_, values, _) = arr.into_inner();
        return values.into_mut().right_or_else(|shared| shared.to_vec());
    }
    let mut out = Vec::with_capacity(len);
    for arr in &arrays {
        out.extend_from_slice(arr.values());
    }
    out
}

fn int_column(col: Column, path: &Path) -> Result<Vec<i64>> {
    let wrong_type = (
        "integer epoch milliseconds",
        "write the open time as an int64 of epoch milliseconds",
    );
    numeric_column::<Int64Type>(col, path, wrong_type)
}

fn float_column(col: Column, path: &Path) -> Result<Vec<f64>> {
    numeric_column::<Float64Type>(
        col,
        path,
        ("a number", "write prices and volumes as float64"),
    )
}

/// Column `col` as `T`'s values (cast when it has another type), with no empty values;
/// `wrong_type`: (what the column should be, how to fix it) for a column that cannot be cast.
fn numeric_column<T: PolarsNumericType>(
    col: Column,
    path: &Path,
    wrong_type: (&str, &str),
) -> Result<Vec<T::Native>> {
    let name = col.name().to_string();
    let dtype = T::get_static_dtype();
    let col = if col.dtype() == &dtype {
        col
    } else {
        col.cast(&dtype).map_err(|_| {
            DatasetError::file(
                path.display().to_string(),
                format!(
                    "column '{name}' has type {}, not {}",
                    col.dtype(),
                    wrong_type.0
                ),
                wrong_type.1,
            )
        })?
    };
    no_nulls(path, &name, col.null_count())?;
    Ok(into_vec(col.take_materialized_series().take_inner::<T>()))
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

    fn write_df(path: &Path, df: &mut DataFrame, row_group: usize) {
        let mut f = File::create(path).expect("create");
        ParquetWriter::new(&mut f)
            .with_row_group_size(Some(row_group))
            .finish(df)
            .expect("write");
    }

    #[test]
    fn user_files_are_projected_cast_and_joined_across_row_groups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("user.parquet");
        let n = 2500;
        let micros: Vec<i64> = (0..n)
            .map(|i| (1_700_000_000_000 + i * 60_000) * 1000)
            .collect();
        let opens: Vec<i32> = (0..n).map(|i| 100 + (i % 9) as i32).collect();
        let f32s: Vec<f32> = (0..n).map(|i| 0.5 + (i % 4) as f32).collect();
        let f64s: Vec<f64> = (0..n).map(|i| 200.25 + (i % 5) as f64).collect();
        let labels: Vec<String> = (0..n).map(|i| format!("row{i}")).collect();
        let mut df = DataFrame::new(
            n as usize,
            vec![
                Column::new("note".into(), labels),
                Column::new("Volume".into(), f32s.as_slice()),
                Column::new("HIGH".into(), f64s.as_slice()),
                Column::new("Timestamp".into(), micros.as_slice()),
                Column::new("close".into(), f64s.as_slice()),
                Column::new("Open".into(), opens.as_slice()),
                Column::new("low".into(), f32s.as_slice()),
            ],
        )
        .expect("df");
        write_df(&path, &mut df, 1000);
        let c = read_parquet(&path).expect("read");
        assert_eq!(c.len(), n as usize);
        assert!(c.is_rectangular());
        for i in [0, 999, 1000, 2499] {
            assert_eq!(c.open_time[i], micros[i] / 1000, "row {i}");
            assert_eq!(c.open[i], f64::from(opens[i]));
            assert_eq!(c.high[i], f64s[i]);
            assert_eq!(c.low[i], f64::from(f32s[i]));
            assert_eq!(c.volume[i], f64::from(f32s[i]));
        }
    }

    #[test]
    fn missing_and_empty_columns_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.parquet");
        let t = [0i64, 60_000];
        let v = [1.0f64, 2.0];
        let cols = |close: Column| {
            vec![
                Column::new("open_time".into(), t.as_slice()),
                Column::new("open".into(), v.as_slice()),
                Column::new("high".into(), v.as_slice()),
                Column::new("low".into(), v.as_slice()),
                close,
            ]
        };
        let mut df =
            DataFrame::new(2, cols(Column::new("close".into(), v.as_slice()))).expect("df");
        write_df(&path, &mut df, 10);
        let e = read_parquet(&path).expect_err("no volume");
        assert!(e.to_string().contains("has no 'volume' column"), "{e}");

        let with_null = Column::new("close".into(), [Some(1.0f64), None].as_slice());
        let mut all = cols(with_null);
        all.push(Column::new("volume".into(), v.as_slice()));
        let mut df = DataFrame::new(2, all).expect("df");
        write_df(&path, &mut df, 10);
        let e = read_parquet(&path).expect_err("null");
        assert!(
            e.to_string()
                .contains("column 'close' has 1 empty value(s)"),
            "{e}"
        );
    }
}
