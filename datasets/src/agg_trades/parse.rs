//! Reading one aggTrades file in Binance's public-data layout
//! (`BTCUSDT-aggTrades-2026-01.csv`, bare or inside its `.zip`): seven columns
//! `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker`,
//! with that header line (newer files) or without it (older ones). Only the time and price are
//! kept: they are what orders the events inside a bar. `transact_time` is in milliseconds;
//! a value of 10^15 or more is read as microseconds (the unit Binance's spot files moved to)
//! and floored to the millisecond.
//! Every refusal names the file, the 1-based line and the field.
//! Must never live here: the catalog, downloading, or matching orders.

use std::path::Path;

use crate::error::{DatasetError, Result};
use crate::file::unzip_csv;

/// The header of Binance's aggTrades files.
pub const CSV_HEADER: &str =
    "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker";

const FIX: &str = "pass Binance's aggTrades CSV or its .zip (agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker)";

/// One file's trades, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedTrades {
    pub times: Vec<i64>,
    pub prices: Vec<f64>,
}

fn row_error(file: &str, line: usize, field: &str, what: String) -> DatasetError {
    DatasetError::Row {
        file: file.to_string(),
        place: format!("line {line}"),
        what: format!("field {field}: {what}"),
        fix: FIX.to_string(),
    }
}

/// Parses an aggTrades file from its bytes; `path` names it (a `.zip` is unpacked).
pub fn parse_agg_trades(path: &Path, bytes: &[u8]) -> Result<ParsedTrades> {
    let shown = path.display().to_string();
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        let (entry, text) = unzip_csv(bytes, &shown)?;
        return parse_csv(&text, &format!("{shown}:{entry}"));
    }
    parse_csv(bytes, &shown)
}

/// Parses the CSV text of an aggTrades file; `file` names it in errors.
pub fn parse_csv(bytes: &[u8], file: &str) -> Result<ParsedTrades> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| DatasetError::file(file, format!("is not UTF-8 text ({e})"), FIX))?;
    let mut out = ParsedTrades::default();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let row = raw.trim_end_matches('\r');
        if row.is_empty() || (line == 1 && row.starts_with("agg_trade_id")) {
            continue;
        }
        let cols: Vec<&str> = row.split(',').collect();
        if cols.len() != 7 {
            return Err(DatasetError::Row {
                file: file.to_string(),
                place: format!("line {line}"),
                what: format!("has {} columns, an aggTrades line has 7", cols.len()),
                fix: FIX.to_string(),
            });
        }
        let price: f64 = cols[1]
            .trim()
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p > 0.0)
            .ok_or_else(|| {
                row_error(
                    file,
                    line,
                    "price",
                    format!("'{}' is not a positive price", cols[1]),
                )
            })?;
        let time: i64 = cols[5].trim().parse().map_err(|_| {
            row_error(
                file,
                line,
                "transact_time",
                format!("'{}' is not a time in milliseconds", cols[5]),
            )
        })?;
        let time = if time >= 1_000_000_000_000_000 {
            time / 1000
        } else {
            time
        };
        if time <= 0 {
            return Err(row_error(
                file,
                line,
                "transact_time",
                format!("{time} is not a time after 1970"),
            ));
        }
        out.times.push(time);
        out.prices.push(price);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_or_without_header_and_their_errors() {
        let with = format!(
            "{CSV_HEADER}\n1,87000.1,0.01,1,2,1767225600123,true\n2,87000.2,0.5,3,3,1767225600999,false\n"
        );
        let p = parse_csv(with.as_bytes(), "a.csv").expect("parse");
        assert_eq!(p.times, vec![1_767_225_600_123, 1_767_225_600_999]);
        assert_eq!(p.prices, vec![87000.1, 87000.2]);
        let bare = "1,87000.1,0.01,1,2,1767225600123456,true\r\n";
        let p = parse_csv(bare.as_bytes(), "b.csv").expect("parse");
        assert_eq!(
            p.times,
            vec![1_767_225_600_123],
            "microseconds floored to ms"
        );
        let e = parse_csv(b"1,abc,0.01,1,2,1767225600123,true\n", "c.csv").expect_err("price");
        let text = e.to_string();
        assert!(
            text.contains("c.csv") && text.contains("line 1") && text.contains("price"),
            "{text}"
        );
        let e = parse_csv(
            format!("{CSV_HEADER}\n1,1,1,1,1,1767225600123,true\n1,2,3\n").as_bytes(),
            "d.csv",
        )
        .expect_err("columns");
        assert!(
            e.to_string().contains("line 3") && e.to_string().contains("3 columns"),
            "{e}"
        );
        let e = parse_csv(b"1,1,1,1,1,noon,true\n", "e.csv").expect_err("time");
        assert!(e.to_string().contains("transact_time"), "{e}");
    }
}
