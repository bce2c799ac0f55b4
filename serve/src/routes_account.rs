//! Account endpoints: leverage, marginType, positionSide/dual and multiAssetsMargin (one-way
//! and single-asset only: asking for the other mode answers -1020), symbolConfig, accountConfig,
//! positionRisk v2/v3, balance v2/v3, account v2/v3, income (the simulator's funding payments
//! as `FUNDING_FEE` rows), commissionRate, leverageBracket (signed), and listenKey (key only).
//! Must never live here: margin arithmetic (the simulator computes every number).

use binance::account::flat_position;
use binance::error::invalid_listen_key;
use binance::{
    Account, AccountAsset, AccountPosition, BalanceRow, ErrorBody, LeverageAnswer, Params,
    PositionContext, PositionRiskV2, PositionRiskV3, amount_text,
};
use exchange_sim::{MarginMode, SymId};
use pipeline::domain::decimal_text::plain_text;
use pipeline::exchange_info::Reject;
use pipeline::venue::{Balance, PositionSnapshot};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::App;
use super::catalog::Routes;
use super::http::{Answer, Endpoint};
use super::market::Market;
use super::routes_market::by_symbol;

pub(crate) fn routes(r: Routes) -> Routes {
    let one = |_: &Params| 1;
    let five = |_: &Params| 5;
    r.post("/fapi/v1/leverage", Endpoint::signed(one, leverage))
        .post("/fapi/v1/marginType", Endpoint::signed(one, margin_type))
        .post(
            "/fapi/v1/positionSide/dual",
            Endpoint::signed(one, set_dual),
        )
        .get(
            "/fapi/v1/positionSide/dual",
            Endpoint::signed(|_| 30, |_, _| Ok(json!({"dualSidePosition": false}))),
        )
        .get(
            "/fapi/v1/multiAssetsMargin",
            Endpoint::signed(|_| 30, |_, _| Ok(json!({"multiAssetsMargin": false}))),
        )
        .post(
            "/fapi/v1/multiAssetsMargin",
            Endpoint::signed(one, set_multi_assets),
        )
        .get(
            "/fapi/v1/symbolConfig",
            Endpoint::signed(five, symbol_config),
        )
        .get(
            "/fapi/v1/accountConfig",
            Endpoint::signed(five, account_config),
        )
        .get(
            "/fapi/v2/positionRisk",
            Endpoint::signed(five, position_risk_v2),
        )
        .get(
            "/fapi/v3/positionRisk",
            Endpoint::signed(five, position_risk_v3),
        )
        .get("/fapi/v2/balance", Endpoint::signed(five, balance))
        .get(
            "/fapi/v1/income",
            Endpoint::signed(|_| 30, super::income::income),
        )
        .get("/fapi/v3/balance", Endpoint::signed(five, balance))
        .get("/fapi/v2/account", Endpoint::signed(five, account_v2))
        .get("/fapi/v3/account", Endpoint::signed(five, account_v3))
        .get(
            "/fapi/v1/commissionRate",
            Endpoint::signed(|_| 20, commission),
        )
        .get(
            "/fapi/v1/leverageBracket",
            Endpoint::signed(by_symbol(1, 1), leverage_bracket),
        )
        .post("/fapi/v1/listenKey", Endpoint::keyed(one, listen_key_new))
        .put("/fapi/v1/listenKey", Endpoint::keyed(one, listen_key_keep))
        .delete("/fapi/v1/listenKey", Endpoint::keyed(one, listen_key_close))
}

fn to_json(v: impl serde::Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| Reject::unknown_error(&e.to_string()))
}

fn sym(m: &Market, symbol: &str) -> Result<SymId, Reject> {
    m.ex.symbol_id(symbol).ok_or_else(Reject::invalid_symbol)
}

fn leverage(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let lev: u32 = p
        .parsed("leverage")?
        .ok_or_else(|| Reject::mandatory_param("leverage"))?;
    let mut m = app.market();
    m.ex.set_leverage(symbol, lev)?;
    let id = sym(&m, symbol)?;
    let max =
        m.ex.leverage_brackets(id)
            .map_or(Decimal::ZERO, |b| b.max_notional_at(lev));
    to_json(LeverageAnswer {
        leverage: lev,
        max_notional_value: plain_text(max),
        symbol: symbol.to_string(),
    })
}

fn margin_type(app: &App, p: &Params) -> Answer {
    let symbol = p.required("symbol")?;
    let mode = match p.required("marginType")?.to_ascii_uppercase().as_str() {
        "ISOLATED" => MarginMode::Isolated,
        "CROSSED" | "CROSS" => MarginMode::Cross,
        _ => return Err(Reject::mandatory_param("marginType")),
    };
    app.market().ex.set_margin_mode(symbol, mode)?;
    to_json(ErrorBody::success())
}

fn set_dual(_: &App, p: &Params) -> Answer {
    match p.flag("dualSidePosition")? {
        None => Err(Reject::mandatory_param("dualSidePosition")),
        Some(false) => Err(Reject {
            code: -4059,
            msg: "No need to change position side.".to_string(),
        }),
        Some(true) => Err(unsupported(
            "hedge mode (dualSidePosition=true)",
            "one-way mode",
        )),
    }
}

