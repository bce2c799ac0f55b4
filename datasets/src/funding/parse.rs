//! Reading one funding file in either of Binance's published layouts:
//!
//! - the public-data CSV (`BTCUSDT-fundingRate-2026-01.csv`, bare or inside its `.zip`):
//!   header `calc_time,funding_interval_hours,last_funding_rate`, then one settlement a line
//!   (`1767225600000,8,0.00010000`);
//! - the JSON array saved from `GET /fapi/v1/fundingRate`:
//!   `[{"symbol":"BTCUSDT","fundingTime":1767225600000,"fundingRate":"0.00010000",
//!   "markPrice":"87000.10000000"}, ...]` (no interval: it is inferred, see `gaps`).
//!
//! Every refusal names the file, the 1-based line and the field. Times are floored to the whole
//! second: Binance settles at the hour and stamps some records a few milliseconds later.
//! `markPrice` is checked but not kept: the simulator takes the mark from the bars so that a
//! CSV and a JSON import of the same history settle the same amounts.
//! Must never live here: the catalog, downloading, or charging funding.

use std::path::Path;

use pipeline::{Symbol, TimestampMs};
use rust_decimal::Decimal;

use super::FundingRecord;
use crate::error::{DatasetError, Result};
use crate::file::unzip_csv;

/// The header of Binance's public funding files.
pub const CSV_HEADER: &str = "calc_time,funding_interval_hours,last_funding_rate";

/// What one file held: its records in file order, and the symbol its JSON entries name (a
/// CSV names no symbol; its file name does).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFunding {
    pub records: Vec<FundingRecord>,
    pub symbol: Option<Symbol>,
}

fn row_error(file: &str, line: usize, field: &str, what: String, fix: &str) -> DatasetError {
    DatasetError::Row {
        file: file.to_string(),
        place: format!("line {line}"),
        what: format!("field {field}: {what}"),
        fix: fix.to_string(),
    }
}

/// Parses a funding file from its bytes; `path` names it and picks the layout (`.zip`, `.json`,
/// else CSV; a CSV whose text starts with `[` is read as JSON too).
pub fn parse_funding(path: &Path, bytes: &[u8]) -> Result<ParsedFunding> {
    let shown = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if ext.as_deref() == Some("zip") {
        let (entry, text) = unzip_csv(bytes, &shown)?;
        return parse_csv(&text, &format!("{shown}:{entry}"));
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if ext.as_deref() == Some("json") || first == Some(&b'[') {
        return parse_json(bytes, &shown);
    }
    parse_csv(bytes, &shown)
}

/// Binance's public-data CSV layout, header required.
pub fn parse_csv(bytes: &[u8], file: &str) -> Result<ParsedFunding> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DatasetError::file(
            file,
            format!("is not UTF-8 text ({e})"),
            "pass Binance's fundingRate CSV, its .zip, or the JSON of GET /fapi/v1/fundingRate",
        )
    })?;
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map_or("", |(_, l)| l.trim().trim_start_matches('\u{feff}'));
    if header != CSV_HEADER {
        return Err(row_error(
            file,
            1,
            "header",
            format!("'{header}' is not Binance's funding header '{CSV_HEADER}'"),
            "pass an unchanged fundingRate file from data.binance.vision",
        ));
    }
    let mut records = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [time, interval, rate] = fields.as_slice() else {
            return Err(row_error(
                file,
                n,
                "row",
                format!("has {} fields, not 3 ({CSV_HEADER})", fields.len()),
                "fix or delete the line",
            ));
        };
        records.push(FundingRecord {
            time: parse_time(time, file, n, "calc_time")?,
            interval_hours: Some(parse_interval(interval, file, n)?),
            rate: parse_rate(rate, file, n, "last_funding_rate")?,
        });
    }
    Ok(ParsedFunding {
        records,
        symbol: None,
    })
}

fn parse_time(text: &str, file: &str, line: usize, field: &str) -> Result<TimestampMs> {
    match text.parse::<i64>() {
        // From 2017 (Binance's first futures) to 2100, in milliseconds.
        Ok(ms) if (1_483_228_800_000..4_102_444_800_000).contains(&ms) => {
            Ok(TimestampMs(ms - ms.rem_euclid(1000)))
        }
        _ => Err(row_error(
            file,
            line,
            field,
            format!("'{text}' is not a time in epoch milliseconds (2017-2100)"),
            "fix or delete the line",
        )),
    }
}

fn parse_interval(text: &str, file: &str, line: usize) -> Result<u32> {
    match text.parse::<u32>() {
        Ok(h @ (1 | 2 | 4 | 8)) => Ok(h),
        _ => Err(row_error(
            file,
            line,
            "funding_interval_hours",
            format!("'{text}' is not a funding interval (1, 2, 4 or 8 hours)"),
            "fix or delete the line",
        )),
    }
}

fn parse_rate(text: &str, file: &str, line: usize, field: &str) -> Result<Decimal> {
    match text.parse::<Decimal>() {
        // Binance caps funding far below 100 % per settlement; anything beyond is not a rate.
        Ok(r) if r.abs() < Decimal::ONE => Ok(r),
        _ => Err(row_error(
            file,
            line,
            field,
            format!("'{text}' is not a funding rate (a decimal fraction, e.g. 0.0001)"),
            "fix or delete the line",
        )),
    }
}

/// The byte offsets of the objects directly inside the top-level JSON array, so an error can
/// name the line an entry starts on (strings are skipped, so braces inside them do not count).
pub(crate) fn entry_offsets(text: &str) -> Vec<usize> {
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    out.push(i);
                }
                depth += 1;
            }
            ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// The JSON array of `GET /fapi/v1/fundingRate`.
