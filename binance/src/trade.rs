//! Binance's account trade object (`GET /fapi/v1/userTrades`): one execution with its price,
//! fee and realised PnL, decimals as strings; conversion to and from the pipeline's `Fill`.
//! Must never live here: HTTP, fee arithmetic.

use pipeline::TimestampMs;
use pipeline::domain::decimal_text::plain_text;
use pipeline::order::Side;
use pipeline::venue::Fill;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::order::parse_side;
use super::{WireError, dec, symbol};

/// One `userTrades` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTrade {
    pub buyer: bool,
    pub commission: String,
    pub commission_asset: String,
    pub id: i64,
    pub maker: bool,
    pub order_id: i64,
    pub price: String,
    pub qty: String,
    pub quote_qty: String,
    pub realized_pnl: String,
    pub side: String,
    #[serde(default)]
    pub position_side: String,
    pub symbol: String,
    pub time: i64,
}

impl WireTrade {
    /// The row for fill `f`, with trade id `id`.
    pub fn from_fill(id: i64, f: &Fill) -> WireTrade {
        let price = f.price.get();
        let qty = f.qty.get();
        WireTrade {
            buyer: f.side == Side::Buy,
            commission: plain_text(f.fee),
            commission_asset: "USDT".to_string(),
            id,
            maker: f.is_maker,
            order_id: f.order_id,
            price: price.to_string(),
            qty: qty.to_string(),
            quote_qty: plain_text(price * qty),
            realized_pnl: plain_text(f.realized_pnl),
            side: f.side.as_str().to_string(),
            position_side: "BOTH".to_string(),
            symbol: f.symbol.to_string(),
            time: f.time.as_ms(),
        }
    }

    /// The fill this row describes. `client_order_id` is not part of the row: pass the
    /// order's if known.
    pub fn to_fill(&self, client_order_id: &str) -> Result<Fill, WireError> {
        let price = dec("price", &self.price)?;
        let qty = dec("qty", &self.qty)?;
        Ok(Fill {
            order_id: self.order_id,
            client_order_id: client_order_id.into(),
            symbol: symbol(&self.symbol)?,
            side: parse_side(&self.side).ok_or_else(|| WireError::new("side", &self.side))?,
            qty: pipeline::Qty::new(qty).map_err(|_| WireError::new("qty", &self.qty))?,
            price: pipeline::Price::new(price).map_err(|_| WireError::new("price", &self.price))?,
            fee: dec("commission", &self.commission)?,
            is_maker: self.maker,
            realized_pnl: if self.realized_pnl.is_empty() {
                Decimal::ZERO
            } else {
                dec("realizedPnl", &self.realized_pnl)?
            },
            time: TimestampMs(self.time),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn trade_row_round_trips() {
        let f = Fill {
            order_id: 3,
            client_order_id: "plan-3".into(),
            symbol: pipeline::Symbol::new("BTCUSDT").expect("symbol"),
            side: Side::Sell,
            qty: pipeline::Qty::new(dec!(0.01)).expect("qty"),
            price: pipeline::Price::new(dec!(70100.5)).expect("price"),
            fee: dec!(0.3505025),
            is_maker: false,
            realized_pnl: dec!(-1.25),
            time: TimestampMs(1_767_225_660_000),
        };
        let row = WireTrade::from_fill(9, &f);
        let json = serde_json::to_value(&row).expect("json");
        assert_eq!(json["quoteQty"], "701.005");
        assert_eq!(json["buyer"], false);
        let back: WireTrade = serde_json::from_value(json).expect("parse");
        assert_eq!(back.to_fill("plan-3"), Ok(f));
    }
}