/// -1020, Binance's answer to an operation it does not support, naming what sim serve lacks.
fn unsupported(what: &str, only: &str) -> Reject {
    Reject {
        code: -1020,
        msg: format!(
            "This operation is not supported. (sim serve does not simulate {what}; it simulates {only} only)"
        ),
    }
}

/// `POST /fapi/v1/multiAssetsMargin`: single-asset mode is the only one simulated.
fn set_multi_assets(_: &App, p: &Params) -> Answer {
    match p.flag("multiAssetsMargin")? {
        None => Err(Reject::mandatory_param("multiAssetsMargin")),
        Some(false) => Err(Reject {
            code: -4171,
            msg: "Adjusted Multi-Assets mode is same as user's current mode.".to_string(),
        }),
        Some(true) => Err(unsupported(
            "Multi-Assets mode (multiAssetsMargin=true)",
            "single-asset USDT margin",
        )),
    }
}

/// The symbols a position endpoint answers for: the named one or every listed symbol.
fn symbols(m: &Market, p: &Params) -> Result<Vec<SymId>, Reject> {
    match p.get("symbol") {
        Some(s) => Ok(vec![sym(m, s)?]),
        None => Ok(m
            .ex
            .schedule()
            .symbols()
            .iter()
            .filter_map(|s| m.ex.symbol_id(s.as_str()))
            .filter(|id| m.ex.spec(*id).is_some())
            .collect()),
    }
}

/// The symbol's position (flat if none) and its row context.
fn position_of(m: &Market, id: SymId) -> Option<(PositionSnapshot, PositionContext)> {
    let now = m.sim_now();
    let mark = m.ex.mark(id).map_or(Decimal::ZERO, |p| p.get());
    let lev = m.ex.leverage(id).unwrap_or(1);
    let brackets = m.ex.leverage_brackets(id);
    let pos = match m.ex.position(id) {
        Some(pos) => pos,
        None => {
            let mut flat = flat_position(m.ex.symbol(id)?, now);
            flat.mark_price = mark;
            flat.leverage = lev;
            flat
        }
    };
    let notional = (pos.position_amt * mark).abs();
    let ctx = PositionContext {
        leverage: lev,
        isolated: m.ex.margin_mode(id) == Some(MarginMode::Isolated),
        mark_price: mark,
        max_notional: brackets.map_or(Decimal::ZERO, |b| b.max_notional_at(lev)),
        initial_margin: notional / Decimal::from(lev.max(1)),
        maint_margin: brackets.map_or(Decimal::ZERO, |b| b.maintenance_margin(notional)),
    };
    Some((pos, ctx))
}

/// `GET /fapi/v1/symbolConfig`: the leverage and margin type v3 position rows leave out.
fn symbol_config(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<Value> = symbols(&m, p)?
        .into_iter()
        .filter_map(|id| {
            let (pos, ctx) = position_of(&m, id)?;
            Some(json!({
                "symbol": pos.symbol.as_str(),
                "marginType": if ctx.isolated { "ISOLATED" } else { "CROSSED" },
                "isAutoAddMargin": false,
                "leverage": ctx.leverage,
                "maxNotionalValue": amount_text(ctx.max_notional),
            }))
        })
        .collect();
    Ok(Value::Array(rows))
}

fn account_config(app: &App, _: &Params) -> Answer {
    let t = app.market().sim_now().as_ms();
    Ok(json!({
        "feeTier": 0, "canTrade": true, "canDeposit": true, "canWithdraw": true,
        "dualSidePosition": false, "updateTime": t, "multiAssetsMargin": false, "tradeGroupId": -1,
    }))
}

fn position_risk_v2(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<PositionRiskV2> = symbols(&m, p)?
        .into_iter()
        .filter_map(|id| position_of(&m, id))
        .map(|(pos, ctx)| PositionRiskV2::new(&pos, &ctx))
        .collect();
    to_json(rows)
}

fn position_risk_v3(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<PositionRiskV3> = symbols(&m, p)?
        .into_iter()
        .filter(|id| !m.ex.position_amt(*id).is_zero())
        .filter_map(|id| position_of(&m, id))
        .map(|(pos, ctx)| PositionRiskV3::new(&pos, &ctx))
        .collect();
    to_json(rows)
}

fn usdt(m: &Market) -> Balance {
    let a = m.ex.account();
    Balance {
        asset: "USDT".to_string(),
        wallet_balance: a.wallet_balance,
        unrealized_pnl: a.unrealized_pnl,
        available_balance: a.available_balance,
    }
}

fn balance(app: &App, _: &Params) -> Answer {
    let m = app.market();
    to_json(vec![BalanceRow::new(&usdt(&m), m.sim_now())])
}

