//! Stage 6, the intent executor: [`PermittedPlan`] -> orders to the venue -> [`ExecResult`]
//! (`quantum:stream:apply.result`).
//!
//! Checks in order, first failure wins, all before the venue is called:
//! source allowlist, matched against the plan's producer (`source_not_allowed`) -> symbol availability from the venue's own
//! exchangeInfo (`symbol_not_available`, carrying -1121 or -4140; F5) -> a mark price
//! (`no_market_price`) -> the quantity fit in `fit.rs` (LOT_SIZE / MARKET_LOT_SIZE,
//! MIN_NOTIONAL with `allow_upsize` (F3), `position_limit_exceeded`) -> `check_order`, the same
//! pure check the venues run (`lot_size_violation`, `notional_below_min`, `order_check_failed`).
//! Only then `Venue::place_order` with the `CheckedOrder`; a refusal is `venue_rejected` carrying
//! Binance's code and message, no answer is `venue_unavailable` / `venue_outcome_unknown`.
//! After an entry fills, the plan's TP/SL go out as reduce-only TAKE_PROFIT_MARKET /
//! STOP_MARKET (when `place_tp_sl`); their answers ride on the result, they never drop it.
//! Must never live here: positions bookkeeping (the ledger), governor or permit logic.

mod fit;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use tracing::debug;

use self::fit::{FitInput, fit};
use super::config::ExecutorConfig;
use super::journal::{Journal, JournalRecord, note};
use super::permit::{PermitInfo, PermittedPlan};
use super::plan_header::{PlanHeader, PlanMessage};
use super::{EvalType, Outcome};
use crate::domain::{ClientOrderId, Notional, Price, Qty, SharedText, Symbol, decimal_cmp};
use crate::exchange_info::{MarketContext, Reject, SharedSpec, check_order_shared};
use crate::order::{CheckedOrder, OrderRequest, OrderType, Side};
use crate::reason::{Dropped, Reason};
use crate::venue::{OrderStatus, Venue, VenueError};

/// A TP or SL order sent after an entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtectiveOrder {
    pub order_type: OrderType,
    pub stop_price: Price,
    pub order_id: Option<i64>,
    /// Why it was not placed (the order check's or the venue's answer).
    pub error: Option<VenueError>,
}

/// `quantum:stream:apply.result` for an order the venue accepted. Only [`Executor::execute`]
/// makes one, from a permitted plan and the venue's answer; outside this module a struct
/// literal does not compile:
///
/// ```compile_fail,E0451
/// use pipeline::stages::ExecResult;
/// let forged = ExecResult {
///     header: todo!(),
///     source: todo!(),
///     executed: true,
///     order_id: 1,
///     client_order_id: todo!(),
///     order_status: todo!(),
///     qty: todo!(),
///     filled_qty: todo!(),
///     avg_price: None,
///     upsized: false,
///     permit: todo!(),
///     protective: Vec::new(),
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecResult {
    /// Its side is the one sent (the permit's).
    #[serde(flatten)]
    header: PlanHeader<Side>,
    source: SharedText,
    executed: bool,
    order_id: i64,
    client_order_id: ClientOrderId,
    order_status: OrderStatus,
    qty: Qty,
    filled_qty: Qty,
    avg_price: Option<Price>,
    upsized: bool,
    permit: PermitInfo,
    protective: Vec<ProtectiveOrder>,
}

impl PlanMessage for ExecResult {
    type Side = Side;
    fn header(&self) -> &PlanHeader<Side> {
        &self.header
    }
}

