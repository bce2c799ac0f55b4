//! The preflight check, run by `sim check` and at the start of every run: the topology (F4,
//! errors), symbols the venue does not list (F5, warnings), sizing that cannot reach the
//! minimum notional at the dataset's prices (F3, warnings) and an executor allowlist that
//! blocks every plan (F8, warning). Each finding says the fix.
//!
//! The exchange info is a schedule (`ENV@history`: versions over time). The check reads the
//! versions valid while the data runs (all of them without data): a symbol missing from all of
//! them is not listed (F5, the same finding as for one exchange info); one listed in some and
//! not others is listed or delisted within the run (F5, saying when); sizing is checked
//! against every version's filters, so a MIN_NOTIONAL raised mid-run is found too.
//! Must never live here: running a backtest.

use datasets::BarSeries;
use exchange_sim::InfoSchedule;
use pipeline::TimestampMs;
use pipeline::exchange_info::ExchangeInfo;
use pipeline::stages::IntentBridge;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde::Serialize;

use crate::config::RunSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: what is wrong, where, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// `F3`, `F4`, `F5`, `F8`: the failure of PIPELINE.md this guards against.
    pub failure: &'static str,
    pub message: String,
}

/// The price range of a symbol in the run's data, for the sizing check, and its time span,
/// for the exchange-info versions valid while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRange {
    pub symbol: String,
    pub low: f64,
    pub high: f64,
    /// The first bar's open time (ms since the epoch, UTC).
    pub from_ms: i64,
    /// The last bar's close time.
    pub to_ms: i64,
}

impl PriceRange {
    /// The lowest low, highest high and time span of `s` (`None` when it has no bars).
    pub fn of(s: &BarSeries) -> Option<PriceRange> {
        let times = s.open_times();
        let (first, last) = (*times.first()?, *times.last()?);
        Some(PriceRange {
            symbol: s.symbol().to_string(),
            low: s.lows().iter().copied().fold(f64::INFINITY, f64::min),
            high: s.highs().iter().copied().fold(f64::NEG_INFINITY, f64::max),
            from_ms: first,
            to_ms: last + s.interval().as_ms() - 1,
        })
    }
}

/// Checks `spec` against the venue's exchange info over time `rules` (named `info_name`) and
/// the data's price ranges.
pub fn check(
    spec: &RunSpec,
    rules: &InfoSchedule,
    info_name: &str,
    prices: &[PriceRange],
) -> Vec<Finding> {
    let versions = versions_in(rules, prices);
    let mut out: Vec<Finding> = spec
        .topology
        .problems()
        .into_iter()
        .map(|p| Finding {
            severity: Severity::Error,
            failure: "F4",
            message: p.message,
        })
        .collect();
    let mut universe: Vec<String> = spec
        .pipeline
        .trader
        .symbols
        .iter()
        .map(|s| s.to_string())
        .collect();
    universe.extend(spec.run.symbols.iter().map(|s| s.to_string()));
    universe.extend(prices.iter().map(|p| p.symbol.clone()));
    universe.sort();
    universe.dedup();
    for s in &universe {
        out.extend(listing_finding(s, &versions, info_name));
    }
    for p in prices {
        let found = versions.iter().find_map(|(from, info)| {
            let f = sizing_finding(spec, info, p)?;
            Some(match (versions.len(), from) {
                (1, _) => f,
                (_, Some(t)) => Finding {
                    message: format!(
                        "{} (exchange info from {} UTC)",
                        f.message,
                        t.to_minute_string()
                    ),
                    ..f
                },
                (_, None) => Finding {
                    message: format!("{} (exchange info at the start)", f.message),
                    ..f
                },
            })
        });
        out.extend(found);
    }
    out.extend(producer_finding(spec));
    out
}

/// The versions of `rules` valid while the data in `prices` runs (every version without
/// data), each with the time it starts applying (`None`: at the data's start, or before it).
fn versions_in<'a>(
    rules: &'a InfoSchedule,
    prices: &[PriceRange],
) -> Vec<(Option<TimestampMs>, &'a ExchangeInfo)> {
    let span = prices.iter().fold(None, |acc: Option<(i64, i64)>, p| {
        Some(acc.map_or((p.from_ms, p.to_ms), |(a, b)| {
            (a.min(p.from_ms), b.max(p.to_ms))
        }))
    });
    let all: Vec<(TimestampMs, &ExchangeInfo)> = rules.versions().collect();
    let mut out = Vec::with_capacity(all.len());
    for (i, &(from, info)) in all.iter().enumerate() {
        let until = all.get(i + 1).map_or(i64::MAX, |(t, _)| t.0);
        let (start, end) = span.unwrap_or((i64::MIN, i64::MAX));
        if from.0 <= end && until > start {
            out.push(((from.0 > start).then_some(from), info));
        }
    }
    if out.is_empty() {
        // The data lies wholly before a schedule's first version: nothing is listed then.
        out.extend(all.first().map(|(_, info)| (None, *info)));
    }
    out
}

