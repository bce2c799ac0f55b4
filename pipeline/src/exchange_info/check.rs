//! The order check: one pure function that answers an order the way Binance USD-M does.
//!
//! Order of checks (Binance's real order is not documented; this follows binance-facts.md):
//! parameters (-1102/-1106/-4137/-4138/-4015) -> symbol (-1121, -4140) -> precision (-1111) ->
//! quantity > 0 (-4003) -> PRICE_FILTER on price and stop price (-4013/-4002/-4014) ->
//! LOT_SIZE or MARKET_LOT_SIZE (-4004/-4005/-4023) -> PERCENT_PRICE (-4016/-4024, MARKET -4131)
//! -> MIN_NOTIONAL (-4164; reduce-only and close-position orders are exempt).
//! The first violation wins. Stateful checks (margin, reduce-only against the position, open
//! order count, duplicate client ids) belong to the venue, not here.

use rust_decimal::Decimal;

use super::reject::Reject;
use super::shared_spec::SharedSpec;
use super::spec::{LotSize, PriceFilter, SymbolSpec};
use crate::domain::decimal_cmp as dc;
use crate::domain::{Notional, Price, Qty, normalized};
use crate::order::{CheckedOrder, OrderRequest, OrderType, Side, WorkingType};

/// What the venue knows about the market at the moment of the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketContext {
    /// The mark price: MARKET orders' notional and the PERCENT_PRICE band are computed from it.
    pub mark_price: Price,
    /// The best price on the other side (ask for a BUY, bid for a SELL), when known.
    pub counter_price: Option<Price>,
}

impl MarketContext {
    pub fn at_mark(mark_price: Price) -> Self {
        MarketContext {
            mark_price,
            counter_price: None,
        }
    }
}

/// Checks `req` against `spec` (`None`: the venue does not list the symbol).
pub fn check_order(
    spec: Option<&SymbolSpec>,
    req: &OrderRequest,
    market: &MarketContext,
) -> Result<CheckedOrder, Reject> {
    check_params(req)?;
    let spec = spec.ok_or_else(Reject::invalid_symbol)?;
    if !spec.is_trading() && !req.reduce_only && !req.close_position {
        return Err(Reject::symbol_not_trading());
    }
    let qty_raw = if req.close_position {
        Decimal::ZERO
    } else {
        req.quantity.unwrap_or_default()
    };
    if decimals(qty_raw) > spec.quantity_precision {
        return Err(Reject::bad_precision());
    }
    for p in [req.price, req.stop_price].into_iter().flatten() {
        if decimals(p) > spec.price_precision {
            return Err(Reject::bad_precision());
        }
    }
    if !req.close_position && dc::le(qty_raw, Decimal::ZERO) {
        return Err(Reject::qty_not_positive());
    }
    for p in [req.price, req.stop_price].into_iter().flatten() {
        check_price_filter(&spec.price_filter, p)?;
    }
    // Positive after PRICE_FILTER only when minPrice > 0; refuse non-positive prices anyway.
    let price = positive_price(req.price)?;
    let stop_price = positive_price(req.stop_price)?;
    let market_like = req.order_type.is_market_like();
    if !req.close_position {
        check_lot(spec.lot_for(market_like), qty_raw)?;
    }
    check_percent_price(spec, req, price, market)?;
    let qty = Qty::new(qty_raw).map_err(|_| Reject::qty_not_positive())?;
    let reference = match req.order_type {
        OrderType::Limit => price.unwrap_or(market.mark_price),
        OrderType::Market => market.mark_price,
        OrderType::StopMarket | OrderType::TakeProfitMarket => {
            stop_price.unwrap_or(market.mark_price)
        }
    };
    let notional = qty.notional_at(reference);
    let exempt = req.reduce_only || req.close_position;
    if !exempt && dc::lt(notional.get(), spec.min_notional) {
        return Err(Reject::notional_below_min(spec.min_notional));
    }
    Ok(CheckedOrder {
        symbol: spec.symbol.clone(),
        side: req.side,
        order_type: req.order_type,
        time_in_force: req.time_in_force,
        quantity: qty,
        price,
        stop_price,
        reduce_only: req.reduce_only,
        close_position: req.close_position,
        client_order_id: req.client_order_id.clone(),
        working_type: if req.order_type.is_conditional() {
            req.working_type
        } else {
            WorkingType::ContractPrice
        },
        notional: Notional::new(notional.get()).unwrap_or(Notional::ZERO),
        stamp: crate::order::CheckStamp::default(),
    })
}