impl ExecResult {
    /// Always true: an order the venue did not accept is a drop, not a result.
    pub fn executed(&self) -> bool {
        self.executed
    }
    pub fn order_id(&self) -> i64 {
        self.order_id
    }
    pub fn client_order_id(&self) -> &str {
        &self.client_order_id
    }
    pub fn status(&self) -> OrderStatus {
        self.order_status
    }
    /// The quantity sent.
    pub fn qty(&self) -> Qty {
        self.qty
    }
    pub fn filled_qty(&self) -> Qty {
        self.filled_qty
    }
    pub fn avg_price(&self) -> Option<Price> {
        self.avg_price
    }
    pub fn upsized(&self) -> bool {
        self.upsized
    }
    pub fn permit(&self) -> &PermitInfo {
        &self.permit
    }
    pub fn protective(&self) -> &[ProtectiveOrder] {
        &self.protective
    }
}

/// The executor's answer and the numbers behind it (for the sizing trace).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecOutput {
    pub outcome: Outcome<ExecResult>,
    pub mark: Option<Price>,
    pub min_notional: Option<Decimal>,
    /// The quantity the order carried (after upsizing).
    pub final_qty: Option<Qty>,
    pub notional: Option<Notional>,
    pub upsized: bool,
    /// True when `place_order` was called.
    pub sent: bool,
}

/// What the executor learned on the way, whatever the outcome.
#[derive(Debug, Clone, Copy, Default)]
struct Numbers {
    mark: Option<Price>,
    min_notional: Option<Decimal>,
    final_qty: Option<Qty>,
    notional: Option<Notional>,
    upsized: bool,
    sent: bool,
}

/// Client order id suffixes of the protective legs: `sim-<plan_id>-tp` and `sim-<plan_id>-sl`.
pub const TAKE_PROFIT_SUFFIX: &str = "-tp";

/// `sim-<plan id><suffix>`: the client order id of a plan's order (suffix empty) or of one of
/// its TP/SL legs. Built without the formatter: it runs for every order. Plan ids are 16
/// characters and suffixes 3, so the id (at most 23) is kept in place, not allocated.
pub fn client_id(plan_id: &SharedText, suffix: &str) -> ClientOrderId {
    ClientOrderId::surrounded("sim-", plan_id, suffix)
}
pub const STOP_LOSS_SUFFIX: &str = "-sl";

/// The drop for a venue call that gave no usable answer.
pub(crate) fn venue_drop(e: VenueError) -> Dropped {
    match e {
        VenueError::Rejected(r) => Dropped::venue_rejected(r),
        VenueError::Unknown(m) => Dropped::new(Reason::VenueOutcomeUnknown, m),
        VenueError::Unavailable(m) => Dropped::new(Reason::VenueUnavailable, m),
    }
}

/// The reason for an order-check refusal, by Binance code.
fn check_drop(symbol: &Symbol, r: Reject) -> Dropped {
    let reason = match r.code {
        -1121 | -4140 => Reason::SymbolNotAvailable,
        -1111 | -4003 | -4004 | -4005 | -4023 => Reason::LotSizeViolation,
        -4164 => Reason::NotionalBelowMin,
        _ => Reason::OrderCheckFailed,
    };
    let detail = format!("{symbol}: {r}");
    Dropped::with_binance(reason, r, detail)
}

/// Stage 6.
#[derive(Debug, Clone)]
pub struct Executor {
    cfg: ExecutorConfig,
    max_position_usd: Decimal,
    leverage_set: BTreeMap<Symbol, u32>,
}

impl Executor {
    /// `max_position_usd` is the trader's (the same limit bounds upsizing and adds).
    pub fn new(cfg: ExecutorConfig, max_position_usd: Decimal) -> Self {
        Executor {
            cfg,
            max_position_usd,
            leverage_set: BTreeMap::new(),
        }
    }

    /// Runs the checks and, when they pass, sends the order; journals the order and answer.
    pub fn execute<V: Venue + ?Sized>(
        &mut self,
        plan: &PermittedPlan,
        venue: &mut V,
        journal: &mut dyn Journal,
    ) -> ExecOutput {
        let mut n = Numbers::default();
        let outcome = self.run(plan, venue, journal, &mut n);
        ExecOutput {
            outcome,
            mark: n.mark,
            min_notional: n.min_notional,
            final_qty: n.final_qty,
            notional: n.notional,
            upsized: n.upsized,
            sent: n.sent,
        }
    }

