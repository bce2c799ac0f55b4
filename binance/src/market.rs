//! Binance's market-data shapes: the 12-element kline array, server time, premiumIndex,
//! ticker price, a one-level depth book, and the websocket kline event; conversions to and
//! from the pipeline's `Kline`.
//! Must never live here: HTTP or websocket plumbing.

use pipeline::{Kline, Notional, Price, Qty, TimestampMs};
use serde::{Deserialize, Serialize};

use super::{WireError, dec};

/// One row of `GET /fapi/v1/klines`: `[openTime, open, high, low, close, volume, closeTime,
/// quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlineRow(
    pub i64,
    pub String,
    pub String,
    pub String,
    pub String,
    pub String,
    pub i64,
    pub String,
    pub u64,
    pub String,
    pub String,
    pub String,
);

fn price(field: &str, text: &str) -> Result<Price, WireError> {
    Price::new(dec(field, text)?).map_err(|_| WireError::new(field, text))
}

fn qty(field: &str, text: &str) -> Result<Qty, WireError> {
    Qty::new(dec(field, text)?).map_err(|_| WireError::new(field, text))
}

fn notional(field: &str, text: &str) -> Result<Notional, WireError> {
    Notional::new(dec(field, text)?).map_err(|_| WireError::new(field, text))
}

impl From<&Kline> for KlineRow {
    fn from(k: &Kline) -> Self {
        KlineRow(
            k.open_time.as_ms(),
            k.open.to_string(),
            k.high.to_string(),
            k.low.to_string(),
            k.close.to_string(),
            k.volume.to_string(),
            k.close_time.as_ms(),
            k.quote_volume.to_string(),
            k.trades,
            k.taker_buy_volume.to_string(),
            k.taker_buy_quote_volume.to_string(),
            k.ignore.clone(),
        )
    }
}

impl KlineRow {
    pub fn to_kline(&self) -> Result<Kline, WireError> {
        Ok(Kline {
            open_time: TimestampMs(self.0),
            open: price("open", &self.1)?,
            high: price("high", &self.2)?,
            low: price("low", &self.3)?,
            close: price("close", &self.4)?,
            volume: qty("volume", &self.5)?,
            close_time: TimestampMs(self.6),
            quote_volume: notional("quoteVolume", &self.7)?,
            trades: self.8,
            taker_buy_volume: qty("takerBuyVolume", &self.9)?,
            taker_buy_quote_volume: notional("takerBuyQuoteVolume", &self.10)?,
            ignore: self.11.clone(),
        })
    }
}

/// `GET /fapi/v1/time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTime {
    pub server_time: i64,
}

/// `GET /fapi/v1/premiumIndex` (one symbol).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PremiumIndex {
    pub symbol: String,
    pub mark_price: String,
    pub index_price: String,
    pub estimated_settle_price: String,
    pub last_funding_rate: String,
    pub interest_rate: String,
    pub next_funding_time: i64,
    pub time: i64,
}

/// `GET /fapi/v1/ticker/price` and v2 (one symbol).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickerPrice {
    pub symbol: String,
    pub price: String,
    pub time: i64,
}

/// `GET /fapi/v1/depth`: levels are `[price, qty]` string pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Depth {
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: i64,
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "T")]
    pub transaction_time: i64,
    pub bids: Vec<(String, String)>,
    pub asks: Vec<(String, String)>,
}

/// The `k` object of a websocket kline event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WsKline {
    #[serde(rename = "t")]
    pub open_time: i64,
    #[serde(rename = "T")]
    pub close_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "i")]
    pub interval: String,
    #[serde(rename = "f")]
    pub first_trade_id: i64,
    #[serde(rename = "L")]
    pub last_trade_id: i64,
    #[serde(rename = "o")]
    pub open: String,
    #[serde(rename = "c")]
    pub close: String,
    #[serde(rename = "h")]
    pub high: String,
    #[serde(rename = "l")]
    pub low: String,
    #[serde(rename = "v")]
    pub volume: String,
    #[serde(rename = "n")]
    pub trades: u64,
    /// True once the kline is closed: only closed klines are bars.
    #[serde(rename = "x")]
    pub closed: bool,
    #[serde(rename = "q")]
    pub quote_volume: String,
    #[serde(rename = "V")]
    pub taker_buy_volume: String,
    #[serde(rename = "Q")]
    pub taker_buy_quote_volume: String,
    #[serde(rename = "B")]
    pub ignore: String,
}

/// A websocket kline event: `{"e":"kline","E":..,"s":"BTCUSDT","k":{..}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlineEvent {
    #[serde(rename = "e")]
    pub event_type: String,
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "k")]
    pub kline: WsKline,
}

impl KlineEvent {
    pub fn new(symbol: &str, interval: &str, k: &Kline, closed: bool, event_time: i64) -> Self {
        KlineEvent {
            event_type: "kline".to_string(),
            event_time,
            symbol: symbol.to_string(),
            kline: WsKline {
                open_time: k.open_time.as_ms(),
                close_time: k.close_time.as_ms(),
                symbol: symbol.to_string(),
                interval: interval.to_string(),
                first_trade_id: 0,
                last_trade_id: 0,
                open: k.open.to_string(),
                close: k.close.to_string(),
                high: k.high.to_string(),
                low: k.low.to_string(),
                volume: k.volume.to_string(),
                trades: k.trades,
                closed,
                quote_volume: k.quote_volume.to_string(),
                taker_buy_volume: k.taker_buy_volume.to_string(),
                taker_buy_quote_volume: k.taker_buy_quote_volume.to_string(),
                ignore: k.ignore.clone(),
            },
        }
    }

    /// The kline this event carries.
    pub fn to_kline(&self) -> Result<Kline, WireError> {
        let k = &self.kline;
        KlineRow(
            k.open_time,
            k.open.clone(),
            k.high.clone(),
            k.low.clone(),
            k.close.clone(),
            k.volume.clone(),
            k.close_time,
            k.quote_volume.clone(),
            k.trades,
            k.taker_buy_volume.clone(),
            k.taker_buy_quote_volume.clone(),
            k.ignore.clone(),
        )
        .to_kline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::Bar;

    fn kline() -> Kline {
        let bar = Bar {
            open_time: TimestampMs(1_767_225_600_000),
            open: 70_000.0,
            high: 70_100.5,
            low: 69_900.0,
            close: 70_050.0,
            volume: 12.5,
        };
        Kline::from_bar(&bar, 60_000).expect("valid bar")
    }

    #[test]
    fn kline_row_is_a_twelve_element_array_with_string_decimals() {
        let k = kline();
        let json = serde_json::to_value(KlineRow::from(&k)).expect("json");
        let row = json.as_array().expect("array");
        assert_eq!(row.len(), 12);
        assert_eq!(row[0], 1_767_225_600_000_i64);
        assert_eq!(row[2], "70100.5");
        assert_eq!(row[6], 1_767_225_659_999_i64);
        let back: KlineRow = serde_json::from_value(json).expect("parse");
        assert_eq!(back.to_kline(), Ok(k));
    }

    #[test]
    fn kline_event_has_binance_keys_and_round_trips() {
        let k = kline();
        let ev = KlineEvent::new("BTCUSDT", "1m", &k, true, 5);
        let json = serde_json::to_value(&ev).expect("json");
        assert_eq!(json["e"], "kline");
        assert_eq!(json["k"]["x"], true);
        assert_eq!(json["k"]["i"], "1m");
        let back: KlineEvent = serde_json::from_value(json).expect("parse");
        assert_eq!(back.to_kline(), Ok(k));
    }
}
