//! Stage 3, the intent bridge: [`TradeIntent`] or a recorded [`IntentPayload`] -> [`ApplyPlan`]
//! (`quantum:stream:apply.plan`).
//!
//! Checks in the original's order, first failure wins: a readable symbol and action
//! (`malformed_intent`, recorded intents only) -> the policy allowlist for entries
//! (`symbol_not_in_allowlist`) -> a size (`invalid_quantity`, F1: `qty`, or `position_usd` +
//! `leverage`; an exit without either closes what the venue holds) -> for entries, a leverage
//! Binance can set (`leverage_not_valid`: a whole number from 1 to 125) -> a price
//! (`no_market_price`).
//!
//! Sizing (F2): `qty = position_usd * leverage / price`, floored to the MARKET_LOT_SIZE step
//! (a `qty` intent is floored too). Never `position_usd / (price * leverage)`. A quantity below
//! minQty or MIN_NOTIONAL is the executor's business (it may upsize), so it passes here.
//! TP/SL prices (entries) are rounded to tickSize toward the entry price: a long's take-profit
//! is floored and its stop ceiled, a short's take-profit ceiled and its stop floored, so a stop
//! never risks more than `sl_pct` and a target never asks more than `tp_pct`.
//! `plan_id` is 16 hex digits of FNV-1a over symbol, time and sequence: deterministic.
//! Must never live here: MIN_NOTIONAL, positions, or any venue call but reading the symbol's
//! rules and mark price.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Serialize;

use super::config::BridgeConfig;
use super::payload::{self, IntentFields, IntentPayload, Sizing};
use super::plan_header::{PlanHeader, PlanMessage};
use super::round::{ceil_to, floor_to, mul_div, plain};
use super::trader::TradeIntent;
use super::{EvalType, Outcome};
use crate::domain::{Bar, Price, Qty, SharedText, Symbol, TimestampMs};
use crate::funnel::{SizingTrace, TraceDrop};
use crate::order::Side;
use crate::reason::{Dropped, Evidence, Reason};
use crate::venue::Venue;

/// How much a plan trades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanQty {
    /// This many base units (may be below minQty: the executor decides).
    Qty(Qty),
    /// Whatever the venue holds (an exit without a size).
    ClosePosition,
}

/// `quantum:stream:apply.plan`: a sized plan. Only [`IntentBridge`] makes one (from a trader's
/// intent or a recorded one); outside this module a struct literal does not compile:
///
/// ```compile_fail,E0451
/// use pipeline::stages::ApplyPlan;
/// let forged = ApplyPlan {
///     header: todo!(),
///     qty: todo!(),
///     reference_price: None,
///     leverage: None,
///     tp_price: None,
///     sl_price: None,
///     reduce_only: true,
///     source: todo!(),
///     producer: "intent_bridge",
///     decision: "EXECUTE",
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApplyPlan {
    /// Its side is `None` for a CLOSE whose side the permit takes from the venue's position.
    #[serde(flatten)]
    header: PlanHeader<Option<Side>>,
    qty: PlanQty,
    reference_price: Option<Price>,
    leverage: Option<Decimal>,
    tp_price: Option<Price>,
    sl_price: Option<Price>,
    reduce_only: bool,
    /// Where the signal or intent behind the plan came from (e.g. `sma_cross(10,30)`, or a
    /// recorded intent's `source`): the plan's origin, journaled.
    source: SharedText,
    /// The service that produced the plan ([`IntentBridge::PRODUCER`]): what the executor's
    /// `source_allowlist` is matched against, as the original system's
    /// `INTENT_EXECUTOR_SOURCE_ALLOWLIST` lists plan producers (`intent_bridge,apply_layer,...`).
    /// Every plan of a run comes from the bridge, so it is not journaled.
    #[serde(skip)]
    producer: &'static str,
    /// Always EXECUTE: a blocked plan is a drop, journaled with decision BLOCKED.
    decision: &'static str,
}

