//! The report's tables as HTML: the execution model, metrics (with how each is computed), the
//! funnel by stage and type, the rejection reasons with Binance's code and message,
//! per-symbol figures, and the trade list (the first and last [`TRADE_ROWS`] rows;
//! `trades.csv` has all). Funding has one sign everywhere: as it adds to PnL (received
//! positive), which is the opposite of the account's `funding_paid`.
//! Must never live here: computing the numbers (that is `metrics`/`analysis`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use pipeline::TimestampMs;
use pipeline::funnel::Funnel;
use pipeline::reason::Reason;
use pipeline::stages::{EvalType, Stage};

use super::{duration, esc, money, opt2, pct};
use crate::Derived;
use crate::analysis::{ReasonRow, SymbolStats};
use crate::run_folder::RunFolder;

/// How many trades the list shows from each end.
pub const TRADE_ROWS: usize = 200;

fn signed(v: f64, text: String) -> String {
    let class = if v < 0.0 {
        "neg"
    } else if v > 0.0 {
        "pos"
    } else {
        ""
    };
    format!("<td class=\"n {class}\">{text}</td>")
}

/// `v` with `decimals` places and a `+` when positive (none on zero).
fn plus(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v);
    let digits = text.trim_start_matches('-');
    if digits.chars().all(|c| c == '0' || c == '.') {
        // Rounds to zero (-0.00001 would show as -0.00).
        digits.to_string()
    } else if v > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// Funding as it adds to PnL (positive: received) from the account's `funding_paid`
/// (Binance's sign: positive paid), with two decimals and its sign.
pub fn funding_received(funding_paid: &str) -> String {
    funding_paid
        .parse::<f64>()
        .map_or_else(|_| funding_paid.to_string(), |paid| plus(-paid, 2))
}

/// The execution model: each rule the simulation ran under.
pub fn execution_model(out: &mut String, m: &crate::run_folder::ExecutionModel) {
    if m.rows().iter().all(|(_, v)| v.is_empty()) {
        out.push_str("<p class=\"note\">This run folder predates the execution-model section of <code>summary.json</code>; run the backtest again to see the rules it ran under.</p>\n");
        return;
    }
    out.push_str("<p class=\"note\">Every rule of the simulation that decides a price, a fill or a payment. Results rest on these assumptions.</p>\n<table><tr><th>rule</th><th>in force</th></tr>\n");
    for (label, value) in m.rows() {
        let _ = writeln!(out, "<tr><th>{label}</th><td>{}</td></tr>", esc(value));
    }
    out.push_str("</table>\n");
}

/// The metrics table.
pub fn metrics(out: &mut String, run: &RunFolder, d: &Derived) {
    let s = &run.summary;
    let m = &s.metrics;
    let a = &s.account;
    let bpy = d.bars_per_year;
    let ann = format!(
        "per-bar simple returns, zero risk-free rate, annualised by √(bars per year) = √{bpy:.0} for {} bars (365-day years: crypto trades every day)",
        s.dataset.interval
    );
    let liquidations = run.trades.iter().filter(|t| t.liquidated).count();
    let rows: Vec<(&str, String, String)> = vec![
        (
            "Total return",
            pct(m.total_return),
            "final equity / first equity − 1".into(),
        ),
        (
            "CAGR",
            m.cagr.map_or("–".into(), pct),
            "compounded yearly rate over the run's span (365-day years); extreme for short runs"
                .into(),
        ),
        (
            "Sharpe ratio",
            opt2(m.sharpe),
            format!("mean / sample standard deviation of {ann}"),
        ),
        (
            "Sortino ratio",
            opt2(m.sortino),
            "mean / downside deviation √(mean(min(r, 0)²)), annualised the same way".into(),
        ),
        ("Calmar ratio", opt2(m.calmar), "CAGR / max drawdown".into()),
        (
            "Max drawdown",
            pct(-m.max_drawdown),
            "largest fall from a peak of equity, as a fraction of that peak".into(),
        ),
        (
            "Max drawdown duration",
            duration(m.max_drawdown_duration_ms as f64),
            "longest time from a peak until equity is back at it (or the end)".into(),
        ),
        (
            "Win rate",
            m.win_rate
                .map_or("–".into(), |w| format!("{:.2}%", w * 100.0)),
            "closed trades with net PnL > 0".into(),
        ),
        (
            "Profit factor",
            opt2(m.profit_factor),
            "sum of winning net PnL / sum of losing net PnL".into(),
        ),
        (
            "Expectancy",
            m.expectancy.map_or("–".into(), |e| format!("{e:.4} USDT")),
            "mean net PnL per closed trade".into(),
        ),
        (
            "Exposure",
            format!("{:.2}%", m.exposure * 100.0),
            "share of bars with a position open".into(),
        ),
        ("Trades", m.trades.to_string(), "closed round trips".into()),
        (
            "Average holding time",
            m.avg_holding_ms.map_or("–".into(), duration),
            "entry fill to exit fill".into(),
        ),
        (
            "Fees",
            format!("{} USDT", money(&a.fees_paid)),
            "commission paid (maker/taker)".into(),
        ),
        (
            "Funding",
            format!("{} USDT", funding_received(&a.funding_paid)),
            "funding received minus funding paid: positive = received, negative = paid (the per-symbol and trade tables use the same sign)".into(),
        ),
        (
            "Liquidations",
            liquidations.to_string(),
            "trades closed by the exchange's liquidation".into(),
        ),
        (
            "Starting balance",
            format!("{} USDT", money(&a.initial_balance)),
            String::new(),
        ),
        (
            "Final equity",
            format!("{} USDT", money(&a.equity)),
            "wallet + unrealised PnL at the last bar".into(),
        ),
    ];
    out.push_str("<table><tr><th>metric</th><th class=\"n\">value</th><th>how</th></tr>\n");
    for (name, value, how) in rows {
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&value),
            esc(&how)
        );
    }
    out.push_str("</table>\n");
}