/// [`check_order`] against shared rules: the order remembers them and `market`, so a venue
/// holding the very same rules and market can take it as checked
/// ([`CheckedOrder::checked_against`]).
pub fn check_order_shared(
    spec: SharedSpec,
    req: &OrderRequest,
    market: &MarketContext,
) -> Result<CheckedOrder, Reject> {
    let mut checked = check_order(Some(&spec), req, market)?;
    checked.stamp = crate::order::CheckStamp(Some((spec, *market)));
    Ok(checked)
}

/// The bytes Binance takes in a client order id: ASCII letters and digits and `.:/_-`.
static CLIENT_ID_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'/' | b'_' | b'-');
        b += 1;
    }
    t
};

fn check_params(req: &OrderRequest) -> Result<(), Reject> {
    if let Some(id) = &req.client_order_id {
        // Bytes first (an id is ASCII when valid); characters only for a long non-ASCII id.
        if id.len() > 36 && id.as_str().chars().count() > 36 {
            return Err(Reject::client_id_too_long());
        }
        if id.is_empty()
            || !id
                .as_bytes()
                .iter()
                .all(|&b| CLIENT_ID_BYTE[usize::from(b)])
        {
            return Err(Reject::mandatory_param("newClientOrderId"));
        }
    }
    if req.close_position {
        if !req.order_type.is_conditional() {
            return Err(Reject::param_not_required("closePosition"));
        }
        if req.quantity.is_some_and(|q| !q.is_zero()) {
            return Err(Reject::close_position_with_quantity());
        }
        if req.reduce_only {
            return Err(Reject::close_position_with_reduce_only());
        }
    } else if req.quantity.is_none() {
        return Err(Reject::mandatory_param("quantity"));
    }
    match req.order_type {
        OrderType::Limit => {
            if req.time_in_force.is_none() {
                return Err(Reject::mandatory_param("timeInForce"));
            }
            if req.price.is_none() {
                return Err(Reject::mandatory_param("price"));
            }
        }
        OrderType::Market => {
            if req.price.is_some() {
                return Err(Reject::param_not_required("price"));
            }
        }
        OrderType::StopMarket | OrderType::TakeProfitMarket => {
            if req.stop_price.is_none() {
                return Err(Reject::mandatory_param("stopPrice"));
            }
        }
    }
    Ok(())
}

/// The decimals `d` really carries (trailing zeros do not count).
pub(crate) fn decimals(d: Decimal) -> u32 {
    normalized(d).scale()
}

/// `value % step == 0` for `step > 0`, exactly: on the integer mantissas brought to one scale
/// when they fit in `u64`, with `Decimal`'s remainder otherwise. The filter checks use it for
/// values too wide for `OneScale`'s single `i64` scale.
pub fn is_multiple(value: Decimal, step: Decimal) -> bool {
    let (sv, ss) = (value.scale(), step.scale());
    let scale = sv.max(ss);
    let widen = |m: i128, by: u32| {
        let m = u64::try_from(m.unsigned_abs()).ok()?;
        m.checked_mul(u64::try_from(*dc::POW10_I64.get(by as usize)?).ok()?)
    };
    match (
        widen(value.mantissa(), scale - sv),
        widen(step.mantissa(), scale - ss),
    ) {
        (Some(v), Some(s)) if s != 0 => v % s == 0,
        _ => (value % step).is_zero(),
    }
}

