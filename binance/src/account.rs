//! Binance's account shapes: `positionRisk` rows (v2: one per symbol even when flat, with
//! leverage and margin type; v3: only open positions), balance rows (v2/v3), account v2/v3,
//! and the leverage answer; decimals as strings. Conversions to and from the pipeline's
//! `PositionSnapshot` and `Balance`.
//! Must never live here: HTTP, margin arithmetic (the venue computes the numbers).

use pipeline::TimestampMs;
use pipeline::venue::{Balance, PositionSnapshot};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{WireError, amount_text, dec, symbol};

/// What a position row needs beyond the snapshot (the venue's settings for the symbol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionContext {
    pub leverage: u32,
    pub isolated: bool,
    pub mark_price: Decimal,
    pub max_notional: Decimal,
    pub initial_margin: Decimal,
    pub maint_margin: Decimal,
}

/// A `GET /fapi/v2/positionRisk` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionRiskV2 {
    pub symbol: String,
    pub position_amt: String,
    pub entry_price: String,
    #[serde(default)]
    pub break_even_price: String,
    pub mark_price: String,
    pub un_realized_profit: String,
    pub liquidation_price: String,
    pub leverage: String,
    #[serde(default)]
    pub max_notional_value: String,
    /// "cross" or "isolated".
    pub margin_type: String,
    #[serde(default)]
    pub isolated_margin: String,
    #[serde(default)]
    pub is_auto_add_margin: String,
    #[serde(default)]
    pub position_side: String,
    #[serde(default)]
    pub notional: String,
    #[serde(default)]
    pub isolated_wallet: String,
    #[serde(default)]
    pub update_time: i64,
}

/// A `GET /fapi/v3/positionRisk` row (no leverage or margin type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionRiskV3 {
    pub symbol: String,
    #[serde(default)]
    pub position_side: String,
    pub position_amt: String,
    pub entry_price: String,
    #[serde(default)]
    pub break_even_price: String,
    pub mark_price: String,
    pub un_realized_profit: String,
    pub liquidation_price: String,
    #[serde(default)]
    pub isolated_margin: String,
    #[serde(default)]
    pub notional: String,
    #[serde(default)]
    pub margin_asset: String,
    #[serde(default)]
    pub isolated_wallet: String,
    #[serde(default)]
    pub initial_margin: String,
    #[serde(default)]
    pub maint_margin: String,
    #[serde(default)]
    pub update_time: i64,
}

/// A flat position of `symbol` (v2 lists every symbol).
pub fn flat_position(symbol: &pipeline::Symbol, time: TimestampMs) -> PositionSnapshot {
    PositionSnapshot {
        symbol: symbol.clone(),
        position_amt: Decimal::ZERO,
        entry_price: Decimal::ZERO,
        mark_price: Decimal::ZERO,
        unrealized_pnl: Decimal::ZERO,
        liquidation_price: Decimal::ZERO,
        leverage: 0,
        isolated: false,
        isolated_margin: Decimal::ZERO,
        update_time: time,
    }
}

impl PositionRiskV2 {
    pub fn new(p: &PositionSnapshot, ctx: &PositionContext) -> PositionRiskV2 {
        PositionRiskV2 {
            symbol: p.symbol.to_string(),
            position_amt: amount_text(p.position_amt),
            entry_price: amount_text(p.entry_price),
            break_even_price: amount_text(p.entry_price),
            mark_price: amount_text(ctx.mark_price),
            un_realized_profit: amount_text(p.unrealized_pnl),
            liquidation_price: amount_text(p.liquidation_price),
            leverage: ctx.leverage.to_string(),
            max_notional_value: amount_text(ctx.max_notional),
            margin_type: if ctx.isolated { "isolated" } else { "cross" }.to_string(),
            isolated_margin: amount_text(p.isolated_margin),
            is_auto_add_margin: "false".to_string(),
            position_side: "BOTH".to_string(),
            notional: amount_text(p.position_amt * ctx.mark_price),
            isolated_wallet: amount_text(p.isolated_margin),
            update_time: p.update_time.as_ms(),
        }
    }