pub fn parse_json(bytes: &[u8], file: &str) -> Result<ParsedFunding> {
    let text = String::from_utf8_lossy(bytes);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
        row_error(
            file,
            e.line(),
            "json",
            format!("not a JSON array of funding entries ({e})"),
            "save the body of GET /fapi/v1/fundingRate unchanged",
        )
    })?;
    let offsets = entry_offsets(&text);
    let line_of = |k: usize| {
        offsets
            .get(k)
            .map_or(1, |&at| text[..at].matches('\n').count() + 1)
    };
    let mut records = Vec::with_capacity(entries.len());
    let mut symbol: Option<Symbol> = None;
    for (k, e) in entries.iter().enumerate() {
        let line = line_of(k);
        let field = |name: &str| -> Result<String> {
            match e.get(name) {
                Some(serde_json::Value::String(s)) => Ok(s.clone()),
                Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
                _ => Err(row_error(
                    file,
                    line,
                    name,
                    format!("entry {} has no {name}", k + 1),
                    "save the body of GET /fapi/v1/fundingRate unchanged",
                )),
            }
        };
        let name = field("symbol")?;
        let sym = Symbol::new(&name).map_err(|err| {
            row_error(
                file,
                line,
                "symbol",
                format!("'{name}': {err}"),
                "fix the entry",
            )
        })?;
        match &symbol {
            Some(first) if first != &sym => {
                return Err(row_error(
                    file,
                    line,
                    "symbol",
                    format!("'{sym}' differs from '{first}' of the first entry"),
                    "save one symbol's funding per file",
                ));
            }
            Some(_) => {}
            None => symbol = Some(sym),
        }
        let time = parse_time(&field("fundingTime")?, file, line, "fundingTime")?;
        let rate = parse_rate(&field("fundingRate")?, file, line, "fundingRate")?;
        // Old records have an empty markPrice; a present one must be a number.
        let mark = field("markPrice").unwrap_or_default();
        if !mark.is_empty() && mark.parse::<Decimal>().is_err() {
            return Err(row_error(
                file,
                line,
                "markPrice",
                format!("'{mark}' is not a price"),
                "fix the entry",
            ));
        }
        records.push(FundingRecord {
            time,
            interval_hours: None,
            rate,
        });
    }
    Ok(ParsedFunding { records, symbol })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> rust_decimal::Decimal {
        s.parse().expect("decimal")
    }

    #[test]
    fn csv_rows_and_their_errors() {
        let ok = format!("{CSV_HEADER}\n1767225600003,8,0.00010000\n1767254400000,4,-0.00002500\n");
        let p = parse_csv(ok.as_bytes(), "f.csv").expect("parses");
        assert_eq!(p.records.len(), 2);
        assert_eq!(
            p.records[0].time,
            TimestampMs::from_utc(2026, 1, 1, 0, 0, 0)
        );
        assert_eq!(p.records[1].interval_hours, Some(4));
        assert_eq!(p.records[1].rate, dec("-0.000025"));
        let e = parse_csv(b"time,rate\n1,2\n", "f.csv").expect_err("header");
        assert!(
            e.to_string().starts_with("f.csv line 1: field header:"),
            "{e}"
        );
        let bad = format!("{CSV_HEADER}\n1767225600000,8,0.0001\n1767254400000,8,x\n");
        let e = parse_csv(bad.as_bytes(), "f.csv").expect_err("rate");
        assert!(
            e.to_string()
                .starts_with("f.csv line 3: field last_funding_rate: 'x'"),
            "{e}"
        );
        let bad = format!("{CSV_HEADER}\n1767225600000,3,0.0001\n");
        let e = parse_csv(bad.as_bytes(), "f.csv").expect_err("interval");
        assert!(
            e.to_string()
                .contains("line 2: field funding_interval_hours"),
            "{e}"
        );
        let bad = format!("{CSV_HEADER}\n17672256,8,0.0001\n");
        let e = parse_csv(bad.as_bytes(), "f.csv").expect_err("time");
        assert!(e.to_string().contains("line 2: field calc_time"), "{e}");
    }

    #[test]
    fn json_entries_name_their_line() {
        let text = "[\n {\"symbol\":\"BTCUSDT\",\"fundingTime\":1767225600000,\"fundingRate\":\"0.0001\",\"markPrice\":\"\"},\n {\"symbol\":\"BTCUSDT\",\"fundingTime\":1767254400000,\"fundingRate\":\"0.0002\",\"markPrice\":\"87000.1\"}\n]";
        let p = parse_json(text.as_bytes(), "r.json").expect("parses");
        assert_eq!(p.symbol.as_ref().map(Symbol::as_str), Some("BTCUSDT"));
        assert_eq!(p.records[1].rate, dec("0.0002"));
        assert_eq!(p.records[1].interval_hours, None);
        let mixed = text.replacen(
            "BTCUSDT\",\"fundingTime\":1767254400000",
            "ETHUSDT\",\"fundingTime\":1767254400000",
            1,
        );
        let e = parse_json(mixed.as_bytes(), "r.json").expect_err("two symbols");
        assert!(
            e.to_string()
                .starts_with("r.json line 3: field symbol: 'ETHUSDT'"),
            "{e}"
        );
        let bad = text.replace("\"0.0002\"", "\"two\"");
        let e = parse_json(bad.as_bytes(), "r.json").expect_err("rate");
        assert!(
            e.to_string()
                .starts_with("r.json line 3: field fundingRate"),
            "{e}"
        );
        let bad = text.replace("\"87000.1\"", "\"{nope}\"");
        let e = parse_json(bad.as_bytes(), "r.json").expect_err("mark");
        assert!(
            e.to_string().starts_with("r.json line 3: field markPrice"),
            "{e}"
        );
    }
}