fn account(m: &Market, v2: bool) -> Account {
    let a = m.ex.account();
    let t = m.sim_now().as_ms();
    let mut initial = Decimal::ZERO;
    let positions: Vec<AccountPosition> = symbols(m, &Params::default())
        .unwrap_or_default()
        .into_iter()
        .filter(|id| v2 || !m.ex.position_amt(*id).is_zero())
        .filter_map(|id| position_of(m, id))
        .map(|(pos, ctx)| {
            initial += ctx.initial_margin;
            AccountPosition {
                symbol: pos.symbol.to_string(),
                position_side: "BOTH".to_string(),
                position_amt: amount_text(pos.position_amt),
                unrealized_profit: amount_text(pos.unrealized_pnl),
                isolated_margin: amount_text(pos.isolated_margin),
                notional: amount_text(pos.position_amt * ctx.mark_price),
                isolated_wallet: amount_text(pos.isolated_margin),
                initial_margin: amount_text(ctx.initial_margin),
                maint_margin: amount_text(ctx.maint_margin),
                entry_price: v2.then(|| amount_text(pos.entry_price)),
                leverage: v2.then(|| ctx.leverage.to_string()),
                isolated: v2.then_some(ctx.isolated),
                update_time: pos.update_time.as_ms(),
            }
        })
        .collect();
    let asset = AccountAsset {
        asset: "USDT".to_string(),
        wallet_balance: amount_text(a.wallet_balance),
        unrealized_profit: amount_text(a.unrealized_pnl),
        margin_balance: amount_text(a.equity),
        maint_margin: amount_text(a.maintenance_margin),
        initial_margin: amount_text(initial),
        position_initial_margin: amount_text(initial),
        open_order_initial_margin: "0".to_string(),
        cross_wallet_balance: amount_text(a.wallet_balance),
        cross_un_pnl: amount_text(a.unrealized_pnl),
        available_balance: amount_text(a.available_balance),
        max_withdraw_amount: amount_text(a.available_balance),
        margin_available: v2.then_some(true),
        update_time: t,
    };
    Account {
        fee_tier: v2.then_some(0),
        can_trade: v2.then_some(true),
        multi_assets_margin: v2.then_some(false),
        total_initial_margin: amount_text(initial),
        total_maint_margin: amount_text(a.maintenance_margin),
        total_wallet_balance: amount_text(a.wallet_balance),
        total_unrealized_profit: amount_text(a.unrealized_pnl),
        total_margin_balance: amount_text(a.equity),
        total_position_initial_margin: amount_text(initial),
        total_open_order_initial_margin: "0".to_string(),
        total_cross_wallet_balance: amount_text(a.wallet_balance),
        total_cross_un_pnl: amount_text(a.unrealized_pnl),
        available_balance: amount_text(a.available_balance),
        max_withdraw_amount: amount_text(a.available_balance),
        assets: vec![asset],
        positions,
    }
}

fn account_v2(app: &App, _: &Params) -> Answer {
    to_json(account(&app.market(), true))
}

fn account_v3(app: &App, _: &Params) -> Answer {
    to_json(account(&app.market(), false))
}

fn commission(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let symbol = p.required("symbol")?;
    sym(&m, symbol)?;
    let fees = m.ex.config().fees;
    Ok(json!({
        "symbol": symbol,
        "makerCommissionRate": fees.maker.to_string(),
        "takerCommissionRate": fees.taker.to_string(),
        "rpiCommissionRate": "0",
    }))
}

/// Binance sends bracket values as JSON numbers.
fn num(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

fn leverage_bracket(app: &App, p: &Params) -> Answer {
    let m = app.market();
    let rows: Vec<Value> = symbols(&m, p)?
        .into_iter()
        .filter_map(|id| {
            let tiers = m.ex.leverage_brackets(id)?.tiers();
            let brackets: Vec<Value> = tiers
                .iter()
                .map(|b| {
                    json!({
                        "bracket": b.bracket,
                        "initialLeverage": b.initial_leverage,
                        "notionalCap": num(b.notional_cap),
                        "notionalFloor": num(b.notional_floor),
                        "maintMarginRatio": num(b.maint_margin_ratio),
                        "cum": num(b.cum),
                    })
                })
                .collect();
            Some(json!({"symbol": m.ex.symbol(id)?.as_str(), "notionalCoef": 1.0, "brackets": brackets}))
        })
        .collect();
    if p.contains("symbol") {
        rows.into_iter().next().ok_or_else(Reject::invalid_symbol)
    } else {
        Ok(Value::Array(rows))
    }
}

fn listen_key_new(app: &App, _: &Params) -> Answer {
    let mut m = app.market();
    let key = m.listen_key.get_or_insert_with(|| {
        let seed = format!("{}:{:?}", app.now_ms(), std::thread::current().id());
        binance::sign::sign("listen-key", &seed)
    });
    Ok(json!({"listenKey": key}))
}

fn listen_key_keep(app: &App, _: &Params) -> Answer {
    match &app.market().listen_key {
        Some(_) => Ok(json!({})),
        None => Err(invalid_listen_key()),
    }
}

fn listen_key_close(app: &App, _: &Params) -> Answer {
    app.market().listen_key = None;
    Ok(json!({}))
}
