//! The run folder's CSV tables read into rows: `trades.csv`, `equity.csv` and `prices.csv`.
//! Columns are found by their header name, so added columns do not break a report; a bad value
//! is an error naming the file, the line and the column.
//! Must never live here: anything computed from the rows (that is `analysis`), or drawing.

use std::path::Path;

use pipeline::domain::time::days_from_civil;

use crate::error::ReportError;
use crate::metrics::EquityPoint;

/// One round trip of `trades.csv`. Amounts are in USDT (f64: for tables and charts only).
#[derive(Debug, Clone, PartialEq)]
pub struct TradeRow {
    pub symbol: String,
    /// LONG or SHORT.
    pub side: String,
    pub entry_ms: i64,
    /// `None` while the trade is still open at the end of the run.
    pub exit_ms: Option<i64>,
    pub entry_price: f64,
    pub exit_price: Option<f64>,
    pub max_qty: f64,
    pub realized_pnl: f64,
    pub fees: f64,
    pub funding: f64,
    pub net_pnl: f64,
    pub liquidated: bool,
    /// `order`, `take_profit`, `stop_loss` or `liquidation` (`None`: open, or a run folder
    /// written before the column existed).
    pub exit_by: Option<String>,
}

/// One merged candle of `prices.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Candle {
    pub symbol: String,
    pub open_ms: i64,
    pub close_ms: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// How many bars were merged into it.
    pub bars: u64,
}

/// Parses `2026-01-01T00:54:00.000Z` (milliseconds and `Z` optional) as UTC epoch ms.
pub fn parse_iso_ms(text: &str) -> Option<i64> {
    Some(parse_date(text)? * DAY_MS + parse_time_of_day(text)?)
}

const DAY_MS: i64 = 86_400_000;

/// The shape both halves rely on: `YYYY-MM-DDTHH:` at least, and 19 bytes.
fn iso_shape(b: &[u8]) -> bool {
    b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':'
}

fn iso_num(text: &str, r: std::ops::Range<usize>) -> Option<i64> {
    text.get(r)?.parse::<i64>().ok()
}

/// Days since the epoch of the date part (`text[..10]`).
fn parse_date(text: &str) -> Option<i64> {
    if !iso_shape(text.as_bytes()) {
        return None;
    }
    let (y, mo, d) = (
        iso_num(text, 0..4)?,
        iso_num(text, 5..7)?,
        iso_num(text, 8..10)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(i32::try_from(y).ok()?, mo as u32, d as u32))
}

/// Milliseconds since midnight of the time part (`text[11..]`).
fn parse_time_of_day(text: &str) -> Option<i64> {
    if !iso_shape(text.as_bytes()) {
        return None;
    }
    let (h, mi, s) = (
        iso_num(text, 11..13)?,
        iso_num(text, 14..16)?,
        iso_num(text, 17..19)?,
    );
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let rest = text.get(19..)?.trim_end_matches('Z');
    let ms = match rest.strip_prefix('.') {
        Some(frac) if !frac.is_empty() && frac.len() <= 3 => {
            frac.parse::<i64>().ok()? * 10_i64.pow(3 - frac.len() as u32)
        }
        None if rest.is_empty() => 0,
        _ => return None,
    };
    Some((h * 60 + mi) * 60_000 + s * 1000 + ms)
}

/// [`parse_iso_ms`] for a column of times in order: the date is worked out once per day
/// (`equity.csv` has 1,440 rows a day at 1m).
#[derive(Debug, Default)]
struct IsoDays<'a> {
    last: Option<(&'a str, i64)>,
}

impl<'a> IsoDays<'a> {
    fn parse(&mut self, text: &'a str) -> Option<i64> {
        let date = text.get(..10)?;
        let days = match self.last {
            Some((d, days)) if d == date => days,
            _ => {
                let days = parse_date(text)?;
                self.last = Some((date, days));
                days
            }
        };
        Some(days * DAY_MS + parse_time_of_day(text)?)
    }
}

/// A CSV file with a header line; fields may not contain commas (the run folder's never do).
struct Table<'a> {
    path: &'a Path,
    header: Vec<&'a str>,
    body: std::iter::Enumerate<std::str::Lines<'a>>,
}

/// One data line, with what is needed to name it in an error.
struct Row<'a> {
    path: &'a Path,
    line: usize,
    fields: Vec<&'a str>,
}

impl<'a> Table<'a> {
    fn new(path: &'a Path, text: &'a str) -> Result<Self, ReportError> {
        let mut lines = text.lines().enumerate();
        let header = match lines.next() {
            Some((_, h)) => h.split(',').map(str::trim).collect(),
            None => return Err(ReportError::parse(path, 1, "the file is empty (no header)")),
        };
        Ok(Table {
            path,
            header,
            body: lines,
        })
    }

    /// The index of column `name`.
    fn col(&self, name: &str) -> Result<usize, ReportError> {
        self.header.iter().position(|h| *h == name).ok_or_else(|| {
            ReportError::parse(
                self.path,
                1,
                format!(
                    "no column `{name}` in the header ({})",
                    self.header.join(",")
                ),
            )
        })
    }