/// `(value - origin) % step == 0`, without the subtraction when `origin` is on the grid
/// itself (Binance's minQty and minPrice usually are).
pub(crate) fn on_grid(value: Decimal, origin: Decimal, step: Decimal) -> bool {
    if is_multiple(origin, step) {
        is_multiple(value, step)
    } else {
        is_multiple(value - origin, step)
    }
}

fn positive_price(p: Option<Decimal>) -> Result<Option<Price>, Reject> {
    p.map(|d| Price::new(d).map_err(|_| Reject::price_below_min()))
        .transpose()
}

/// A value and a filter's `min`, `max` and `step` as integers of one scale (the largest of
/// the four), so the range and the grid are a few `i64` operations. `None` when a widened
/// mantissa reaches 2^62 (so that `value - min` cannot overflow); the callers then check on
/// `Decimal`s.
#[derive(Debug, Clone, Copy)]
struct OneScale {
    value: i64,
    min: i64,
    max: i64,
    step: i64,
}

impl OneScale {
    #[inline]
    fn of(value: Decimal, min: Decimal, max: Decimal, step: Decimal) -> Option<Self> {
        let scale = value
            .scale()
            .max(min.scale())
            .max(max.scale())
            .max(step.scale());
        let widen = |d: Decimal| {
            let m = i64::try_from(d.mantissa()).ok()?;
            let w = m.checked_mul(*dc::POW10_I64.get((scale - d.scale()) as usize)?)?;
            (w.unsigned_abs() < 1 << 62).then_some(w)
        };
        Some(OneScale {
            value: widen(value)?,
            min: widen(min)?,
            max: widen(max)?,
            step: widen(step)?,
        })
    }

    /// `(value - min) % step == 0` (`step != 0`).
    #[inline]
    fn on_grid(&self) -> bool {
        (self.value - self.min) % self.step == 0
    }
}

/// `price >= minPrice`, `price <= maxPrice`, `(price - minPrice) % tickSize == 0`; 0 disables a part.
pub fn check_price_filter(f: &PriceFilter, price: Decimal) -> Result<(), Reject> {
    let Some(p) = OneScale::of(price, f.min_price, f.max_price, f.tick_size) else {
        return check_price_filter_decimal(f, price);
    };
    if p.value <= 0 || (p.min != 0 && p.value < p.min) {
        return Err(Reject::price_below_min());
    }
    if p.max != 0 && p.value > p.max {
        return Err(Reject::price_above_max());
    }
    if p.step != 0 && !p.on_grid() {
        return Err(Reject::price_not_on_tick());
    }
    Ok(())
}

/// [`check_price_filter`] on `Decimal`s (values too wide for one integer scale).
fn check_price_filter_decimal(f: &PriceFilter, price: Decimal) -> Result<(), Reject> {
    if dc::le(price, Decimal::ZERO) || (!f.min_price.is_zero() && dc::lt(price, f.min_price)) {
        return Err(Reject::price_below_min());
    }
    if !f.max_price.is_zero() && dc::gt(price, f.max_price) {
        return Err(Reject::price_above_max());
    }
    if !f.tick_size.is_zero() && !on_grid(price, f.min_price, f.tick_size) {
        return Err(Reject::price_not_on_tick());
    }
    Ok(())
}

/// `qty >= minQty`, `qty <= maxQty`, `(qty - minQty) % stepSize == 0`.
pub fn check_lot(f: &LotSize, qty: Decimal) -> Result<(), Reject> {
    let Some(q) = OneScale::of(qty, f.min_qty, f.max_qty, f.step_size) else {
        return check_lot_decimal(f, qty);
    };
    if q.value < q.min {
        return Err(Reject::qty_below_min());
    }
    if q.max != 0 && q.value > q.max {
        return Err(Reject::qty_above_max());
    }
    if q.step != 0 && !q.on_grid() {
        return Err(Reject::qty_not_on_step());
    }
    Ok(())
}