    fn run<V: Venue + ?Sized>(
        &mut self,
        plan: &PermittedPlan,
        venue: &mut V,
        journal: &mut dyn Journal,
        n: &mut Numbers,
    ) -> Outcome<ExecResult> {
        let p = plan.plan();
        let permit = plan.permit();
        let sym = p.symbol();
        if !self.cfg.source_allowlist.is_empty()
            && !self.cfg.source_allowlist.iter().any(|s| p.producer() == s)
        {
            let detail = format!(
                "{sym}: the plan's producer '{}' (signal source '{}') is not in executor.source_allowlist",
                p.producer(),
                p.source()
            );
            return Outcome::drop(Reason::SourceNotAllowed, detail);
        }
        let Some(spec) = venue.symbol_spec(sym) else {
            return Outcome::Drop(check_drop(sym, Reject::invalid_symbol()));
        };
        if !spec.is_trading() && !p.reduce_only() {
            return Outcome::Drop(check_drop(sym, Reject::symbol_not_trading()));
        }
        let Some(mark) = venue.mark_price(sym).or(p.reference_price()) else {
            let detail =
                format!("{sym}: the venue has no mark price and the plan no reference price");
            return Outcome::drop(Reason::NoMarketPrice, detail);
        };
        n.mark = Some(mark);
        n.min_notional = Some(spec.min_notional);
        n.notional = Some(permit.qty().notional_at(mark));
        let held = permit.exchange_position_amt() * permit.side().sign();
        let f = match fit(FitInput {
            spec: &spec,
            qty: permit.qty(),
            mark,
            reduce_only: p.reduce_only(),
            held_same_side: decimal_cmp::max(held, Decimal::ZERO),
            leverage: p.leverage().unwrap_or(Decimal::ONE),
            max_position_usd: self.max_position_usd,
            allow_upsize: self.cfg.allow_upsize,
        }) {
            Outcome::Pass(f) => f,
            Outcome::Drop(d) => return Outcome::Drop(d),
        };
        (n.final_qty, n.notional, n.upsized) = (Some(f.qty), Some(f.notional), f.upsized);
        let req = OrderRequest::market(sym, permit.side(), f.qty.get())
            .with_reduce_only(p.reduce_only())
            .with_client_order_id(client_id(p.plan_id(), ""));
        let ctx = MarketContext::at_mark(mark);
        let checked = match check_order_shared(spec, &req, &ctx) {
            Ok(c) => c,
            Err(r) => return Outcome::Drop(check_drop(sym, r)),
        };
        if !p.reduce_only()
            && let Err(d) = self.ensure_leverage(sym, p.leverage(), venue)
        {
            return Outcome::Drop(d);
        }
        note(
            journal,
            &JournalRecord::Order {
                plan_id: p.plan_id(),
                order: &checked,
            },
        );
        n.sent = true;
        let answer = venue.place_order(&checked);
        note(
            journal,
            &JournalRecord::VenueAnswer {
                plan_id: p.plan_id(),
                order: answer.as_ref().ok(),
                error: answer.as_ref().err(),
            },
        );
        let state = match answer {
            Ok(s) => s,
            Err(e) => {
                debug!(%sym, error = %e, "venue refused the order");
                return Outcome::Drop(venue_drop(e));
            }
        };
        let entry_filled = p.eval_type() == EvalType::Entry && !state.executed_qty.is_zero();
        let protective = if entry_filled && self.cfg.place_tp_sl {
            self.protect(plan, spec, &ctx, state.executed_qty, venue, journal)
        } else {
            Vec::new()
        };
        Outcome::Pass(ExecResult {
            header: p.header().with_side(permit.side()),
            source: p.source().clone(),
            executed: true,
            order_id: state.order_id,
            client_order_id: state.client_order_id,
            order_status: state.status,
            qty: f.qty,
            filled_qty: state.executed_qty,
            avg_price: state.avg_price,
            upsized: f.upsized,
            permit: permit.clone(),
            protective,
        })
    }