    /// Reads the next non-blank line into `row`, reusing its field vector; false at the end.
    fn next_into(&mut self, row: &mut Row<'a>) -> bool {
        for (i, l) in self.body.by_ref() {
            if !l.trim().is_empty() {
                row.line = i + 1;
                row.fields.clear();
                row.fields.extend(l.split(','));
                return true;
            }
        }
        false
    }

    fn next_row(&mut self) -> Option<Row<'a>> {
        for (i, l) in self.body.by_ref() {
            if !l.trim().is_empty() {
                return Some(Row {
                    path: self.path,
                    line: i + 1,
                    fields: l.split(',').collect(),
                });
            }
        }
        None
    }
}

impl<'a> Row<'a> {
    fn err(&self, col: &str, value: &str, want: &str) -> ReportError {
        ReportError::parse(
            self.path,
            self.line,
            format!("column `{col}`: '{value}' is not {want}"),
        )
    }

    fn text(&self, i: usize, col: &str) -> Result<&'a str, ReportError> {
        self.fields.get(i).map(|s| s.trim()).ok_or_else(|| {
            ReportError::parse(
                self.path,
                self.line,
                format!("column `{col}` is missing ({} fields)", self.fields.len()),
            )
        })
    }

    fn f64(&self, i: usize, col: &str) -> Result<f64, ReportError> {
        let t = self.text(i, col)?;
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.err(col, t, "a number"))
    }

    fn opt_f64(&self, i: usize, col: &str) -> Result<Option<f64>, ReportError> {
        if self.text(i, col)?.is_empty() {
            return Ok(None);
        }
        self.f64(i, col).map(Some)
    }

    fn time(&self, i: usize, col: &str) -> Result<i64, ReportError> {
        let t = self.text(i, col)?;
        parse_iso_ms(t).ok_or_else(|| self.err(col, t, "a UTC time like 2026-01-01T00:00:00.000Z"))
    }

    fn opt_time(&self, i: usize, col: &str) -> Result<Option<i64>, ReportError> {
        if self.text(i, col)?.is_empty() {
            return Ok(None);
        }
        self.time(i, col).map(Some)
    }

    fn bool(&self, i: usize, col: &str) -> Result<bool, ReportError> {
        match self.text(i, col)? {
            "true" => Ok(true),
            "false" => Ok(false),
            t => Err(self.err(col, t, "true or false")),
        }
    }
}

/// The rows of `trades.csv` (`text` is its content, `path` names it in errors).
pub fn parse_trades(path: &Path, text: &str) -> Result<Vec<TradeRow>, ReportError> {
    let mut t = Table::new(path, text)?;
    let names = [
        "symbol",
        "side",
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "max_qty",
        "realized_pnl",
        "fees",
        "funding",
        "net_pnl",
        "liquidated",
    ];
    let mut c = [0usize; 12];
    for (slot, name) in c.iter_mut().zip(names) {
        *slot = t.col(name)?;
    }
    // Optional: older run folders have no `exit_by` column.
    let exit_by = t.col("exit_by").ok();
    let mut out = Vec::new();
    while let Some(r) = t.next_row() {
        let by = match exit_by {
            Some(i) => Some(r.text(i, "exit_by")?).filter(|s| !s.is_empty()),
            None => None,
        };
        out.push(TradeRow {
            symbol: r.text(c[0], names[0])?.to_string(),
            side: r.text(c[1], names[1])?.to_string(),
            entry_ms: r.time(c[2], names[2])?,
            exit_ms: r.opt_time(c[3], names[3])?,
            entry_price: r.f64(c[4], names[4])?,
            exit_price: r.opt_f64(c[5], names[5])?,
            max_qty: r.f64(c[6], names[6])?,
            realized_pnl: r.f64(c[7], names[7])?,
            fees: r.f64(c[8], names[8])?,
            funding: r.f64(c[9], names[9])?,
            net_pnl: r.f64(c[10], names[10])?,
            liquidated: r.bool(c[11], names[11])?,
            exit_by: by.map(str::to_string),
        });
    }
    Ok(out)
}

/// The rows of `equity.csv` (525,600 a year at 1m: one field vector for all rows, and each
/// date parsed once).
pub fn parse_equity(path: &Path, text: &str) -> Result<Vec<EquityPoint>, ReportError> {
    let mut t = Table::new(path, text)?;
    let (ct, ce, cm) = (t.col("time")?, t.col("equity")?, t.col("in_market")?);
    let mut out = Vec::with_capacity(text.len() / 48);
    let mut days = IsoDays::default();
    let mut row = Row {
        path,
        line: 0,
        fields: Vec::with_capacity(t.header.len()),
    };
    while t.next_into(&mut row) {
        let time = row.text(ct, "time")?;
        let time_ms = days
            .parse(time)
            .ok_or_else(|| row.err("time", time, "a UTC time like 2026-01-01T00:00:00.000Z"))?;
        out.push(EquityPoint {
            time_ms,
            equity: row.f64(ce, "equity")?,
            in_market: row.bool(cm, "in_market")?,
        });
    }
    Ok(out)
}

