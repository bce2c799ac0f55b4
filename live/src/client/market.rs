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

/// The `REQUEST_WEIGHT` limit per one minute among exchangeInfo's `rateLimits`.
fn request_weight_per_minute(rate_limits: &[serde_json::Value]) -> Option<u64> {
    rate_limits
        .iter()
        .find(|l| {
            l["rateLimitType"] == "REQUEST_WEIGHT"
                && l["interval"] == "MINUTE"
                && l["intervalNum"] == 1
        })
        .and_then(|l| l["limit"].as_u64())
}

impl Client {
    /// `GET /fapi/v1/exchangeInfo`, validated into the same specs the simulator uses.
    pub fn exchange_info(&self) -> Result<ExchangeInfo, VenueError> {
        self.exchange_info_with_body().map(|(info, _)| info)
    }

    /// `GET /fapi/v1/exchangeInfo` validated as [`Client::exchange_info`] does, with the body
    /// as the venue sent it (for a dated snapshot kept as Binance wrote it).
    pub fn exchange_info_with_body(&self) -> Result<(ExchangeInfo, String), VenueError> {
        let body = self.call_raw(&Request::public("/fapi/v1/exchangeInfo"))?;
        let source = format!("{} exchangeInfo", self.base_url());
        let info = ExchangeInfo::from_json(&body, &source).map_err(|e| {
            VenueError::Unavailable(format!("the venue's exchangeInfo is not usable: {e}"))
        })?;
        if let Some(limit) = request_weight_per_minute(&info.raw().rate_limits) {
            self.set_weight_limit(limit);
        }
        Ok((info, body))
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

#[cfg(test)]
mod tests {
    use super::request_weight_per_minute;
    use crate::client::transport::weight_above_warning_level;
    use serde_json::json;

    #[test]
    fn the_weight_warning_uses_the_venues_own_limit_and_none_without_one() {
        let limits = [
            json!({"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200}),
            json!({"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":4294967295u64}),
        ];
        let unlimited = request_weight_per_minute(&limits).expect("named");
        assert_eq!(unlimited, u64::from(u32::MAX));
        assert!(!weight_above_warning_level(1_000_000, u32::MAX));
        assert!(weight_above_warning_level(1921, 2400));
        assert!(!weight_above_warning_level(1920, 2400));
        assert!(weight_above_warning_level(81, 100));
        assert_eq!(request_weight_per_minute(&limits[..1]), None);
    }
}