impl PlanMessage for ApplyPlan {
    type Side = Option<Side>;
    fn header(&self) -> &PlanHeader<Option<Side>> {
        &self.header
    }
}

impl ApplyPlan {
    pub fn qty(&self) -> PlanQty {
        self.qty
    }
    /// The price the plan was sized at.
    pub fn reference_price(&self) -> Option<Price> {
        self.reference_price
    }
    pub fn leverage(&self) -> Option<Decimal> {
        self.leverage
    }
    pub fn tp_price(&self) -> Option<Price> {
        self.tp_price
    }
    pub fn sl_price(&self) -> Option<Price> {
        self.sl_price
    }
    pub fn reduce_only(&self) -> bool {
        self.reduce_only
    }
    pub fn source(&self) -> &SharedText {
        &self.source
    }
    /// The service that produced the plan (see [`IntentBridge::PRODUCER`]).
    pub fn producer(&self) -> &'static str {
        self.producer
    }
}

/// What the bridge made of one intent.
#[derive(Debug, Clone, PartialEq)]
pub struct BridgeOutput {
    pub eval_type: EvalType,
    /// The symbol as written (for the funnel, even when it is not a valid name).
    pub symbol: SharedText,
    pub outcome: Outcome<ApplyPlan>,
    /// The sizing so far (the executor completes it).
    pub trace: SizingTrace,
}

/// The price to size at: the bar's close for the bar's symbol, otherwise the venue's mark.
pub fn market_price<V: Venue + ?Sized>(
    symbol: &Symbol,
    bar: Option<(&Symbol, &Bar)>,
    venue: &V,
) -> Option<Price> {
    match bar {
        Some((s, b)) if s == symbol => b.close_price().or_else(|| venue.mark_price(symbol)),
        _ => venue.mark_price(symbol),
    }
}

/// The intent bridge.
#[derive(Debug, Clone, Default)]
pub struct IntentBridge {
    allowlist: BTreeSet<Symbol>,
}

impl IntentBridge {
    /// The producer every plan of the bridge carries: the original system's service name for
    /// this stage, as its executor's source allowlist names it.
    pub const PRODUCER: &'static str = "intent_bridge";

    pub fn new(cfg: &BridgeConfig) -> Self {
        IntentBridge {
            allowlist: cfg.allowlist.iter().cloned().collect(),
        }
    }

    /// Plans an intent from the trader. `bar` is the bar being processed (its close is the
    /// sizing price for its symbol).
    pub fn plan_intent<V: Venue + ?Sized>(
        &self,
        intent: &TradeIntent,
        bar: Option<(&Symbol, &Bar)>,
        venue: &V,
    ) -> BridgeOutput {
        let fields = IntentFields {
            seq: intent.seq(),
            time: intent.time(),
            symbol: intent.symbol().clone(),
            side: Some(intent.side()),
            eval_type: intent.intent_type(),
            sizing: Some(intent.sizing()),
            leverage: None,
            tp_pct: intent.tp_pct(),
            sl_pct: intent.sl_pct(),
            reduce_only: intent.reduce_only(),
            source: intent.source().clone(),
            clipped: intent.clipped(),
        };
        self.plan(fields, None, bar, venue)
    }

    /// Plans a recorded/imported intent (either sizing form). `default_time` is used when the
    /// payload carries no time.
    pub fn plan_recorded<V: Venue + ?Sized>(
        &self,
        p: &IntentPayload,
        seq: u64,
        default_time: TimestampMs,
        bar: Option<(&Symbol, &Bar)>,
        venue: &V,
    ) -> BridgeOutput {
        match payload::parse(p, seq, default_time) {
            Ok(fields) => self.plan(fields, Some(p), bar, venue),
            Err(m) => {
                let symbol = SharedText::from(m.symbol_text);
                let mut trace = SizingTrace::new(seq, default_time, symbol.clone(), m.eval_type);
                let d = Dropped::with_evidence(
                    Reason::MalformedIntent,
                    m.detail,
                    Evidence::Payload {
                        payload: p.to_value(),
                    },
                );
                trace.dropped = Some(TraceDrop {
                    stage: super::Stage::Bridge,
                    reason: d.reason(),
                });
                BridgeOutput {
                    eval_type: m.eval_type,
                    symbol,
                    outcome: Outcome::Drop(d),
                    trace,
                }
            }
        }
    }