    /// True when an ENTRY that the venue has not filled yet must get its TP/SL once it fills
    /// (a MARKET order that fills at the next bar's open, or a RESULT answer still NEW).
    pub fn protects_on_fill(&self, plan: &PermittedPlan) -> bool {
        self.cfg.place_tp_sl
            && plan.plan().eval_type() == EvalType::Entry
            && (plan.plan().tp_price().is_some() || plan.plan().sl_price().is_some())
    }

    /// Places the TP/SL of an ENTRY whose order filled after the venue's answer, for the
    /// filled quantity, checked at the venue's mark price now. Journals orders and answers.
    pub fn protect_filled<V: Venue + ?Sized>(
        &self,
        plan: &PermittedPlan,
        filled: Qty,
        venue: &mut V,
        journal: &mut dyn Journal,
    ) -> Vec<ProtectiveOrder> {
        let sym = plan.plan().symbol();
        let (Some(spec), Some(mark)) = (venue.symbol_spec(sym), venue.mark_price(sym)) else {
            return Vec::new();
        };
        let ctx = MarketContext::at_mark(mark);
        self.protect(plan, spec, &ctx, filled, venue, journal)
    }

    fn ensure_leverage<V: Venue + ?Sized>(
        &mut self,
        sym: &Symbol,
        leverage: Option<Decimal>,
        venue: &mut V,
    ) -> Result<(), Dropped> {
        let Some(lev) = leverage
            .and_then(|l| l.trunc().to_u32())
            .filter(|l| *l >= 1)
        else {
            return Ok(());
        };
        if self.leverage_set.get(sym) == Some(&lev) {
            return Ok(());
        }
        venue.set_leverage(sym, lev).map_err(venue_drop)?;
        self.leverage_set.insert(sym.clone(), lev);
        Ok(())
    }

    fn protect<V: Venue + ?Sized>(
        &self,
        plan: &PermittedPlan,
        spec: SharedSpec,
        ctx: &MarketContext,
        qty: Qty,
        venue: &mut V,
        journal: &mut dyn Journal,
    ) -> Vec<ProtectiveOrder> {
        let p = plan.plan();
        let side = plan.permit().side().opposite();
        let legs = [
            (OrderType::StopMarket, p.sl_price(), STOP_LOSS_SUFFIX),
            (
                OrderType::TakeProfitMarket,
                p.tp_price(),
                TAKE_PROFIT_SUFFIX,
            ),
        ];
        let mut placed = Vec::new();
        for (order_type, price, tag) in legs {
            let Some(stop_price) = price else { continue };
            let req = OrderRequest::conditional(
                p.symbol(),
                side,
                order_type,
                qty.get(),
                stop_price.get(),
            )
            .with_reduce_only(true)
            .with_client_order_id(client_id(p.plan_id(), tag))
            .with_working_type(self.cfg.working_type);
            let answer = check_order_shared(spec, &req, ctx)
                .map_err(VenueError::Rejected)
                .and_then(|c: CheckedOrder| {
                    note(
                        journal,
                        &JournalRecord::Order {
                            plan_id: p.plan_id(),
                            order: &c,
                        },
                    );
                    let a = venue.place_order(&c);
                    note(
                        journal,
                        &JournalRecord::VenueAnswer {
                            plan_id: p.plan_id(),
                            order: a.as_ref().ok(),
                            error: a.as_ref().err(),
                        },
                    );
                    a
                });
            let (order_id, error) = match answer {
                Ok(s) => (Some(s.order_id), None),
                Err(e) => (None, Some(e)),
            };
            placed.push(ProtectiveOrder {
                order_type,
                stop_price,
                order_id,
                error,
            });
        }
        placed
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
