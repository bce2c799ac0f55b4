//! The run's execution model: every rule the simulation ran under, in words, for
//! `summary.json`'s `execution_model`, the console summary and the report. The exchange's
//! own rules come from `SimConfig::rule_texts`; the funding source depends on the data as well
//! (recorded files per symbol, or the constant rule), so it is put together here.
//! Must never live here: behaviour; this only describes.

use datasets::{BarSeries, FundingSeries};
use exchange_sim::SimConfig;
use pipeline::order::WorkingType;
use reports::run_folder::ExecutionModel;

use super::recorded_funding::uses_recorded;

/// What the exchange counted over a run, for the words.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Bars whose order of events the intrabar rule decided.
    pub by_rule: u64,
    /// Bars whose order of events the recorded trades decided.
    pub by_data: u64,
    /// Bars of symbols with mark prices that had no mark bar.
    pub marks_missing: u64,
}

/// The execution model of a run of `series` under `cfg`, whose TP/SL triggers watch
/// `triggers` (`executor.working_type`), with what the exchange counted.
pub fn of(
    cfg: &SimConfig,
    series: &[&BarSeries],
    triggers: WorkingType,
    counts: Counts,
) -> ExecutionModel {
    let Counts {
        by_rule,
        by_data,
        marks_missing,
    } = counts;
    let rules = cfg.rule_texts();
    let traded: Vec<&str> = series
        .iter()
        .filter(|s| s.trades().is_some())
        .map(|s| s.symbol().as_str())
        .collect();
    let finer: Vec<String> = series
        .iter()
        .filter(|s| s.trades().is_none())
        .filter_map(|s| Some(format!("{} {}", s.symbol(), s.fine()?.interval)))
        .collect();
    let (intrabar, source) = match (traded.is_empty(), finer.is_empty()) {
        (true, true) => (rules.intrabar, None),
        (false, _) => (
            format!(
                "the recorded trades (aggTrades) inside the bar where the bar reaches orders on both sides of its open ({}); else {}",
                traded.join(", "),
                rules.intrabar
            ),
            Some("the recorded trades"),
        ),
        (true, false) => (
            format!(
                "the finer bars inside the bar where the bar reaches orders on both sides of its open ({}; the dataset is built from them), unless one finer bar reaches both; else {}",
                finer.join(", "),
                rules.intrabar
            ),
            Some("the finer bars"),
        ),
    };
    ExecutionModel {
        fill_price: rules.fill_price,
        intrabar,
        intrabar_bars_by_rule: by_rule,
        intrabar_bars_by_data: by_data,
        intrabar_decided: decided_text(by_rule, by_data, source),
        funding: funding_text(cfg, series, &rules.constant_funding),
        mark_price: mark_text(series, &rules.mark_price, triggers, marks_missing),
        fees: rules.fees,
        slippage: rules.slippage,
        latency: rules.latency,
    }
}

/// The mark price: recorded mark-price klines (per symbol, with the bars that lacked one), or
/// the trade close (`plain`); and what the TP/SL triggers watch.
fn mark_text(series: &[&BarSeries], plain: &str, triggers: WorkingType, missing: u64) -> String {
    let marked: Vec<String> = series
        .iter()
        .filter_map(|s| Some(format!("{}: {}", s.symbol(), s.marks()?.files.join(", "))))
        .collect();
    let on_mark = triggers == WorkingType::MarkPrice;
    if marked.is_empty() {
        return if on_mark {
            format!(
                "{plain}; TP/SL set to trigger on the mark (executor.working_type = MARK_PRICE) trigger on the trade prices, since the dataset has no mark-price klines"
            )
        } else {
            plain.to_string()
        };
    }
    let fills = if on_mark {
        "fills at the trade price; TP/SL triggers on the mark bar (executor.working_type = MARK_PRICE)"
    } else {
        "fills and triggers at the trade price"
    };
    let unmarked: Vec<&str> = series
        .iter()
        .filter(|s| s.marks().is_none())
        .map(|s| s.symbol().as_str())
        .collect();
    let gaps = match missing {
        0 => String::new(),
        n => format!("; {n} bar(s) had no mark bar and were marked at the trade close"),
    };
    let rest = if unmarked.is_empty() {
        String::new()
    } else {
        format!("; {}: {plain}", unmarked.join(", "))
    };
    format!(
        "the recorded mark-price klines ({}): unrealised PnL, margin and funding at the mark close, liquidation when the mark bar reaches the liquidation price; {fills}{gaps}{rest}",
        marked.join("; ")
    )
}

