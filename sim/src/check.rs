//! The preflight check, run by `sim check` and at the start of every run: the topology (F4,
//! errors), symbols the venue does not list (F5, warnings), sizing that cannot reach the
//! minimum notional at the dataset's prices (F3, warnings) and an executor allowlist that
//! blocks every plan (F8, warning). Each finding says the fix.
//! Must never live here: running a backtest.

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

/// The price range of a symbol in the run's data, for the sizing check.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRange {
    pub symbol: String,
    pub low: f64,
    pub high: f64,
}

/// Checks `spec` against the venue `info` (named `info_name`) and the data's price ranges.
pub fn check(
    spec: &RunSpec,
    info: &ExchangeInfo,
    info_name: &str,
    prices: &[PriceRange],
) -> Vec<Finding> {
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
        if info.get(s).is_none() {
            out.push(Finding {
                severity: Severity::Warning,
                failure: "F5",
                message: format!(
                    "{s} is not listed in exchange info '{info_name}': every order for it will be refused \
                     (-1121 Invalid symbol.); remove it from the universe or use an exchange info that lists it"
                ),
            });
        }
    }
    for p in prices {
        if let Some(f) = sizing_finding(spec, info, p) {
            out.push(f);
        }
    }
    out.extend(producer_finding(spec));
    out
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
