//! Kline CSV text into columns: the Binance public-data layout (12 columns, with or without a
//! header row) and generic OHLCV CSVs with a header.
//!
//! Detection: if the first field of the first line is a number the file has no header and is
//! read as Binance's layout (open time, open, high, low, close, volume in columns 1-6; the rest
//! ignored). Otherwise the first line is a header and columns are found by name: the time in
//! `open_time_ms`, `open_time`, `timestamp`, `date` or `datetime`, plus `open`, `high`, `low`,
//! `close`, `volume`; other columns (`quote_volume`, `trades`, ...) are ignored. Binance's own
//! header row matches this too.
//! Times: an integer is epoch milliseconds, or microseconds when above 1e14 (Binance spot files
//! from 2025 on); text is a UTC date/time read by `pipeline::domain::time::parse_utc`.
//! Must never live here: validation beyond "is this a number" (see `crate::validate`).

use pipeline::domain::time::parse_utc;

use crate::error::{DatasetError, Result};
use crate::series::Columns;

/// Epoch values above this are microseconds.
const MICROS_ABOVE: i64 = 100_000_000_000_000;

/// How a text file was laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Binance's 12-column kline layout without a header row.
    BinanceNoHeader,
    /// A header row; `time_column` is the name the open time was found under.
    Header { time_column: String, columns: usize },
}

/// Parsed rows plus the 1-based text line each row came from.
#[derive(Debug, Clone)]
pub struct ParsedText {
    pub cols: Columns,
    pub lines: Vec<u32>,
    pub layout: Layout,
    /// Rows whose open time was given in microseconds.
    pub micros_rows: usize,
}

const TIME_NAMES: [&str; 5] = ["open_time_ms", "open_time", "timestamp", "date", "datetime"];
const VALUE_NAMES: [&str; 5] = ["open", "high", "low", "close", "volume"];

/// Reads one line holding double quotes with the `csv` crate (quoted fields may hold commas).
fn split_quoted(line: &[u8]) -> csv::ByteRecord {
    let mut rec = csv::ByteRecord::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    if rdr.read_byte_record(&mut rec).is_err() {
        rec.clear();
    }
    rec
}

/// Calls `f` with the fields of `line`: plain `,` splitting into a stack array (no allocation
/// per line), or [`split_quoted`] when the line has quotes.
fn with_fields<T>(line: &[u8], f: impl FnOnce(&[&[u8]]) -> T) -> T {
    const MAX: usize = 32;
    if line.contains(&b'"') {
        let rec = split_quoted(line);
        let fields: Vec<&[u8]> = rec.iter().collect();
        return f(&fields);
    }
    let mut arr: [&[u8]; MAX] = [&[]; MAX];
    let mut n = 0;
    for part in line.split(|&b| b == b',') {
        if n == MAX {
            let all: Vec<&[u8]> = line.split(|&b| b == b',').collect();
            return f(&all);
        }
        arr[n] = part;
        n += 1;
    }
    f(&arr[..n])
}

/// Parses CSV text. `file` is the name errors use. Line numbers count every line of the file,
/// blank ones included, as an editor does.
pub fn parse_text(bytes: &[u8], file: &str) -> Result<ParsedText> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace));
    let Some((first_no, first)) = lines.next() else {
        return Err(DatasetError::file(
            file,
            "is empty",
            "check that the download or export finished",
        ));
    };
    let (first_is_number, layout, idx) = with_fields(first, |fields| {
        let numeric = fields
            .first()
            .and_then(|f| field_str(f))
            .is_some_and(|f| f.parse::<f64>().is_ok());
        if numeric {
            Ok((true, Layout::BinanceNoHeader, [0, 1, 2, 3, 4, 5]))
        } else {
            header_indices(fields, file).map(|(l, i)| (false, l, i))
        }
    })?;
    let width = match &layout {
        Layout::BinanceNoHeader => 6,
        Layout::Header { columns, .. } => *columns,
    };
    let cap = bytes.len() / 48 + 16;
    let mut out = ParsedText {
        cols: Columns::with_capacity(cap),
        lines: Vec::with_capacity(cap),
        layout,
        micros_rows: 0,
    };
    if first_is_number {
        with_fields(first, |f| {
            parse_row(f, &idx, width, first_no, file, &mut out)
        })?;
    }
    for (no, line) in lines {
        with_fields(line, |f| parse_row(f, &idx, width, no, file, &mut out))?;
    }
    Ok(out)
}

