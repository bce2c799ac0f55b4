//! The decisions of one run folder (or recorded live session), stage by stage, as comparable
//! records: read from `orders.jsonl`, `results.jsonl` and `fills.csv`.
//!
//! Each record keeps only what a stage decided (sizes, prices, sides, verdicts and reasons),
//! never identifiers that differ between runs by construction (order ids) or wall-clock times.
//! Must never live here: pairing or comparing records (that is `align`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::ReportError;

/// The stages a decision is recorded at, in pipeline order.
pub const STAGES: [&str; 9] = [
    "signal", "trader", "bridge", "governor", "permit", "order", "answer", "result", "fill",
];

/// One decision: where and when it was taken and the fields that say what it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Index into [`STAGES`].
    pub stage: usize,
    /// Bar or event time, epoch ms.
    pub time_ms: i64,
    pub symbol: String,
    /// Field name and value as text (decimals normalised, so `0.0060` equals `0.006`).
    pub fields: Vec<(&'static str, String)>,
    /// Where it was read: `orders.jsonl:12`.
    pub source: String,
}

/// A decimal string without trailing zeros; other text unchanged.
fn norm(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => canonical_number(s).unwrap_or_else(|| s.clone()),
        Value::Number(n) => canonical_number(&n.to_string()).unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

fn canonical_number(s: &str) -> Option<String> {
    let t = s.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let mut out = t.to_string();
    if out.contains('.') {
        while out.ends_with('0') {
            out.pop();
        }
        if out.ends_with('.') {
            out.pop();
        }
    }
    Some(if out == "-0" { "0".into() } else { out })
}

/// Reads `v[path...]` (nested keys).
fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(v, |v, k| v.get(*k).unwrap_or(&Value::Null))
}

/// A compared field: its name and its JSON path in the record.
type Field = (&'static str, &'static [&'static str]);

/// The stage of each journal kind and the fields it is compared on.
fn fields_of(kind: &str) -> Option<(usize, &'static [Field])> {
    Some(match kind {
        "signal" => (
            0,
            &[("action", &["action"]), ("confidence", &["confidence"])],
        ),
        "intent" => (
            1,
            &[
                ("type", &["intent_type"]),
                ("action", &["action"]),
                ("position_usd", &["position_usd"]),
                ("qty", &["qty"]),
                ("leverage", &["leverage"]),
                ("reduce_only", &["reduce_only"]),
            ],
        ),
        "plan" => (
            2,
            &[
                ("side", &["side"]),
                ("type", &["eval_type"]),
                ("qty", &["qty", "qty"]),
                ("tp_price", &["tp_price"]),
                ("sl_price", &["sl_price"]),
                ("decision", &["decision"]),
            ],
        ),
        "governed" => (
            3,
            &[
                ("decision", &["decision"]),
                ("blocked", &["kill", "blocked"]),
            ],
        ),
        "permit" => (
            4,
            &[
                ("allow", &["permit", "allow"]),
                ("qty", &["permit", "qty"]),
                ("reason", &["permit", "reason"]),
            ],
        ),
        "order" => (
            5,
            &[
                ("side", &["order", "side"]),
                ("type", &["order", "order_type"]),
                ("qty", &["order", "quantity"]),
                ("price", &["order", "price"]),
                ("stop_price", &["order", "stop_price"]),
                ("reduce_only", &["order", "reduce_only"]),
            ],
        ),
        "venue_answer" => (
            6,
            &[
                ("status", &["order", "status"]),
                ("executed_qty", &["order", "executed_qty"]),
                ("error", &["error"]),
            ],
        ),
        "result" => (
            7,
            &[
                ("executed", &["executed"]),
                ("qty", &["qty"]),
                ("side", &["side"]),
            ],
        ),
        "drop" => (
            7,
            &[
                ("dropped_at", &["stage"]),
                ("reason", &["reason"]),
                ("type", &["eval_type"]),
            ],
        ),
        _ => return None,
    })
}

/// The decisions of the journal `text` (a JSON-lines file named `name`, at `path`).
pub fn from_journal(path: &Path, name: &str, text: &str) -> Result<Vec<Decision>, ReportError> {
    let mut out = Vec::new();
    // Orders and answers carry no time or symbol: they inherit their plan's.
    let mut plan_at: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| ReportError::parse(path, i + 1, format!("not a JSON record: {e}")))?;
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        let Some((stage, fields)) = fields_of(kind) else {
            continue;
        };
        let plan_id = v.get("plan_id").and_then(Value::as_str).map(str::to_string);
        let own_time = v.get("time").and_then(Value::as_i64);
        let own_symbol = v
            .get("symbol")
            .or_else(|| v.get("order").and_then(|o| o.get("symbol")))
            .and_then(Value::as_str)
            .map(str::to_string);
        let (time_ms, symbol) = match (own_time, plan_id.as_ref().and_then(|p| plan_at.get(p))) {
            (Some(t), _) => (t, own_symbol.clone().unwrap_or_default()),
            (None, Some((t, s))) => (*t, own_symbol.clone().unwrap_or_else(|| s.clone())),
            (None, None) => continue,
        };
        if let (Some(p), Some(t)) = (&plan_id, own_time) {
            plan_at.insert(p.clone(), (t, symbol.clone()));
        }
        out.push(Decision {
            stage,
            time_ms,
            symbol,
            fields: fields.iter().map(|(n, p)| (*n, norm(at(&v, p)))).collect(),
            source: format!("{name}:{}", i + 1),
        });
    }
    Ok(out)
}

