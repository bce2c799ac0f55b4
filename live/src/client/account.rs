//! Account calls: positions (`/fapi/v2/positionRisk`, which carries leverage and margin type),
//! the USDT balance (`/fapi/v2/balance`), funding payments (`/fapi/v1/income`), leverage and
//! margin type, and the leverage brackets (`/fapi/v1/leverageBracket`).
//! Must never live here: orders.

use binance::income::FUNDING_FEE;
use binance::{BalanceRow, IncomeRow, PositionRiskV2};
use pipeline::Symbol;
use pipeline::exchange_info::Reject;
use pipeline::venue::{Balance, PositionSnapshot, VenueError};
use reqwest::Method;

use super::transport::{Client, Request};

/// A symbol's margin mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginType {
    Isolated,
    Crossed,
}

impl MarginType {
    pub fn as_str(self) -> &'static str {
        match self {
            MarginType::Isolated => "ISOLATED",
            MarginType::Crossed => "CROSSED",
        }
    }
}

impl Client {
    /// Every position row, flat ones included (one per symbol and side).
    pub fn position_risk(
        &self,
        symbol: Option<&Symbol>,
    ) -> Result<Vec<PositionSnapshot>, VenueError> {
        let req = Request::signed(Method::GET, "/fapi/v2/positionRisk")
            .param_opt("symbol", symbol.map(Symbol::as_str));
        let raw: Vec<PositionRiskV2> = self.call(&req)?;
        raw.iter().map(|p| Ok(p.to_snapshot()?)).collect()
    }

    /// The balance of `asset` (e.g. USDT).
    pub fn balance(&self, asset: &str) -> Result<Balance, VenueError> {
        let raw: Vec<BalanceRow> = self.call(&Request::signed(Method::GET, "/fapi/v2/balance"))?;
        let row = raw.iter().find(|b| b.asset == asset).ok_or_else(|| {
            VenueError::Unavailable(format!("the account has no {asset} balance"))
        })?;
        Ok(row.to_balance()?)
    }

    /// `GET /fapi/v1/income` of type `FUNDING_FEE` from `start_ms` (inclusive), oldest first,
    /// at most 1,000 rows (Binance's cap; weight 30).
    pub fn funding_income(&self, start_ms: i64) -> Result<Vec<IncomeRow>, VenueError> {
        let req = Request::signed(Method::GET, "/fapi/v1/income")
            .param("incomeType", FUNDING_FEE)
            .param("startTime", start_ms)
            .param("limit", 1000);
        self.call(&req)
    }

    /// `GET /fapi/v1/leverageBracket` for every symbol (signed; weight 1), the body as the
    /// venue sent it, checked to be a JSON list.
    pub fn leverage_brackets_body(&self) -> Result<String, VenueError> {
        let body = self.call_raw(&Request::signed(Method::GET, "/fapi/v1/leverageBracket"))?;
        match serde_json::from_str::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Array(_)) => Ok(body),
            _ => Err(VenueError::Unknown(
                "GET /fapi/v1/leverageBracket: the answer is not a JSON list of symbols".into(),
            )),
        }
    }

    /// `POST /fapi/v1/leverage`.
    pub fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError> {
        let req = Request::signed(Method::POST, "/fapi/v1/leverage")
            .param("symbol", symbol.as_str())
            .param("leverage", leverage);
        self.call_raw(&req).map(|_| ())
    }

    /// `POST /fapi/v1/marginType`; "no need to change" (-4046) counts as success.
    pub fn set_margin_type(&self, symbol: &Symbol, margin: MarginType) -> Result<(), VenueError> {
        let req = Request::signed(Method::POST, "/fapi/v1/marginType")
            .param("symbol", symbol.as_str())
            .param("marginType", margin.as_str());
        match self.call_raw(&req) {
            Ok(_) => Ok(()),
            Err(VenueError::Rejected(Reject { code: -4046, .. })) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