fn header_indices(rec: &[&[u8]], file: &str) -> Result<(Layout, [usize; 6])> {
    let names: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
        .collect();
    let find = |n: &str| names.iter().position(|x| x == n);
    let Some((time_at, time_name)) = TIME_NAMES.iter().find_map(|n| find(n).map(|i| (i, *n)))
    else {
        return Err(DatasetError::file(
            file,
            format!(
                "line 1 is neither a kline row nor a header with a time column (found: {})",
                names.join(",")
            ),
            "name the time column open_time_ms, timestamp or date, or use Binance's 12-column layout",
        ));
    };
    let mut idx = [time_at, 0, 0, 0, 0, 0];
    for (k, name) in VALUE_NAMES.iter().enumerate() {
        idx[k + 1] = find(name).ok_or_else(|| {
            DatasetError::file(
                file,
                format!("the header has no '{name}' column"),
                "a CSV with a header needs open_time_ms (or timestamp or date), open, high, low, close and volume",
            )
        })?;
    }
    Ok((
        Layout::Header {
            time_column: time_name.to_string(),
            columns: names.len(),
        },
        idx,
    ))
}

#[inline]
fn field_str(f: &[u8]) -> Option<&str> {
    std::str::from_utf8(f).ok().map(str::trim)
}

fn parse_row(
    rec: &[&[u8]],
    idx: &[usize; 6],
    width: usize,
    line: u64,
    file: &str,
    out: &mut ParsedText,
) -> Result<()> {
    let err = |what: String| DatasetError::Row {
        file: file.to_string(),
        place: format!("line {line}"),
        what,
        fix: "fix or delete the row".to_string(),
    };
    if rec.len() < width {
        return Err(err(format!(
            "has {} field(s) but {width} are needed",
            rec.len()
        )));
    }
    let raw_t = rec.get(idx[0]).and_then(|f| field_str(f)).unwrap_or("");
    let (t, micros) = parse_time(raw_t).ok_or_else(|| {
        err(format!(
            "open time '{raw_t}' is neither epoch milliseconds nor a UTC date"
        ))
    })?;
    let mut v = [0.0f64; 5];
    for (k, slot) in v.iter_mut().enumerate() {
        let raw = rec.get(idx[k + 1]).and_then(|f| field_str(f)).unwrap_or("");
        *slot = raw
            .parse::<f64>()
            .map_err(|_| err(format!("{} '{raw}' is not a number", VALUE_NAMES[k])))?;
    }
    out.cols.push(t, v[0], v[1], v[2], v[3], v[4]);
    out.lines.push(u32::try_from(line).unwrap_or(u32::MAX));
    out.micros_rows += usize::from(micros);
    Ok(())
}

/// Epoch ms from an integer (µs when above 1e14) or a UTC date; the flag says "was µs".
pub fn parse_time(raw: &str) -> Option<(i64, bool)> {
    if let Ok(n) = raw.parse::<i64>() {
        return Some(if n > MICROS_ABOVE {
            (n / 1000, true)
        } else {
            (n, false)
        });
    }
    if raw.contains('-') {
        return parse_utc(raw).map(|t| (t.0, false));
    }
    // An integral float such as "1502942400000.0" (pandas exports).
    let f = raw
        .parse::<f64>()
        .ok()
        .filter(|f| f.fract() == 0.0 && f.is_finite())?;
    parse_time(&format!("{f:.0}"))
}

/// Binance's kline CSV header row (UM futures files from about 2022-05 on).
pub const BINANCE_HEADER: &str = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