/// A fill as a decision, with its price as a number.
pub type FillRecord = (Decision, f64);

/// The fills of `fills.csv` (header `time,symbol,side,qty,price,fee,...`).
pub fn from_fills(path: &Path, text: &str) -> Result<Vec<FillRecord>, ReportError> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, h)| h.split(',').collect())
        .unwrap_or_default();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| ReportError::parse(path, 1, format!("no column `{name}` in the header")))
    };
    let (ct, cs, cd, cq, cp, cf) = (
        col("time")?,
        col("symbol")?,
        col("side")?,
        col("qty")?,
        col("price")?,
        col("fee")?,
    );
    let mut out = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let cell = |c: usize| cells.get(c).copied().unwrap_or_default();
        let time_ms = crate::run_folder::tables::parse_iso_ms(cell(ct))
            .ok_or_else(|| ReportError::parse(path, i + 1, format!("bad time `{}`", cell(ct))))?;
        let price: f64 = cell(cp)
            .parse()
            .map_err(|_| ReportError::parse(path, i + 1, format!("bad price `{}`", cell(cp))))?;
        let text = |c: usize| norm(&Value::String(cell(c).to_string()));
        out.push((
            Decision {
                stage: 8,
                time_ms,
                symbol: cell(cs).to_string(),
                fields: vec![
                    ("side", text(cd)),
                    ("qty", text(cq)),
                    ("price", text(cp)),
                    ("fee", text(cf)),
                ],
                source: format!("fills.csv:{}", i + 1),
            },
            price,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_by_value_and_orders_take_their_plans_time() {
        assert_eq!(canonical_number("0.0060").as_deref(), Some("0.006"));
        assert_eq!(canonical_number("100.").as_deref(), Some("100"));
        assert_eq!(canonical_number("-0.000").as_deref(), Some("0"));
        assert_eq!(canonical_number("BUY"), None);
        let text = concat!(
            r#"{"kind":"plan","plan_id":"p1","seq":1,"time":60000,"symbol":"BTCUSDT","side":"BUY","eval_type":"ENTRY","qty":{"qty":"0.0060"},"tp_price":null,"sl_price":"99","decision":"EXECUTE"}"#,
            "\n",
            r#"{"kind":"order","plan_id":"p1","order":{"symbol":"BTCUSDT","side":"BUY","order_type":"MARKET","quantity":"0.006","price":null,"stop_price":null,"reduce_only":false}}"#,
            "\n",
            r#"{"kind":"sizing","seq":1}"#,
            "\n"
        );
        let d = from_journal(Path::new("orders.jsonl"), "orders.jsonl", text).expect("parses");
        assert_eq!(d.len(), 2, "sizing is not a decision record");
        assert_eq!((d[1].stage, d[1].time_ms), (5, 60_000));
        assert_eq!(d[0].fields[2], ("qty", "0.006".to_string()));
        assert_eq!(d[1].source, "orders.jsonl:2");
        let bad = from_journal(Path::new("x/orders.jsonl"), "orders.jsonl", "{nope\n");
        assert!(
            bad.expect_err("bad")
                .to_string()
                .contains("x/orders.jsonl:1")
        );
    }
}
