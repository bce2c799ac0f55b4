//! `GET /fapi/v1/income`: the simulated account's funding payments as Binance's `FUNDING_FEE`
//! rows (oldest first; `startTime`/`endTime` inclusive; without either, the last 7 days of
//! the exchange's clock; `limit` 1..=1000, default 100). Other income types (realised PnL,
//! commission) are in `userTrades` and are not listed here: asking for one gives `[]`.
//! Must never live here: funding arithmetic (the simulator charges it).

use binance::income::FUNDING_FEE;
use binance::{IncomeRow, Params};
use pipeline::venue::VenueEvent;

use super::App;
use super::http::Answer;
use super::routes_market::limit_param;

const SEVEN_DAYS_MS: i64 = 7 * 24 * 3_600_000;

pub(crate) fn income(app: &App, p: &Params) -> Answer {
    let limit = limit_param(p, 100, 1000)? as usize;
    let (start, end) = super::routes_market::time_range(p)?;
    if p.get("incomeType").is_some_and(|t| t != FUNDING_FEE) {
        return Ok(serde_json::Value::Array(Vec::new()));
    }
    let symbol = p.get("symbol");
    let m = app.market();
    let (from, to) = match (start, end) {
        (None, None) => (m.sim_now().as_ms() - SEVEN_DAYS_MS, i64::MAX),
        (s, e) => (s.unwrap_or(i64::MIN), e.unwrap_or(i64::MAX)),
    };
    let rows: Vec<IncomeRow> =
        m.ex.account_history()
            .iter()
            .enumerate()
            .filter_map(|(k, e)| match e {
                VenueEvent::Funding {
                    symbol: s,
                    amount,
                    time,
                    ..
                } if symbol.is_none_or(|want| want == s.as_str())
                    && (from..=to).contains(&time.as_ms()) =>
                {
                    Some(IncomeRow::funding(k as i64 + 1, s.as_str(), *amount, *time))
                }
                _ => None,
            })
            .take(limit)
            .collect();
    serde_json::to_value(rows)
        .map_err(|e| pipeline::exchange_info::Reject::unknown_error(&e.to_string()))
}
