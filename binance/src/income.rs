//! Binance's income row (`GET /fapi/v1/income`): one entry of the account's money flow. `sim`
//! reads the `FUNDING_FEE` rows, which carry the funding payments (`income` > 0: received).
//! Must never live here: HTTP, or deciding when to ask.

use pipeline::TimestampMs;
use pipeline::venue::VenueEvent;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{WireError, amount_text, dec, symbol};

/// The income type of funding payments.
pub const FUNDING_FEE: &str = "FUNDING_FEE";

/// One `income` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomeRow {
    #[serde(default)]
    pub symbol: String,
    pub income_type: String,
    pub income: String,
    pub asset: String,
    #[serde(default)]
    pub info: String,
    pub time: i64,
    /// Unique per income type for the account.
    pub tran_id: i64,
    #[serde(default)]
    pub trade_id: String,
}

impl IncomeRow {
    /// The row of a funding payment (`amount` > 0: received), with transaction id `tran_id`.
    pub fn funding(tran_id: i64, symbol: &str, amount: Decimal, time: TimestampMs) -> IncomeRow {
        IncomeRow {
            symbol: symbol.to_string(),
            income_type: FUNDING_FEE.to_string(),
            income: amount_text(amount),
            asset: "USDT".to_string(),
            info: FUNDING_FEE.to_string(),
            time: time.as_ms(),
            tran_id,
            trade_id: String::new(),
        }
    }

    /// A `FUNDING_FEE` row as the pipeline's funding event. The income feed carries no rate:
    /// the event's `rate` is 0 (only the amount is ever booked).
    pub fn to_funding(&self) -> Result<VenueEvent, WireError> {
        if self.income_type != FUNDING_FEE {
            return Err(WireError::new("incomeType", &self.income_type));
        }
        Ok(VenueEvent::Funding {
            symbol: symbol(&self.symbol)?,
            rate: Decimal::ZERO,
            amount: dec("income", &self.income)?,
            time: TimestampMs(self.time),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_binance_documented_row() {
        let text = r#"{"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"-0.37500000",
            "asset":"USDT","info":"FUNDING_FEE","time":1570608000000,"tranId":9689322392,"tradeId":""}"#;
        let row: IncomeRow = serde_json::from_str(text).expect("row");
        let VenueEvent::Funding {
            symbol,
            amount,
            time,
            ..
        } = row.to_funding().expect("event")
        else {
            panic!("not funding");
        };
        assert_eq!(symbol.as_str(), "BTCUSDT");
        assert_eq!(amount, Decimal::new(-375, 3));
        assert_eq!(time, TimestampMs(1_570_608_000_000));
        let back = IncomeRow::funding(9, "BTCUSDT", Decimal::new(-375, 3), time);
        assert_eq!(
            back.to_funding().expect("event"),
            row.to_funding().expect("event")
        );
        let mut other = row.clone();
        other.income_type = "COMMISSION".into();
        assert!(other.to_funding().is_err());
    }
}