/// The funnel as a table: stage x type, in, out, dropped by reason.
pub fn funnel(out: &mut String, f: &Funnel) {
    out.push_str("<div class=\"scroll\"><table><tr><th>stage</th><th>type</th><th class=\"n\">in</th><th class=\"n\">out</th><th class=\"n\">dropped</th><th>reasons</th></tr>\n");
    for stage in Stage::ALL {
        for eval in EvalType::BOTH {
            let c = f.counts(stage, eval);
            let reasons: Vec<String> = c
                .dropped
                .iter()
                .map(|(r, n)| format!("<code>{}</code> {n}", esc(r.as_str())))
                .collect();
            let _ = writeln!(
                out,
                "<tr><td>{stage}</td><td>{eval}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                c.input,
                c.output,
                c.dropped_total(),
                reasons.join(", ")
            );
        }
    }
    for eval in EvalType::BOTH {
        let v = &f.venue;
        let _ = writeln!(
            out,
            "<tr><td>venue</td><td>{eval}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            v.orders_sent.get(eval),
            v.orders_filled.get(eval),
            v.orders_refused.get(eval),
            v.orders_line(eval)
        );
    }
    let _ = writeln!(
        out,
        "</table></div>\n<p class=\"note\">Signals in: {}; recorded intents in: {}. TP/SL orders placed {}, failed {}, cancelled {}; upsized orders {}. Ledger/venue mismatches: {}.</p>",
        f.signals,
        f.recorded_intents,
        f.venue.protective_placed,
        f.venue.protective_failed,
        f.venue.protective_cancelled,
        f.venue.upsized,
        f.ledger.mismatches
    );
}

/// The rejection reasons with Binance's code and message.
pub fn reasons(out: &mut String, rows: &[ReasonRow]) {
    if rows.is_empty() {
        out.push_str(
            "<p>Nothing was blocked: every signal that reached a stage was passed on.</p>\n",
        );
        return;
    }
    out.push_str("<div class=\"scroll\"><table><tr><th>stage</th><th>type</th><th>reason</th><th class=\"n\">count</th><th class=\"n\">of stage input</th><th class=\"n\">Binance code</th><th>Binance message</th><th>first example</th><th>what to change</th></tr>\n");
    for r in rows {
        let share = if r.stage_input > 0 {
            format!("{:.1}%", r.count as f64 * 100.0 / r.stage_input as f64)
        } else {
            "–".into()
        };
        let fix = Reason::from_code(&r.reason).map_or("", |x| x.fix());
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{share}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.stage),
            esc(&r.eval_type),
            esc(&r.reason),
            r.count,
            r.binance_code.map_or("–".into(), |c| c.to_string()),
            esc(r.binance_msg.as_deref().unwrap_or("–")),
            esc(&r.example),
            esc(fix)
        );
    }
    out.push_str("</table></div>\n");
}