/// The F5 finding for symbol `s`: not listed in any of `versions`, or listed in some and not
/// others (listed or delisted while the run goes on, and when).
fn listing_finding(
    s: &str,
    versions: &[(Option<TimestampMs>, &ExchangeInfo)],
    info_name: &str,
) -> Option<Finding> {
    let listed: Vec<bool> = versions.iter().map(|(_, i)| i.get(s).is_some()).collect();
    if listed.iter().all(|l| *l) {
        return None;
    }
    let warn = |message| Finding {
        severity: Severity::Warning,
        failure: "F5",
        message,
    };
    if !listed.iter().any(|l| *l) {
        let when = if versions.len() > 1 {
            " at any time of the data"
        } else {
            ""
        };
        return Some(warn(format!(
            "{s} is not listed in exchange info '{info_name}'{when}: every order for it will be refused \
             (-1121 Invalid symbol.); remove it from the universe or use an exchange info that lists it"
        )));
    }
    let mut events = Vec::new();
    if !listed[0] {
        events.push("not listed at the start".to_string());
    }
    for (i, pair) in listed.windows(2).enumerate() {
        let at = versions[i + 1].0.map_or_else(
            || "the start".to_string(),
            |t| format!("{} UTC", t.to_minute_string()),
        );
        match (pair[0], pair[1]) {
            (true, false) => events.push(format!("delisted at {at}")),
            (false, true) => events.push(format!("listed at {at}")),
            _ => {}
        }
    }
    Some(warn(format!(
        "{s} is listed in exchange info '{info_name}' only part of the time: {}; while it is not \
         listed every order for it is refused (-1121 Invalid symbol.), and at a delisting its open \
         orders are canceled and its position is settled at the last mark",
        events.join(", ")
    )))
}

/// An executor allowlist that leaves out the bridge, the producer of every plan: the executor
/// would drop them all (`source_not_allowed`), the F8 pattern of a later stage blocking
/// everything whatever is fixed before it.
fn producer_finding(spec: &RunSpec) -> Option<Finding> {
    let allow = &spec.pipeline.executor.source_allowlist;
    let producer = IntentBridge::PRODUCER;
    if allow.is_empty() || allow.iter().any(|s| s == producer) {
        return None;
    }
    Some(Finding {
        severity: Severity::Warning,
        failure: "F8",
        message: format!(
            "executor.source_allowlist = {allow:?} leaves out '{producer}', the producer of every plan: \
             each one will be dropped as source_not_allowed; add '{producer}' to the list or leave it empty \
             (the list names the services that produce plans, not signal sources)"
        ),
    })
}

fn sizing_finding(spec: &RunSpec, info: &ExchangeInfo, range: &PriceRange) -> Option<Finding> {
    let spec_sym = info.get(&range.symbol)?;
    let t = &spec.pipeline.trader;
    let margin = t.position_usd.min(t.max_position_usd);
    let lev = Decimal::from(t.leverage);
    let min = spec_sym.min_notional;
    // The smallest order notional over the data's prices: check both ends of the range.
    for price in [range.low, range.high] {
        let price = Decimal::from_f64(price)?.round_dp(8);
        if price <= Decimal::ZERO {
            continue;
        }
        let raw = margin * lev / price;
        let qty = spec_sym
            .market_lot_size
            .floor_qty(raw)
            .unwrap_or(Decimal::ZERO);
        let notional = qty * price;
        if notional >= min {
            continue;
        }
        let upsized = spec_sym.market_lot_size.ceil_qty(min / price);
        let upsized_margin = upsized * price / lev;
        let fix = if spec.pipeline.executor.allow_upsize && upsized_margin <= t.max_position_usd {
            continue;
        } else if spec.pipeline.executor.allow_upsize {
            format!(
                "allow_upsize is on but {upsized} {sym} needs {m:.2} USD of margin, over max_position_usd {mx}; raise max_position_usd",
                sym = range.symbol,
                m = upsized_margin,
                mx = t.max_position_usd
            )
        } else {
            format!(
                "enable executor.allow_upsize or raise trader.position_usd to at least {:.2}",
                (min / lev).round_dp(2)
            )
        };
        let min_qty = spec_sym.market_lot_size.min_qty;
        let blocked_as = if qty < min_qty {
            format!("lot_size_violation (qty under minQty {min_qty})")
        } else {
            "notional_below_min (-4164)".to_string()
        };
        return Some(Finding {
            severity: Severity::Warning,
            failure: "F3",
            message: format!(
                "{sym}: at price {price}, position_usd {margin} x leverage {lev} gives {qty} {sym} = {n:.2} USD, \
                 under the minimum notional {min}: the executor will block it as {blocked_as}; {fix}",
                sym = range.symbol,
                n = notional
            ),
        });
    }
    None
}

/// The report printed by `sim check`.
pub fn render(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "check: no problems found\n".to_string();
    }
    let mut s = String::new();
    for f in findings {
        let tag = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        s.push_str(&format!("{tag} [{}]: {}\n", f.failure, f.message));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    s.push_str(&format!(
        "check: {errors} error(s), {} warning(s)\n",
        findings.len() - errors
    ));
    s
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
