//! The records a report needs from the journals: `drop` lines of `orders.jsonl` (blocked
//! intents, with Binance's code and message when the venue or the order check refused) and
//! `result` lines of `results.jsonl` (when orders were accepted, and the TP/SL orders placed
//! after an entry). Other kinds are skipped without being parsed.
//! Must never live here: aggregation (that is `analysis`), or the journal's writer.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ReportError;

/// A blocked intent or plan: where, when, which reason.
#[derive(Debug, Clone, PartialEq)]
pub struct DropRow {
    pub stage: String,
    /// ENTRY or EXIT.
    pub eval_type: String,
    pub time_ms: i64,
    pub symbol: String,
    pub reason: String,
    pub detail: String,
    /// Binance's error code and message, when the drop carries one.
    pub binance: Option<(i64, String)>,
    /// The mark price the notional was valued at (`notional_below_min` drops).
    pub price: Option<f64>,
}

/// An order the venue accepted (a `result` line).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    pub time_ms: i64,
    pub symbol: String,
    pub eval_type: String,
    /// Stop price of the take-profit placed after this entry, if one was placed.
    pub tp: Option<f64>,
    /// Stop price of the stop-loss placed after this entry, if one was placed.
    pub sl: Option<f64>,
}

#[derive(Deserialize)]
struct RawDrop {
    kind: String,
    stage: String,
    eval_type: String,
    time: i64,
    symbol: String,
    reason: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    evidence: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawProtective {
    order_type: String,
    stop_price: String,
    order_id: Option<i64>,
}

#[derive(Deserialize)]
struct RawResult {
    kind: String,
    time: i64,
    symbol: String,
    eval_type: String,
    #[serde(default)]
    protective: Vec<RawProtective>,
}

/// Binance's `{code, msg}` in a drop's evidence (`binance`, or `notional` with `reject`).
fn binance_of(evidence: &serde_json::Value) -> Option<(i64, String)> {
    let r = evidence.get("reject").unwrap_or(evidence);
    let code = r.get("code")?.as_i64()?;
    let msg = r.get("msg")?.as_str()?.to_string();
    Some((code, msg))
}

fn price_of(evidence: &serde_json::Value) -> Option<f64> {
    evidence
        .get("numbers")?
        .get("price")?
        .as_str()?
        .parse()
        .ok()
}

/// Calls `each` with every line of `lines` whose kind is `kind`, parsed as `T` (errors name
/// `path` and the line). `lines` is read one line at a time: a year's journal is tens of MB
/// and only a few of its records are wanted.
fn each_of_kind<T: DeserializeOwned>(
    path: &Path,
    mut lines: impl BufRead,
    kind: &str,
    mut each: impl FnMut(T),
) -> Result<(), ReportError> {
    let needle = format!("\"kind\":\"{kind}\"");
    let mut line = String::new();
    for n in 1.. {
        line.clear();
        let read = lines
            .read_line(&mut line)
            .map_err(|source| ReportError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            break;
        }
        if line.contains(&needle) {
            let record = serde_json::from_str::<T>(line.trim_end())
                .map_err(|e| ReportError::parse(path, n, format!("bad `{kind}` record: {e}")))?;
            each(record);
        }
    }
    Ok(())
}

/// The `drop` records of `orders.jsonl` (`lines`: its content).
pub fn parse_drops(path: &Path, lines: impl BufRead) -> Result<Vec<DropRow>, ReportError> {
    let mut out = Vec::new();
    each_of_kind::<RawDrop>(path, lines, "drop", |raw| {
        if raw.kind != "drop" {
            return;
        }
        let ev = raw.evidence.unwrap_or(serde_json::Value::Null);
        out.push(DropRow {
            stage: raw.stage,
            eval_type: raw.eval_type,
            time_ms: raw.time,
            symbol: raw.symbol,
            reason: raw.reason,
            detail: raw.detail,
            binance: binance_of(&ev),
            price: price_of(&ev),
        });
    })?;
    Ok(out)
}

/// The `result` records of `results.jsonl` (`lines`: its content).
pub fn parse_results(path: &Path, lines: impl BufRead) -> Result<Vec<ResultRow>, ReportError> {
    let mut out = Vec::new();
    each_of_kind::<RawResult>(path, lines, "result", |raw| {
        if raw.kind != "result" {
            return;
        }
        let stop = |t: &str| {
            raw.protective
                .iter()
                .find(|p| p.order_type == t && p.order_id.is_some())
                .and_then(|p| p.stop_price.parse::<f64>().ok())
        };
        out.push(ResultRow {
            time_ms: raw.time,
            tp: stop("TAKE_PROFIT_MARKET"),
            sl: stop("STOP_MARKET"),
            symbol: raw.symbol,
            eval_type: raw.eval_type,
        });
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_carry_binance_code_message_and_price() {
        let text = concat!(
            r#"{"kind":"signal","time":1,"symbol":"BTCUSDT","action":"BUY"}"#,
            "\n",
            r#"{"kind":"drop","stage":"executor","eval_type":"ENTRY","time":1767228840000,"symbol":"BTCUSDT","seq":1,"plan_id":"a","decision":"BLOCKED","reason":"lot_size_violation","detail":"BTCUSDT, qty 0 < minQty 0.001","evidence":{"type":"binance","code":-4003,"msg":"Quantity less than or equal to zero."}}"#,
            "\n",
            r#"{"kind":"drop","stage":"executor","eval_type":"ENTRY","time":1771900680000,"symbol":"BTCUSDT","seq":2,"plan_id":"b","decision":"BLOCKED","reason":"notional_below_min","detail":"BTCUSDT, 79.9 < 100","evidence":{"type":"notional","reject":{"code":-4164,"msg":"Order's notional must be no smaller than 100 (unless you choose reduce only)."},"numbers":{"price":"79899.3"}}}"#,
            "\n",
            r#"{"kind":"drop","stage":"trader","eval_type":"EXIT","time":5,"symbol":"ETHUSDT","seq":3,"plan_id":null,"decision":"BLOCKED","reason":"no_position_to_close","detail":"x"}"#,
            "\n"
        );
        let d = parse_drops(Path::new("orders.jsonl"), text.as_bytes()).expect("parse");
        assert_eq!(d.len(), 3);
        assert_eq!(
            d[0].binance,
            Some((-4003, "Quantity less than or equal to zero.".into()))
        );
        assert_eq!(d[1].binance.as_ref().map(|b| b.0), Some(-4164));
        assert_eq!(d[1].price, Some(79899.3));
        assert_eq!((d[2].binance.clone(), d[2].price), (None, None));
        assert_eq!(d[2].eval_type, "EXIT");
    }

    #[test]
    fn results_keep_placed_protective_stops_only() {
        let text = concat!(
            r#"{"kind":"result","time":10,"symbol":"BTCUSDT","eval_type":"ENTRY","protective":[{"order_type":"STOP_MARKET","stop_price":"86481.20","order_id":7,"error":null},{"order_type":"TAKE_PROFIT_MARKET","stop_price":"89101.70","order_id":null,"error":{"x":1}}]}"#,
            "\n",
            r#"{"kind":"result","time":20,"symbol":"BTCUSDT","eval_type":"EXIT","protective":[]}"#,
            "\n"
        );
        let r = parse_results(Path::new("results.jsonl"), text.as_bytes()).expect("parse");
        assert_eq!(r[0].sl, Some(86481.2));
        assert_eq!(r[0].tp, None, "not placed");
        assert_eq!(r[1].eval_type, "EXIT");
        let bad = parse_results(
            Path::new("results.jsonl"),
            "\n{\"kind\":\"result\"}\n".as_bytes(),
        )
        .expect_err("bad");
        assert!(
            bad.to_string()
                .starts_with("results.jsonl:2: bad `result` record"),
            "{bad}"
        );
    }
}
