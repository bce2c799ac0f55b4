//! Unsigned market data: exchange info (parsed by `pipeline::exchange_info`, so live and
//! simulated venues share one `SymbolSpec`), klines, mark price.
//! Must never live here: signed calls.

use binance::PremiumIndex;
use pipeline::exchange_info::ExchangeInfo;
use pipeline::venue::VenueError;
use pipeline::{Interval, Kline, Price, Symbol, TimestampMs};

use super::convert::parse_kline_row;
use super::transport::{Client, Request};

/// Binance's largest `limit` for klines.
pub const MAX_KLINES: u32 = 1500;

impl Client {
    /// `GET /fapi/v1/exchangeInfo`, validated into the same specs the simulator uses.
    pub fn exchange_info(&self) -> Result<ExchangeInfo, VenueError> {
        let body = self.call_raw(&Request::public("/fapi/v1/exchangeInfo"))?;
        let source = format!("{} exchangeInfo", self.base_url());
        ExchangeInfo::from_json(&body, &source).map_err(|e| {
            VenueError::Unavailable(format!("the venue's exchangeInfo is not usable: {e}"))
        })
    }

    /// `GET /fapi/v1/klines`: up to `limit` klines (ascending) opening in `[start, end]`. The
    /// newest may still be open: compare `close_time` with the server time.
    pub fn klines(
        &self,
        symbol: &Symbol,
        interval: Interval,
        start: Option<TimestampMs>,
        end: Option<TimestampMs>,
        limit: u32,
    ) -> Result<Vec<Kline>, VenueError> {
        let req = Request::public("/fapi/v1/klines")
            .param("symbol", symbol.as_str())
            .param("interval", interval.as_str())
            .param_opt("startTime", start.map(|t| t.as_ms()))
            .param_opt("endTime", end.map(|t| t.as_ms()))
            .param("limit", limit.clamp(1, MAX_KLINES));
        let rows: Vec<serde_json::Value> = self.call(&req)?;
        rows.iter().map(parse_kline_row).collect()
    }

    /// `GET /fapi/v1/premiumIndex`: the mark price.
    pub fn mark_price(&self, symbol: &Symbol) -> Result<Price, VenueError> {
        let req = Request::public("/fapi/v1/premiumIndex").param("symbol", symbol.as_str());
        let p: PremiumIndex = self.call(&req)?;
        let d = pipeline::domain::money::parse_decimal(&p.mark_price).ok_or_else(|| {
            VenueError::Unknown(format!(
                "the venue's mark price for {symbol} is {:?}",
                p.mark_price
            ))
        })?;
        Price::new(d)
            .map_err(|_| VenueError::Unknown(format!("the venue's mark price for {symbol} is {d}")))
    }
}