/// Per-symbol figures.
pub fn symbols(out: &mut String, stats: &BTreeMap<String, SymbolStats>) {
    out.push_str("<div class=\"scroll\"><table><tr><th>symbol</th><th class=\"n\">entered pipeline</th><th class=\"n\">dropped</th><th class=\"n\">orders accepted</th><th class=\"n\">closed trades</th><th class=\"n\">win rate</th><th class=\"n\">net PnL (USDT)</th><th class=\"n\">fees (USDT)</th><th class=\"n\">funding (USDT)</th><th class=\"n\">liquidations</th></tr>\n");
    for (sym, s) in stats {
        let win = if s.closed_trades > 0 {
            format!("{:.1}%", s.wins as f64 * 100.0 / s.closed_trades as f64)
        } else {
            "–".into()
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{win}</td>{}<td class=\"n\">{:.2}</td>{}<td class=\"n\">{}</td></tr>",
            esc(sym),
            s.entered,
            s.dropped,
            s.orders,
            s.closed_trades,
            signed(s.net_pnl, format!("{:.2}", s.net_pnl)),
            s.fees,
            signed(s.funding, plus(s.funding, 2)),
            s.liquidations
        );
    }
    out.push_str("</table></div>\n");
}

fn time(ms: i64) -> String {
    TimestampMs(ms).to_minute_string()
}

/// The trade list: every trade up to 2 x [`TRADE_ROWS`], else the first and last ones.
pub fn trades(out: &mut String, run: &RunFolder, d: &Derived) {
    let t = &run.trades;
    if t.is_empty() {
        out.push_str("<p>No trades: no order was filled (see the funnel and the rejection reasons above).</p>\n");
        return;
    }
    let skip = t.len() > 2 * TRADE_ROWS;
    if skip {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} trades: the first and last {TRADE_ROWS} are listed; <code>trades.csv</code> in the run folder has all of them.</p>",
            t.len()
        );
    }
    out.push_str("<div class=\"scroll\"><table class=\"compact\"><tr><th class=\"n\">#</th><th>symbol</th><th>side</th><th>entry (UTC)</th><th>exit (UTC)</th><th class=\"n\">held</th><th class=\"n\">entry price</th><th class=\"n\">exit price</th><th class=\"n\">qty</th><th class=\"n\">realised</th><th class=\"n\">fees</th><th class=\"n\">funding</th><th class=\"n\">net PnL</th><th>ended by</th></tr>\n");
    for (i, tr) in t.iter().enumerate() {
        if skip && i == TRADE_ROWS {
            let _ = writeln!(
                out,
                "<tr class=\"gap\"><td colspan=\"14\">… {} trades not shown (rows {}–{}; see trades.csv) …</td></tr>",
                t.len() - 2 * TRADE_ROWS,
                TRADE_ROWS + 1,
                t.len() - TRADE_ROWS
            );
        }
        if skip && i >= TRADE_ROWS && i < t.len() - TRADE_ROWS {
            continue;
        }
        let ended = match d.exit_kinds.get(i).copied().flatten() {
            Some(k) => k.label(),
            None => "open at end",
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{}<td class=\"n\">{:.4}</td>{}{}<td>{ended}</td></tr>",
            i + 1,
            esc(&tr.symbol),
            esc(&tr.side),
            time(tr.entry_ms),
            tr.exit_ms.map_or("–".into(), time),
            tr.exit_ms
                .map_or("–".into(), |x| duration((x - tr.entry_ms) as f64)),
            tr.entry_price,
            tr.exit_price.map_or("–".into(), |p| p.to_string()),
            tr.max_qty,
            signed(tr.realized_pnl, format!("{:.4}", tr.realized_pnl)),
            tr.fees,
            signed(tr.funding, plus(tr.funding, 4)),
            signed(tr.net_pnl, format!("{:.4}", tr.net_pnl)),
        );
    }
    out.push_str("</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funding_is_signed_as_it_adds_to_pnl() {
        // The account's funding_paid is Binance's sign (positive paid): -3.92 means received.
        assert_eq!(funding_received("-3.92"), "+3.92");
        assert_eq!(funding_received("1.5"), "-1.50");
        assert_eq!(funding_received("0"), "0.00");
        assert_eq!(funding_received("0.000001"), "0.00");
        assert_eq!(plus(0.52, 4), "+0.5200");
        assert_eq!(plus(-0.5, 2), "-0.50");
    }
}