/// [`check_lot`] on `Decimal`s (values too wide for one integer scale).
fn check_lot_decimal(f: &LotSize, qty: Decimal) -> Result<(), Reject> {
    if dc::lt(qty, f.min_qty) {
        return Err(Reject::qty_below_min());
    }
    if !f.max_qty.is_zero() && dc::gt(qty, f.max_qty) {
        return Err(Reject::qty_above_max());
    }
    if !f.step_size.is_zero() && !on_grid(qty, f.min_qty, f.step_size) {
        return Err(Reject::qty_not_on_step());
    }
    Ok(())
}

fn check_percent_price(
    spec: &SymbolSpec,
    req: &OrderRequest,
    price: Option<Price>,
    market: &MarketContext,
) -> Result<(), Reject> {
    let Some(band) = spec.percent_price else {
        return Ok(());
    };
    let mark = market.mark_price.get();
    let tick = spec.price_filter.tick_size;
    // Only LIMIT orders and MARKET orders with a known counter price are held to the band.
    let held = match req.order_type {
        OrderType::Limit => price.is_some(),
        OrderType::Market => market.counter_price.is_some(),
        _ => false,
    };
    if !held {
        return Ok(());
    }
    let cap = mark * band.multiplier_up;
    let floor = mark * band.multiplier_down;
    let on_tick = |v: Decimal, up: bool| {
        if tick.is_zero() {
            v
        } else if up {
            (v / tick).ceil() * tick
        } else {
            (v / tick).floor() * tick
        }
    };
    match (req.order_type, req.side, price) {
        (OrderType::Limit, Side::Buy, Some(p)) if p.get() > cap => {
            Err(Reject::limit_price_above_cap(on_tick(cap, false)))
        }
        (OrderType::Limit, Side::Sell, Some(p)) if p.get() < floor => {
            Err(Reject::limit_price_below_floor(on_tick(floor, true)))
        }
        (OrderType::Market, side, _) => match (side, market.counter_price) {
            (Side::Buy, Some(ask)) if ask.get() > cap => {
                Err(Reject::counterparty_price_out_of_band())
            }
            (Side::Sell, Some(bid)) if bid.get() < floor => {
                Err(Reject::counterparty_price_out_of_band())
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod one_scale_tests {
    use super::*;

    fn dec(m: i64, s: u32) -> Decimal {
        Decimal::new(m, s)
    }

    proptest::proptest! {
        /// The integer checks answer exactly as the `Decimal` ones, on grids and off them,
        /// at every mix of scales, with disabled (zero) parts and negative values.
        #[test]
        fn the_integer_checks_match_the_decimal_ones(
            v in -2_000_000i64..2_000_000, vs in 0u32..=10,
            min in 0i64..50_000, mins in 0u32..=10,
            max in 0i64..5_000_000, maxs in 0u32..=10,
            step in 0i64..2_000, steps in 0u32..=10,
        ) {
            let lot = LotSize { min_qty: dec(min, mins), max_qty: dec(max, maxs), step_size: dec(step, steps) };
            let pf = PriceFilter { min_price: dec(min, mins), max_price: dec(max, maxs), tick_size: dec(step, steps) };
            let value = dec(v, vs);
            proptest::prop_assert_eq!(check_lot(&lot, value), check_lot_decimal(&lot, value));
            proptest::prop_assert_eq!(check_price_filter(&pf, value), check_price_filter_decimal(&pf, value));
            // On the grid by construction.
            let on = lot.min_qty + lot.step_size * Decimal::from(v.rem_euclid(1000));
            proptest::prop_assert_eq!(check_lot(&lot, on), check_lot_decimal(&lot, on));
        }

        /// Values too wide for one `i64` scale (here: 28 decimals against `Decimal::MAX`) take
        /// the `Decimal` path, with the same answers.
        #[test]
        fn wide_values_fall_back(m in proptest::num::i64::ANY, s in 20u32..=28) {
            let lot = LotSize { min_qty: Decimal::new(1, 28), max_qty: Decimal::MAX, step_size: Decimal::new(1, 28) };
            let value = Decimal::new(m, s);
            proptest::prop_assert_eq!(check_lot(&lot, value), check_lot_decimal(&lot, value));
        }
    }
}