    fn plan<V: Venue + ?Sized>(
        &self,
        f: IntentFields,
        payload: Option<&IntentPayload>,
        bar: Option<(&Symbol, &Bar)>,
        venue: &V,
    ) -> BridgeOutput {
        let mut trace = SizingTrace::new(f.seq, f.time, &f.symbol, f.eval_type);
        trace.clipped = f.clipped;
        let outcome = self.size(&f, payload, bar, venue, &mut trace);
        if let Outcome::Drop(d) = &outcome {
            trace.dropped = Some(TraceDrop {
                stage: super::Stage::Bridge,
                reason: d.reason(),
            });
        }
        BridgeOutput {
            eval_type: f.eval_type,
            symbol: trace.symbol.clone(),
            outcome,
            trace,
        }
    }

    fn size<V: Venue + ?Sized>(
        &self,
        f: &IntentFields,
        payload: Option<&IntentPayload>,
        bar: Option<(&Symbol, &Bar)>,
        venue: &V,
        trace: &mut SizingTrace,
    ) -> Outcome<ApplyPlan> {
        let sym = &f.symbol;
        let entry = f.eval_type == EvalType::Entry;
        if entry && !self.allowlist.is_empty() && !self.allowlist.contains(sym) {
            return Outcome::drop(
                Reason::SymbolNotInAllowlist,
                format!(
                    "{sym} is not in bridge.allowlist ({} symbols)",
                    self.allowlist.len()
                ),
            );
        }
        let Some(sizing) = f.sizing else {
            let detail = format!(
                "{sym}: entry intent has neither a positive qty nor position_usd + leverage"
            );
            let evidence = payload.map_or(Evidence::None, |p| Evidence::Payload {
                payload: p.to_value(),
            });
            return Outcome::Drop(Dropped::with_evidence(
                Reason::InvalidQuantity,
                detail,
                evidence,
            ));
        };
        trace.form = sizing.form().into();
        let leverage = match sizing {
            Sizing::PositionUsd { leverage, .. } => Some(leverage),
            _ => f.leverage,
        };
        if entry && let Some(lev) = leverage.filter(|l| !valid_leverage(*l)) {
            return Outcome::drop(
                Reason::LeverageNotValid,
                format!("{sym}: leverage {lev} is not a whole number from 1 to {MAX_LEVERAGE}"),
            );
        }
        let spec = venue.symbol_spec(sym);
        let step = spec
            .as_ref()
            .map_or(Decimal::ZERO, |s| s.market_lot_size.step_size);
        let tick = spec
            .as_ref()
            .map_or(Decimal::ZERO, |s| s.price_filter.tick_size);
        let price = match sizing {
            Sizing::Qty { price: Some(p), .. } => Price::new(p).ok(),
            _ => market_price(sym, bar, venue),
        };
        trace.price = price.map(Price::get);
        let raw = match sizing {
            Sizing::PositionUsd {
                position_usd,
                leverage,
            } => {
                trace.requested_usd = Some(position_usd);
                trace.leverage = Some(leverage);
                let Some(p) = price else {
                    return Outcome::drop(
                        Reason::NoMarketPrice,
                        format!("{sym}: no bar close or mark price to size {position_usd} USD at"),
                    );
                };
                mul_div(position_usd, leverage, p.get())
            }
            Sizing::Qty { qty, .. } => {
                trace.leverage = f.leverage;
                Some(qty)
            }
            Sizing::ClosePosition => None,
        };
        let qty = match (sizing, raw) {
            (Sizing::ClosePosition, _) => PlanQty::ClosePosition,
            (_, Some(raw)) => {
                trace.raw_qty = Some(raw);
                let Some(q) = floor_to(raw, step).and_then(|q| Qty::new(q).ok()) else {
                    return Outcome::drop(
                        Reason::InvalidQuantity,
                        format!(
                            "{sym}: quantity {raw} cannot be floored to step {}",
                            plain(step)
                        ),
                    );
                };
                trace.step_qty = Some(q.get());
                PlanQty::Qty(q)
            }
            (_, None) => {
                return Outcome::drop(
                    Reason::InvalidQuantity,
                    format!("{sym}: the size overflows (position_usd x leverage / price)"),
                );
            }
        };
        let (tp_price, sl_price) = match (entry, f.side, price) {
            (true, Some(side), Some(p)) => protective_prices(side, p, f.tp_pct, f.sl_pct, tick),
            _ => (None, None),
        };
        let plan_id = plan_id(sym, f.time, f.seq);
        trace.plan_id = Some(plan_id.clone());
        Outcome::Pass(ApplyPlan {
            header: PlanHeader::new(plan_id, f.seq, f.time, sym.clone(), f.side, f.eval_type),
            qty,
            reference_price: price,
            leverage,
            tp_price,
            sl_price,
            reduce_only: f.reduce_only,
            source: f.source.clone(),
            producer: Self::PRODUCER,
            decision: "EXECUTE",
        })
    }
}

