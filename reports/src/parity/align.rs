//! Pairing two runs' decisions and finding where they part: per stage, records are sorted by
//! (time, symbol) and paired in order within each (time, symbol); a pair is identical when every
//! field is equal; a record without a partner is a divergence of its own.
//! Must never live here: reading files (`records`) or rendering.

use std::collections::BTreeMap;

use super::records::{Decision, STAGES};

/// How one stage compares.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageParity {
    pub stage: String,
    pub a: usize,
    pub b: usize,
    pub identical: usize,
}

impl StageParity {
    /// Identical pairs over the larger side (1.0 when both are empty).
    pub fn share(&self) -> f64 {
        let n = self.a.max(self.b);
        if n == 0 {
            1.0
        } else {
            self.identical as f64 / n as f64
        }
    }
}

/// The first place the two runs differ.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Divergence {
    pub stage: String,
    pub time_ms: i64,
    pub symbol: String,
    /// The field that differs (`record` when one side has no record there).
    pub field: String,
    pub a: String,
    pub b: String,
    /// Where each side's record was read (`orders.jsonl:12`), `-` when absent.
    pub a_source: String,
    pub b_source: String,
}

/// Sort key within a stage.
fn key(d: &Decision) -> (i64, &str) {
    (d.time_ms, d.symbol.as_str())
}

/// Pairs `a` and `b` (one stage each, any order) and counts identical pairs; returns the count
/// and the earliest divergence.
pub fn compare_stage(
    stage: usize,
    a: &[&Decision],
    b: &[&Decision],
) -> (StageParity, Option<Divergence>) {
    let group = |xs: &[&Decision]| {
        let mut m: BTreeMap<(i64, String), Vec<Decision>> = BTreeMap::new();
        for d in xs {
            m.entry((key(d).0, key(d).1.to_string()))
                .or_default()
                .push((*d).clone());
        }
        m
    };
    let (ga, gb) = (group(a), group(b));
    let mut keys: Vec<&(i64, String)> = ga.keys().chain(gb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut identical = 0;
    let mut first: Option<Divergence> = None;
    let empty = Vec::new();
    for k in keys {
        let (xa, xb) = (ga.get(k).unwrap_or(&empty), gb.get(k).unwrap_or(&empty));
        for i in 0..xa.len().max(xb.len()) {
            let div = match (xa.get(i), xb.get(i)) {
                (Some(x), Some(y)) => {
                    let diff = x.fields.iter().zip(&y.fields).find(|(p, q)| p != q);
                    match diff {
                        None => {
                            identical += 1;
                            None
                        }
                        Some(((name, va), (_, vb))) => Some(Divergence {
                            stage: STAGES[stage].to_string(),
                            time_ms: k.0,
                            symbol: k.1.clone(),
                            field: (*name).to_string(),
                            a: va.clone(),
                            b: vb.clone(),
                            a_source: x.source.clone(),
                            b_source: y.source.clone(),
                        }),
                    }
                }
                (x, y) => Some(Divergence {
                    stage: STAGES[stage].to_string(),
                    time_ms: k.0,
                    symbol: k.1.clone(),
                    field: "record".into(),
                    a: x.map_or("none".into(), describe),
                    b: y.map_or("none".into(), describe),
                    a_source: x.map_or("-".into(), |d| d.source.clone()),
                    b_source: y.map_or("-".into(), |d| d.source.clone()),
                }),
            };
            if first.is_none() {
                first = div;
            }
        }
    }
    let parity = StageParity {
        stage: STAGES[stage].to_string(),
        a: a.len(),
        b: b.len(),
        identical,
    };
    (parity, first)
}

/// `side=BUY qty=0.006 ...`: a record in one line.
fn describe(d: &Decision) -> String {
    d.fields
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares every stage; the first divergence is the earliest in time, and at equal times the
/// earliest stage in pipeline order.
pub fn compare(a: &[Decision], b: &[Decision]) -> (Vec<StageParity>, Option<Divergence>) {
    let mut stages = Vec::new();
    let mut first: Option<(i64, usize, Divergence)> = None;
    for s in 0..STAGES.len() {
        let xa: Vec<&Decision> = a.iter().filter(|d| d.stage == s).collect();
        let xb: Vec<&Decision> = b.iter().filter(|d| d.stage == s).collect();
        let (p, d) = compare_stage(s, &xa, &xb);
        stages.push(p);
        if let Some(d) = d
            && first.as_ref().is_none_or(|f| (d.time_ms, s) < (f.0, f.1))
        {
            first = Some((d.time_ms, s, d));
        }
    }
    (stages, first.map(|f| f.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(stage: usize, t: i64, fields: &[(&'static str, &str)]) -> Decision {
        Decision {
            stage,
            time_ms: t,
            symbol: "BTCUSDT".into(),
            fields: fields.iter().map(|(n, v)| (*n, v.to_string())).collect(),
            source: format!("x:{t}"),
        }
    }

    #[test]
    fn the_earliest_difference_wins_and_stage_order_breaks_ties() {
        let a = vec![
            d(0, 60, &[("action", "BUY")]),
            d(5, 60, &[("qty", "0.006")]),
            d(8, 120, &[("price", "100")]),
            d(0, 180, &[("action", "SELL")]),
        ];
        let mut b = a.clone();
        b[2].fields[0].1 = "100.5".into(); // fill price at t=120
        b[3].fields[0].1 = "BUY".into(); // signal at t=180
        let (stages, first) = compare(&a, &b);
        let first = first.expect("diverges");
        assert_eq!((first.stage.as_str(), first.time_ms), ("fill", 120));
        assert_eq!((first.a.as_str(), first.b.as_str()), ("100", "100.5"));
        assert_eq!(stages[0].identical, 1);
        assert_eq!(stages[0].share(), 0.5);
        assert_eq!(stages[5].share(), 1.0);
        // At one time, the earlier stage is named first.
        let mut c = a.clone();
        c[1].fields[0].1 = "0.007".into();
        c[0].fields[0].1 = "SELL".into();
        assert_eq!(compare(&a, &c).1.expect("diverges").stage, "signal");
    }

    #[test]
    fn a_missing_record_is_a_divergence() {
        let a = vec![d(5, 60, &[("qty", "1")]), d(5, 120, &[("qty", "1")])];
        let b = vec![d(5, 60, &[("qty", "1")])];
        let (stages, first) = compare(&a, &b);
        let first = first.expect("diverges");
        assert_eq!((first.field.as_str(), first.time_ms), ("record", 120));
        assert_eq!((first.a.as_str(), first.b.as_str()), ("qty=1", "none"));
        assert_eq!((stages[5].a, stages[5].b, stages[5].identical), (2, 1, 1));
    }
}