/// Writes bars in Binance's 12-column kline layout (for exports and test fixtures): optional
/// header, open times in ms or µs; quote volume is volume x close, trade and taker columns 0.
pub fn write_binance_csv(series: &crate::series::BarSeries, header: bool, micros: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(series.len() * 96 + 128);
    if header {
        out.push_str(BINANCE_HEADER);
        out.push('\n');
    }
    let step = series.interval().as_ms();
    let unit = if micros { 1000 } else { 1 };
    for b in series.iter() {
        let t = b.open_time.0;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},0,0,0,0",
            t * unit,
            b.open,
            b.high,
            b.low,
            b.close,
            b.volume,
            (t + step - 1) * unit,
            b.volume * b.close
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BINANCE: &str = "1679270400000,27972.87,28038.28,27941.97,27953.83,1975.47751,1679270699999,55298745.93,43351,1073.70455,30057318.07,0\n\
1679270700000,27955.42,27970.26,27779.65,27946.06,2818.82598,1679270999999,78596487.57,62806,1347.67972,37581921.73,0\n";

    #[test]
    fn binance_without_header() {
        let p = parse_text(BINANCE.as_bytes(), "k.csv").expect("parse");
        assert_eq!(p.layout, Layout::BinanceNoHeader);
        assert_eq!(p.cols.open_time, vec![1_679_270_400_000, 1_679_270_700_000]);
        assert_eq!(p.cols.high[1], 27970.26);
        assert_eq!(p.lines, vec![1, 2]);
    }

    #[test]
    fn binance_with_header_and_micros() {
        let text = format!(
            "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n{}",
            BINANCE.replace("1679270400000,", "1679270400000000,")
        );
        let p = parse_text(text.as_bytes(), "k.csv").expect("parse");
        assert!(
            matches!(p.layout, Layout::Header { ref time_column, .. } if time_column == "open_time")
        );
        assert_eq!(p.cols.open_time[0], 1_679_270_400_000);
        assert_eq!(p.micros_rows, 1);
        assert_eq!(p.lines, vec![2, 3]);
    }

    #[test]
    fn generic_with_dates_and_extra_columns() {
        let text = "date,volume,open,high,low,close,trades\n2026-01-01T00:00:00Z,1.5,10,11,9,10.5,7\n\n2026-01-01 00:01,2,10.5,12,10,11,3\n";
        let p = parse_text(text.as_bytes(), "g.csv").expect("parse");
        assert_eq!(p.cols.open_time, vec![1_767_225_600_000, 1_767_225_660_000]);
        assert_eq!(p.cols.volume, vec![1.5, 2.0]);
        assert_eq!(p.cols.close, vec![10.5, 11.0]);
        assert_eq!(p.lines, vec![2, 4]);
        let q = "\"timestamp\",\"open\",high,low,close,volume\r\n\"2026-01-01 00:00\",1,2,0.5,1.5,3\r\n";
        let p = parse_text(q.as_bytes(), "q.csv").expect("quoted");
        assert_eq!(p.cols.close, vec![1.5]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "open_time_ms,open,high,low,close,volume\n0,1,2,0.5,1,1\n60000,1,2x,0.5,1,1\n";
        let e = parse_text(text.as_bytes(), "d.csv").expect_err("bad");
        assert_eq!(
            e.to_string(),
            "d.csv line 3: high '2x' is not a number; fix or delete the row"
        );
        let e = parse_text(b"ts,open\n", "d.csv").expect_err("header");
        assert!(
            e.to_string().contains("no time column") || e.to_string().contains("neither"),
            "{e}"
        );
        let e = parse_text(b"timestamp,open,high,low,close\n", "d.csv").expect_err("vol");
        assert!(e.to_string().contains("no 'volume' column"), "{e}");
        let e = parse_text(b"0,1,2,0.5\n", "d.csv").expect_err("short");
        assert!(e.to_string().contains("line 1: has 4 field(s)"), "{e}");
        assert!(parse_text(b"", "d.csv").is_err());
        assert_eq!(
            parse_time("1502942400000.0"),
            Some((1_502_942_400_000, false))
        );
    }
}
