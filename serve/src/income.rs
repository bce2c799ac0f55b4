//! `GET /fapi/v1/income`: the simulated account's money flow as Binance's income rows: one
//! `FUNDING_FEE` row per funding payment, and per fill a `COMMISSION` row (the fee, negative)
//! and a `REALIZED_PNL` row when the fill closed something. Oldest first; `incomeType` filters;
//! `startTime`/`endTime` inclusive; without either, the last 7 days of the exchange's clock;
//! `limit` 1..=1000, default 100. A type the simulator never books (TRANSFER, ...) gives `[]`. A fill's rows carry its trade id (the same id as
//! `userTrades`) as `tradeId` and `tranId`; funding rows count their own `tranId`s.
//! Must never live here: funding or fee arithmetic (the simulator books both).

use binance::{IncomeRow, Params, amount_text};
use pipeline::venue::{Fill, VenueEvent};

use super::App;
use super::http::Answer;
use super::routes_market::limit_param;

const SEVEN_DAYS_MS: i64 = 7 * 24 * 3_600_000;
const COMMISSION: &str = "COMMISSION";
const REALIZED_PNL: &str = "REALIZED_PNL";

/// The income rows of fill `trade_id` (1-based, as `userTrades` numbers them).
fn fill_rows(trade_id: i64, f: &Fill) -> impl Iterator<Item = IncomeRow> {
    let row = |kind: &str, amount| IncomeRow {
        symbol: f.symbol.to_string(),
        income_type: kind.to_string(),
        income: amount_text(amount),
        asset: "USDT".to_string(),
        info: kind.to_string(),
        time: f.time.as_ms(),
        tran_id: trade_id,
        trade_id: trade_id.to_string(),
    };
    let pnl = (!f.realized_pnl.is_zero()).then(|| row(REALIZED_PNL, f.realized_pnl));
    pnl.into_iter().chain([row(COMMISSION, -f.fee)])
}

pub(crate) fn income(app: &App, p: &Params) -> Answer {
    let limit = limit_param(p, 100, 1000)? as usize;
    let (start, end) = super::routes_market::time_range(p)?;
    let kind = p.get("incomeType");
    let symbol = p.get("symbol");
    let m = app.market();
    let (from, to) = match (start, end) {
        (None, None) => (m.sim_now().as_ms() - SEVEN_DAYS_MS, i64::MAX),
        (s, e) => (s.unwrap_or(i64::MIN), e.unwrap_or(i64::MAX)),
    };
    let funding =
        m.ex.account_history()
            .iter()
            .enumerate()
            .filter_map(|(k, e)| match e {
                VenueEvent::Funding {
                    symbol: s,
                    amount,
                    time,
                    ..
                } => Some(IncomeRow::funding(k as i64 + 1, s.as_str(), *amount, *time)),
                _ => None,
            });
    let fills =
        m.ex.fills()
            .iter()
            .zip(1_i64..)
            .flat_map(|(f, id)| fill_rows(id, f));
    let mut rows: Vec<IncomeRow> = funding
        .chain(fills)
        .filter(|r| {
            kind.is_none_or(|k| k == r.income_type)
                && symbol.is_none_or(|s| s == r.symbol)
                && (from..=to).contains(&r.time)
        })
        .collect();
    // Stable: rows of one time keep their order (a fill's PnL before its commission).
    rows.sort_by_key(|r| r.time);
    rows.truncate(limit);
    serde_json::to_value(rows)
        .map_err(|e| pipeline::exchange_info::Reject::unknown_error(&e.to_string()))
}