/// How much of the run rests on the intrabar rule and how much on recorded trades.
/// `source`: what decides instead of the rule where it can (`None`: no finer data).
fn decided_text(by_rule: u64, by_data: u64, source: Option<&str>) -> String {
    let bound = "`exchange.intrabar = \"optimistic\"` gives the other bound";
    match (by_rule, by_data, source) {
        (0, 0, _) => {
            "no bar reached orders on both sides of its open: no fill rests on the rule".into()
        }
        (n, _, None) => format!(
            "{n} bar(s) reached orders on both sides of the open, so the rule chose which filled first (no finer data inside the bars; {bound})"
        ),
        (0, d, Some(src)) => format!(
            "{d} bar(s) reached orders on both sides of the open and {src} decided which filled first; no fill rests on the rule"
        ),
        (n, d, Some(src)) => format!(
            "{d} bar(s) reached orders on both sides of the open and {src} decided which filled first; in {n} more the rule chose (no finer data inside them, data that does not reach the bar's orders, or one finer bar reaching both; {bound})"
        ),
    }
}

/// Per symbol: recorded (files, range, intervals, missing settlements) or the constant rule.
fn funding_text(cfg: &SimConfig, series: &[&BarSeries], constant: &str) -> String {
    let recorded: Vec<&FundingSeries> = series.iter().filter_map(|s| s.funding()).collect();
    if recorded.is_empty() || !cfg.funding.enabled {
        return constant.to_string();
    }
    if !uses_recorded(&cfg.funding) {
        return format!(
            "{constant}; the dataset's recorded funding is not used (exchange.funding.recorded = false)"
        );
    }
    let parts: Vec<String> = series
        .iter()
        .map(|s| match s.funding() {
            Some(f) => recorded_text(f),
            None => format!("{}: {constant}", s.symbol()),
        })
        .collect();
    parts.join("; ")
}

fn recorded_text(f: &FundingSeries) -> String {
    let files = match f.files.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} .. {last} ({} files)", f.files.len()),
    };
    let Some((first, last)) = f.range() else {
        return format!(
            "{}: recorded ({files}) but no settlement inside the data",
            f.symbol
        );
    };
    let every: Vec<String> = f.intervals().iter().map(|h| format!("{h} h")).collect();
    let missing = match f.missing() {
        0 => String::new(),
        1 => ", 1 settlement missing (`sim data verify` lists it)".to_string(),
        n => format!(", {n} settlements missing (`sim data verify` lists them)"),
    };
    format!(
        "{}: recorded, {files}, {} settlements {} to {} UTC every {}{missing}",
        f.symbol,
        f.records.len(),
        first.to_minute_string(),
        last.to_minute_string(),
        every.join(" / ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::funding::parse::{CSV_HEADER, parse_csv};
    use pipeline::{Interval, Symbol, TimestampMs};

    #[test]
    fn funding_says_recorded_or_constant() {
        let sym = Symbol::new("BTCUSDT").expect("symbol");
        let start = TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
        let bars = datasets::generate(&sym, Interval::M1, start, start.plus_ms(86_399_000), 1)
            .expect("bars");
        let cfg = SimConfig::default();
        let plain = of(
            &cfg,
            &[&bars],
            WorkingType::ContractPrice,
            Counts::default(),
        );
        assert_eq!(plain.funding, "constant 0.0001 every 8 h (00:00 UTC grid)");
        // 00:00 and 16:00: 08:00 is missing.
        let csv = format!(
            "{CSV_HEADER}\n{},8,0.0001\n{},8,0.0001\n",
            start.0,
            start.0 + 16 * 3_600_000
        );
        let parsed = parse_csv(csv.as_bytes(), "f.csv").expect("csv");
        let f = FundingSeries::merge(
            sym,
            vec!["BTCUSDT-fundingRate-2026-01.zip".into()],
            parsed.records,
        )
        .expect("series");
        let with = bars.clone().with_funding(f);
        let m = of(
            &cfg,
            &[&with],
            WorkingType::ContractPrice,
            Counts {
                by_rule: 3,
                ..Counts::default()
            },
        );
        assert_eq!(
            m.funding,
            "BTCUSDT: recorded, BTCUSDT-fundingRate-2026-01.zip, 2 settlements 2026-01-01 00:00 to 2026-01-01 16:00 UTC every 8 h, 1 settlement missing (`sim data verify` lists it)"
        );
        let mut off = cfg.clone();
        off.funding.recorded = false;
        assert!(
            of(
                &off,
                &[&with],
                WorkingType::ContractPrice,
                Counts::default()
            )
            .funding
            .ends_with("(exchange.funding.recorded = false)")
        );
        assert!(m.rows().iter().all(|(_, v)| !v.is_empty()));
        assert!(
            m.intrabar_decided.starts_with("3 bar(s)"),
            "{}",
            m.intrabar_decided
        );
        assert!(plain.intrabar_decided.starts_with("no bar"));
    }
}