/// The rows of `prices.csv`.
pub fn parse_prices(path: &Path, text: &str) -> Result<Vec<Candle>, ReportError> {
    let mut t = Table::new(path, text)?;
    let names = [
        "symbol",
        "open_time",
        "close_time",
        "open",
        "high",
        "low",
        "close",
        "bars",
    ];
    let mut c = [0usize; 8];
    for (slot, name) in c.iter_mut().zip(names) {
        *slot = t.col(name)?;
    }
    let mut out = Vec::new();
    while let Some(r) = t.next_row() {
        let bars = r.text(c[7], names[7])?;
        out.push(Candle {
            symbol: r.text(c[0], names[0])?.to_string(),
            open_ms: r.time(c[1], names[1])?,
            close_ms: r.time(c[2], names[2])?,
            open: r.f64(c[3], names[3])?,
            high: r.f64(c[4], names[4])?,
            low: r.f64(c[5], names[5])?,
            close: r.f64(c[6], names[6])?,
            bars: bars
                .parse()
                .map_err(|_| r.err(names[7], bars, "a whole number"))?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column parsed with the date kept from row to row reads exactly as each time parsed
    /// alone, for valid times, near misses and garbage.
    #[test]
    fn times_in_a_column_read_as_each_time_alone() {
        let mut texts = Vec::new();
        for k in 0..3_000i64 {
            let t = pipeline::TimestampMs(1_767_225_600_000 - 86_400_000 + k * 59_999);
            texts.push(t.to_string());
        }
        texts.extend(
            [
                "2026-01-01T00:00:00.000Z",
                "2026-01-01X00:00:00.000Z",
                "2026-01-01T24:00:00.000Z",
                "2026-01-01T00:00:00.0000Z",
                "2026-01-01T00:00",
                "2026-01-01T00:0é:00Z",
                "2026-13-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
                "2026-01-01T00:00:60.5Z",
                "",
                "2026-01-0",
            ]
            .map(str::to_string),
        );
        let mut days = IsoDays::default();
        for t in &texts {
            assert_eq!(days.parse(t), parse_iso_ms(t), "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_as_alone(prefix in "20[0-9]{2}-[01][0-9]-[0-3][0-9]", rest in ".{0,16}", again in ".{0,24}") {
            let texts = [format!("{prefix}{rest}"), format!("{prefix}T00:00:00.000Z"), format!("{prefix}{again}"), again.clone()];
            let mut days = IsoDays::default();
            for t in &texts {
                proptest::prop_assert_eq!(days.parse(t), parse_iso_ms(t));
            }
        }
    }

    #[test]
    fn iso_times_with_and_without_milliseconds() {
        assert_eq!(parse_iso_ms("1970-01-01T00:01:00.000Z"), Some(60_000));
        assert_eq!(
            parse_iso_ms("2026-01-01T00:00:00.000Z"),
            Some(1_767_225_600_000)
        );
        assert_eq!(
            parse_iso_ms("2026-01-01T00:53:59.999Z"),
            Some(1_767_228_839_999)
        );
        assert_eq!(
            parse_iso_ms("2026-01-01T00:00:00Z"),
            Some(1_767_225_600_000)
        );
        assert_eq!(
            parse_iso_ms("2026-01-01T00:00:00.5Z"),
            Some(1_767_225_600_500)
        );
        for bad in [
            "",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00.1234Z",
        ] {
            assert_eq!(parse_iso_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn trades_parse_by_header_name_and_keep_open_trades() {
        let text = "symbol,side,entry_time,exit_time,entry_price,exit_price,max_qty,realized_pnl,fees,funding,net_pnl,liquidated,extra\n\
            BTCUSDT,LONG,2026-01-01T00:54:00.000Z,2026-01-01T01:12:00.000Z,87354.7,87280.2,0.006,-0.4470,0.5239,0,-0.9709,false,x\n\
            BTCUSDT,SHORT,2026-01-02T00:00:00.000Z,,87000,,0.006,0,0.26,0.01,-0.27,false,y\n";
        let rows = parse_trades(Path::new("trades.csv"), text).expect("parse");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].exit_price, Some(87280.2));
        assert_eq!(rows[0].net_pnl, -0.9709);
        assert_eq!(rows[1].exit_ms, None);
        assert_eq!(rows[1].side, "SHORT");
    }

    #[test]
    fn a_bad_value_names_the_file_line_and_column() {
        let text = "time,equity,in_market\n\
            2026-01-01T00:01:00.000Z,10000,false\n\
            2026-01-01T00:02:00.000Z,ten,false\n";
        let err = parse_equity(Path::new("run/equity.csv"), text).expect_err("bad");
        let msg = err.to_string();
        assert!(
            msg.starts_with("run/equity.csv:3: column `equity`: 'ten'"),
            "{msg}"
        );
        let missing = parse_prices(Path::new("prices.csv"), "symbol,open\n").expect_err("hdr");
        assert!(
            missing
                .to_string()
                .contains("prices.csv:1: no column `open_time`")
        );
    }
}
