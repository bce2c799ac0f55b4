//! The websocket kline event: `{"e":"kline","E":..,"s":"BTCUSDT","k":{"t":..,"T":..,"i":"1m",
//! "o":"..","c":"..","h":"..","l":"..","v":"..","n":..,"x":true,"q":"..","V":"..","Q":"..",
//! "B":"0"}}`, alone or wrapped as `{"stream":..,"data":{..}}` (combined streams).
//! The shape is `binance::KlineEvent`. Must never live here: sockets or channels.

use binance::KlineEvent;
use pipeline::{Kline, Symbol};
use serde_json::Value;

use crate::client::closed_kline;

/// The closed kline in `text` and its symbol; `None` for an open kline or another message.
pub fn parse_closed_kline(text: &str) -> Option<(Symbol, Kline)> {
    let v: Value = serde_json::from_str(text).ok()?;
    let data = match v.get("data") {
        Some(d) => d.clone(),
        None => v,
    };
    let event: KlineEvent = serde_json::from_value(data).ok()?;
    let kline = closed_kline(&event)?;
    let symbol = Symbol::new(&event.symbol).ok()?;
    Some((symbol, kline))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::TimestampMs;

    const EVENT: &str = r#"{"e":"kline","E":1700000060001,"s":"BTCUSDT","k":{"t":1700000000000,
        "T":1700000059999,"s":"BTCUSDT","i":"1m","f":1,"L":2,"o":"37000.10","c":"37010.00",
        "h":"37020.00","l":"36990.50","v":"12.345","n":321,"x":true,"q":"456789.1","V":"6.1",
        "Q":"225000.5","B":"0"}}"#;

    #[test]
    fn closed_kline_parses() {
        let (s, k) = parse_closed_kline(EVENT).expect("closed kline");
        assert_eq!(s.as_str(), "BTCUSDT");
        assert_eq!(k.open_time, TimestampMs(1700000000000));
        assert_eq!(k.close_time, TimestampMs(1700000059999));
        assert_eq!(k.close.get().to_string(), "37010.00");
        assert_eq!(k.trades, 321);
    }

    #[test]
    fn open_klines_and_other_messages_are_skipped() {
        assert!(parse_closed_kline(&EVENT.replace("\"x\":true", "\"x\":false")).is_none());
        assert!(parse_closed_kline(r#"{"result":null,"id":1}"#).is_none());
        assert!(parse_closed_kline("not json").is_none());
        let wrapped = format!(r#"{{"stream":"btcusdt@kline_1m","data":{EVENT}}}"#);
        assert!(parse_closed_kline(&wrapped).is_some());
    }
}