    pub fn to_snapshot(&self) -> Result<PositionSnapshot, WireError> {
        Ok(PositionSnapshot {
            symbol: symbol(&self.symbol)?,
            position_amt: dec("positionAmt", &self.position_amt)?,
            entry_price: dec("entryPrice", &self.entry_price)?,
            mark_price: dec("markPrice", &self.mark_price)?,
            unrealized_pnl: dec("unRealizedProfit", &self.un_realized_profit)?,
            liquidation_price: dec("liquidationPrice", &self.liquidation_price)?,
            leverage: self
                .leverage
                .parse()
                .map_err(|_| WireError::new("leverage", &self.leverage))?,
            isolated: self.margin_type.eq_ignore_ascii_case("isolated"),
            isolated_margin: dec_or_zero("isolatedMargin", &self.isolated_margin)?,
            update_time: TimestampMs(self.update_time),
        })
    }
}

fn dec_or_zero(field: &str, text: &str) -> Result<Decimal, WireError> {
    if text.is_empty() {
        Ok(Decimal::ZERO)
    } else {
        dec(field, text)
    }
}

impl PositionRiskV3 {
    pub fn new(p: &PositionSnapshot, ctx: &PositionContext) -> PositionRiskV3 {
        PositionRiskV3 {
            symbol: p.symbol.to_string(),
            position_side: "BOTH".to_string(),
            position_amt: amount_text(p.position_amt),
            entry_price: amount_text(p.entry_price),
            break_even_price: amount_text(p.entry_price),
            mark_price: amount_text(ctx.mark_price),
            un_realized_profit: amount_text(p.unrealized_pnl),
            liquidation_price: amount_text(p.liquidation_price),
            isolated_margin: amount_text(p.isolated_margin),
            notional: amount_text(p.position_amt * ctx.mark_price),
            margin_asset: "USDT".to_string(),
            isolated_wallet: amount_text(p.isolated_margin),
            initial_margin: amount_text(ctx.initial_margin),
            maint_margin: amount_text(ctx.maint_margin),
            update_time: p.update_time.as_ms(),
        }
    }

    /// The snapshot; v3 carries no leverage or margin type, so `leverage` is 0 and
    /// `isolated` is true when the row has isolated margin.
    pub fn to_snapshot(&self) -> Result<PositionSnapshot, WireError> {
        let isolated_margin = dec_or_zero("isolatedMargin", &self.isolated_margin)?;
        Ok(PositionSnapshot {
            symbol: symbol(&self.symbol)?,
            position_amt: dec("positionAmt", &self.position_amt)?,
            entry_price: dec("entryPrice", &self.entry_price)?,
            mark_price: dec("markPrice", &self.mark_price)?,
            unrealized_pnl: dec("unRealizedProfit", &self.un_realized_profit)?,
            liquidation_price: dec("liquidationPrice", &self.liquidation_price)?,
            leverage: 0,
            isolated: !isolated_margin.is_zero(),
            isolated_margin,
            update_time: TimestampMs(self.update_time),
        })
    }
}

/// A `GET /fapi/v2/balance` (and v3) row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceRow {
    #[serde(default)]
    pub account_alias: String,
    pub asset: String,
    pub balance: String,
    #[serde(default)]
    pub cross_wallet_balance: String,
    #[serde(default)]
    pub cross_un_pnl: String,
    pub available_balance: String,
    #[serde(default)]
    pub max_withdraw_amount: String,
    #[serde(default)]
    pub margin_available: bool,
    #[serde(default)]
    pub update_time: i64,
}

impl BalanceRow {
    pub fn new(b: &Balance, time: TimestampMs) -> BalanceRow {
        BalanceRow {
            account_alias: "SimAccount".to_string(),
            asset: b.asset.clone(),
            balance: amount_text(b.wallet_balance),
            cross_wallet_balance: amount_text(b.wallet_balance),
            cross_un_pnl: amount_text(b.unrealized_pnl),
            available_balance: amount_text(b.available_balance),
            max_withdraw_amount: amount_text(b.available_balance),
            margin_available: true,
            update_time: time.as_ms(),
        }
    }

    pub fn to_balance(&self) -> Result<Balance, WireError> {
        Ok(Balance {
            asset: self.asset.clone(),
            wallet_balance: dec("balance", &self.balance)?,
            unrealized_pnl: dec_or_zero("crossUnPnl", &self.cross_un_pnl)?,
            available_balance: dec("availableBalance", &self.available_balance)?,
        })
    }
}