/// The highest leverage Binance USD-M accepts for any symbol (each symbol's brackets may allow
/// less; the venue answers that).
const MAX_LEVERAGE: u32 = 125;

/// Binance sets leverage in whole steps from 1 to [`MAX_LEVERAGE`] (-4028 otherwise): an entry
/// sized with any other value would run at a leverage it was not sized for.
fn valid_leverage(leverage: Decimal) -> bool {
    leverage.fract().is_zero()
        && leverage >= Decimal::ONE
        && leverage <= Decimal::from(MAX_LEVERAGE)
}

/// TP and SL prices for an entry at `price`, rounded to `tick` toward the entry.
pub(crate) fn protective_prices(
    side: Side,
    price: Price,
    tp_pct: Option<Decimal>,
    sl_pct: Option<Decimal>,
    tick: Decimal,
) -> (Option<Price>, Option<Price>) {
    let at = |pct: Decimal, up: bool| {
        // pct / 100 without a division: the same number, two more decimals.
        let frac = Decimal::try_from_i128_with_scale(pct.mantissa(), pct.scale() + 2)
            .ok()
            .or_else(|| pct.checked_div(Decimal::ONE_HUNDRED))?;
        let factor = if up {
            Decimal::ONE + frac
        } else {
            Decimal::ONE - frac
        };
        price.get().checked_mul(factor)
    };
    let round = |v: Option<Decimal>, floor: bool| {
        let v = v?;
        let r = if floor {
            floor_to(v, tick)
        } else {
            ceil_to(v, tick)
        }?;
        Price::new(r).ok()
    };
    let long = side == Side::Buy;
    // Long: TP above (floored), SL below (ceiled). Short: TP below (ceiled), SL above (floored).
    let tp = tp_pct.and_then(|p| round(at(p, long), long));
    let sl = sl_pct.and_then(|p| round(at(p, !long), !long));
    (tp, sl)
}

/// 16 hex digits of FNV-1a 64 over symbol, time and sequence number.
pub fn plan_id(symbol: &Symbol, time: TimestampMs, seq: u64) -> SharedText {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    eat(symbol.as_str().as_bytes());
    eat(&time.as_ms().to_le_bytes());
    eat(&seq.to_le_bytes());
    hex16(h)
}

/// `h` as 16 lower-case hex digits (what `format!("{h:016x}")` gives, without the formatter:
/// this runs once per plan).
fn hex16(h: u64) -> SharedText {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 16];
    for (k, c) in text.iter_mut().enumerate() {
        *c = DIGITS[((h >> ((15 - k) * 4)) & 0xf) as usize];
    }
    SharedText::from_ascii(&text).unwrap_or_default()
}

#[cfg(test)]
#[path = "bridge_tests.rs"]
mod tests;