/// One asset of `GET /fapi/v2/account` and v3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountAsset {
    pub asset: String,
    pub wallet_balance: String,
    pub unrealized_profit: String,
    pub margin_balance: String,
    pub maint_margin: String,
    pub initial_margin: String,
    pub position_initial_margin: String,
    pub open_order_initial_margin: String,
    pub cross_wallet_balance: String,
    pub cross_un_pnl: String,
    pub available_balance: String,
    pub max_withdraw_amount: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_available: Option<bool>,
    pub update_time: i64,
}

/// One position of the account answer (v2 lists every symbol, v3 only open ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountPosition {
    pub symbol: String,
    pub position_side: String,
    pub position_amt: String,
    pub unrealized_profit: String,
    pub isolated_margin: String,
    pub notional: String,
    pub isolated_wallet: String,
    pub initial_margin: String,
    pub maint_margin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolated: Option<bool>,
    pub update_time: i64,
}

/// `GET /fapi/v2/account` and `/fapi/v3/account` (v2 adds the fee and permission fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_tier: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_trade: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_assets_margin: Option<bool>,
    pub total_initial_margin: String,
    pub total_maint_margin: String,
    pub total_wallet_balance: String,
    pub total_unrealized_profit: String,
    pub total_margin_balance: String,
    pub total_position_initial_margin: String,
    pub total_open_order_initial_margin: String,
    pub total_cross_wallet_balance: String,
    pub total_cross_un_pnl: String,
    pub available_balance: String,
    pub max_withdraw_amount: String,
    pub assets: Vec<AccountAsset>,
    pub positions: Vec<AccountPosition>,
}

/// `POST /fapi/v1/leverage`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeverageAnswer {
    pub leverage: u32,
    pub max_notional_value: String,
    pub symbol: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::Symbol;
    use rust_decimal_macros::dec;

    fn snapshot() -> PositionSnapshot {
        PositionSnapshot {
            symbol: Symbol::new("ETHUSDT").expect("valid"),
            position_amt: dec!(-0.5),
            entry_price: dec!(3000),
            mark_price: dec!(2990),
            unrealized_pnl: dec!(5),
            liquidation_price: dec!(3500.25),
            leverage: 10,
            isolated: true,
            isolated_margin: dec!(150),
            update_time: TimestampMs(1_767_225_600_000),
        }
    }

    fn ctx() -> PositionContext {
        PositionContext {
            leverage: 10,
            isolated: true,
            mark_price: dec!(2990),
            max_notional: dec!(1000000),
            initial_margin: dec!(149.5),
            maint_margin: dec!(7.475),
        }
    }

    #[test]
    fn position_rows_round_trip_through_json() {
        let p = snapshot();
        let v2 = PositionRiskV2::new(&p, &ctx());
        let json = serde_json::to_value(&v2).expect("json");
        assert_eq!(json["positionAmt"], "-0.5");
        assert_eq!(json["notional"], "-1495");
        assert_eq!(json["marginType"], "isolated");
        let back: PositionRiskV2 = serde_json::from_value(json).expect("parse");
        assert_eq!(back.to_snapshot(), Ok(p.clone()));
        let v3 = PositionRiskV3::new(&p, &ctx());
        let back: PositionRiskV3 =
            serde_json::from_str(&serde_json::to_string(&v3).expect("json")).expect("parse");
        let got = back.to_snapshot().expect("snapshot");
        assert_eq!((got.position_amt, got.isolated), (p.position_amt, true));
    }

    #[test]
    fn balance_row_round_trips() {
        let b = Balance {
            asset: "USDT".to_string(),
            wallet_balance: dec!(10000.5),
            unrealized_pnl: dec!(-3.25),
            available_balance: dec!(9000),
        };
        let row = BalanceRow::new(&b, TimestampMs(5));
        let text = serde_json::to_string(&row).expect("json");
        assert!(text.contains("\"balance\":\"10000.5\""));
        let back: BalanceRow = serde_json::from_str(&text).expect("parse");
        assert_eq!(back.to_balance(), Ok(b));
    }
}
