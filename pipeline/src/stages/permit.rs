//! Stage 5, the permit (the reports' "P3.3"): [`GovernedPlan`] + the venue's position snapshot
//! + the ledger -> [`PermittedPlan`].
//!
//! Architecture invariant: the venue is the truth. No snapshot (the venue's positions could not
//! be read) -> `no_exchange_snapshot`; the permit never trades blind. For exits `safe_qty` is
//! what the venue actually holds: the close is clipped to it, its side follows the venue's
//! position, and nothing held (or held the other way) -> `no_position_to_close` (the reports'
//! SKIP_NO_POSITION). For entries the plan's quantity stands and `safe_qty` is informational,
//! as in the reports' "permit granted (OPEN): safe_qty=0 -> using plan qty".
//! An order of the symbol accepted and not filled yet (in flight) holds back every other plan of
//! that symbol (`order_in_flight`): the venue's position is about to change, and a plan read
//! against it could open a second position or close one twice.
//! The permit records the ledger's amount beside the venue's; the pipeline counts a difference
//! as a ledger mismatch (F7) and takes the venue's value.
//! Must never live here: venue calls (the pipeline reads the snapshot), exchange filters.

use rust_decimal::Decimal;
use serde::Serialize;

use super::bridge::{ApplyPlan, PlanQty};
use super::governor::GovernedPlan;
use super::order_lifecycle::InFlight;
use super::plan_header::{PlanHeader, PlanMessage};
use super::{EvalType, Outcome};
use crate::domain::Qty;
use crate::order::Side;
use crate::reason::{Dropped, Evidence, Reason};
use crate::venue::{PositionAmount, VenueError};

/// The permit's answer, in the reports' `permit` shape. Only [`PermitGate::check`] makes one;
/// outside this module a struct literal does not compile:
///
/// ```compile_fail,E0451
/// use pipeline::stages::PermitInfo;
/// use pipeline::{order::Side, Qty};
/// use rust_decimal::Decimal;
/// fn forge(qty: Qty) -> PermitInfo {
///     PermitInfo {
///         allow: true,
///         side: Side::Buy,
///         qty,
///         safe_qty: qty,
///         exchange_position_amt: Decimal::ZERO,
///         ledger_amt: Decimal::ZERO,
///         clipped: false,
///         reason: "sanity_checks_passed",
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermitInfo {
    allow: bool,
    side: Side,
    qty: Qty,
    safe_qty: Qty,
    exchange_position_amt: Decimal,
    ledger_amt: Decimal,
    clipped: bool,
    reason: &'static str,
}

impl PermitInfo {
    /// Always true: a plan without a permit is a drop.
    pub fn allow(&self) -> bool {
        self.allow
    }
    /// The side to send (for closes: against the venue's position).
    pub fn side(&self) -> Side {
        self.side
    }
    /// The quantity to send.
    pub fn qty(&self) -> Qty {
        self.qty
    }
    /// What the venue holds, unsigned.
    pub fn safe_qty(&self) -> Qty {
        self.safe_qty
    }
    /// The venue's signed amount for the symbol.
    pub fn exchange_position_amt(&self) -> Decimal {
        self.exchange_position_amt
    }
    /// The ledger's signed amount for the symbol.
    pub fn ledger_amt(&self) -> Decimal {
        self.ledger_amt
    }
    /// A close larger than the venue's position was cut to it.
    pub fn clipped(&self) -> bool {
        self.clipped
    }
    /// Why the permit was granted (`sanity_checks_passed`).
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// A governed plan with a permit. Only [`PermitGate::check`] makes one, so the executor can
/// only receive a plan the governor and the permit both passed. Outside this module neither a
/// struct literal nor the constructor compiles:
///
/// ```compile_fail,E0451
/// use pipeline::stages::{GovernedPlan, PermitInfo, PermittedPlan};
/// fn forge(governed: GovernedPlan, permit: PermitInfo) -> PermittedPlan {
///     PermittedPlan { governed, permit }
/// }
/// ```
///
/// ```compile_fail,E0624
/// use pipeline::stages::{GovernedPlan, PermitInfo, PermittedPlan};
/// fn forge(governed: GovernedPlan, permit: PermitInfo) -> PermittedPlan {
///     PermittedPlan::new(governed, permit)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PermittedPlan {
    #[serde(flatten)]
    governed: GovernedPlan,
    permit: PermitInfo,
}

impl PlanMessage for PermittedPlan {
    type Side = Option<Side>;
    fn header(&self) -> &PlanHeader<Option<Side>> {
        self.governed.header()
    }
}

impl PermittedPlan {
    fn new(governed: GovernedPlan, permit: PermitInfo) -> Self {
        PermittedPlan { governed, permit }
    }
    pub fn governed(&self) -> &GovernedPlan {
        &self.governed
    }
    pub fn plan(&self) -> &ApplyPlan {
        self.governed.plan()
    }
    pub fn permit(&self) -> &PermitInfo {
        &self.permit
    }
}

/// The permit's answer plus what it saw.
#[derive(Debug, Clone, PartialEq)]
pub struct PermitOutput {
    pub outcome: Outcome<PermittedPlan>,
    /// The venue's signed amount for the symbol (`None`: no snapshot).
    pub venue_amt: Option<Decimal>,
}

/// Stage 5. Stateless: everything it needs comes in with the call.
#[derive(Debug, Clone, Copy, Default)]
pub struct PermitGate;

impl PermitGate {
    /// Compares `plan` with the venue's positions (`Err`: none could be read), the ledger's
    /// signed amount for the symbol and the symbol's order in flight, if any.
    pub fn check(
        &self,
        plan: GovernedPlan,
        snapshot: Result<&[PositionAmount], &VenueError>,
        ledger_amt: Decimal,
        in_flight: Option<&InFlight>,
    ) -> PermitOutput {
        let p = plan.plan();
        let sym = p.symbol();
        let positions = match snapshot {
            Ok(list) => list,
            Err(e) => {
                let detail = format!("{sym}: the venue's positions could not be read ({e})");
                return PermitOutput {
                    outcome: Outcome::Drop(Dropped::new(Reason::NoExchangeSnapshot, detail)),
                    venue_amt: None,
                };
            }
        };
        let venue_amt = positions
            .iter()
            .find(|s| &s.symbol == sym)
            .map_or(Decimal::ZERO, |s| s.position_amt);
        let safe_qty = Qty::new(venue_amt.abs()).unwrap_or(Qty::ZERO);
        let evidence = || Evidence::Position {
            venue_amt,
            ledger_amt,
        };
        if let Some(o) = in_flight {
            let detail = format!(
                "{sym}: {} order {} accepted at {} has not filled yet; this plan waits for it \
                 (the venue holds {venue_amt} until it fills)",
                o.eval, o.order_id, o.accepted_at.0
            );
            return Self::refuse(Reason::OrderInFlight, detail, evidence(), venue_amt);
        }
        let closing = p.reduce_only() || p.eval_type() == EvalType::Exit;
        let (side, qty, clipped) = if closing {
            let held_side = match venue_amt {
                a if a > Decimal::ZERO => Side::Sell,
                a if a < Decimal::ZERO => Side::Buy,
                _ => {
                    let detail =
                        format!("{sym}: the venue holds no position (ledger: {ledger_amt})");
                    return Self::refuse(Reason::NoPositionToClose, detail, evidence(), venue_amt);
                }
            };
            if p.side().is_some_and(|s| s != held_side) {
                let detail = format!(
                    "{sym}: a {} exit cannot close the venue's {venue_amt}",
                    p.side().map_or("?", Side::as_str)
                );
                return Self::refuse(Reason::NoPositionToClose, detail, evidence(), venue_amt);
            }
            match p.qty() {
                PlanQty::Qty(q) if q <= safe_qty => (held_side, q, false),
                PlanQty::Qty(_) => (held_side, safe_qty, true),
                PlanQty::ClosePosition => (held_side, safe_qty, false),
            }
        } else {
            let Some(side) = p.side() else {
                let detail = format!("{sym}: an entry plan without a side");
                return Self::refuse(Reason::MalformedIntent, detail, evidence(), venue_amt);
            };
            let qty = match p.qty() {
                PlanQty::Qty(q) => q,
                PlanQty::ClosePosition => Qty::ZERO,
            };
            (side, qty, false)
        };
        let permit = PermitInfo {
            allow: true,
            side,
            qty,
            safe_qty,
            exchange_position_amt: venue_amt,
            ledger_amt,
            clipped,
            reason: "sanity_checks_passed",
        };
        PermitOutput {
            outcome: Outcome::Pass(PermittedPlan::new(plan, permit)),
            venue_amt: Some(venue_amt),
        }
    }

    fn refuse(
        reason: Reason,
        detail: String,
        evidence: Evidence,
        venue_amt: Decimal,
    ) -> PermitOutput {
        PermitOutput {
            outcome: Outcome::Drop(Dropped::with_evidence(reason, detail, evidence)),
            venue_amt: Some(venue_amt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TimestampMs;
    use crate::stages::bridge::IntentBridge;
    use crate::stages::config::GovernorConfig;
    use crate::stages::governor::Governor;
    use crate::stages::payload::IntentPayload;
    use crate::stages::test_venue::FakeVenue;
    use crate::venue::Venue;
    use rust_decimal_macros::dec;

    fn governed(json: &str) -> GovernedPlan {
        let venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
        let p = IntentPayload::from_json(json).expect("json");
        let plan = IntentBridge::default()
            .plan_recorded(&p, 1, TimestampMs(0), None, &venue)
            .outcome;
        let Outcome::Pass(plan) = plan else {
            panic!("{plan:?}")
        };
        let gov = GovernorConfig {
            enabled: false,
            ..GovernorConfig::default()
        };
        match Governor::new(gov).govern(plan) {
            Outcome::Pass(g) => g,
            Outcome::Drop(d) => panic!("{d:?}"),
        }
    }

    fn check(json: &str, venue: &mut FakeVenue, ledger: Decimal) -> PermitOutput {
        let snap = venue.position_amounts();
        PermitGate.check(governed(json), snap.as_deref(), ledger, None)
    }

    #[test]
    fn closes_use_what_the_venue_holds() {
        let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
        venue.set_position("BTCUSDT", dec!(0.008));
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "CLOSE"}"#,
            &mut venue,
            dec!(0.010),
        );
        let p = out.outcome.passed().expect("permit").permit().clone();
        assert_eq!(
            (p.side(), p.qty().get(), p.safe_qty().get()),
            (Side::Sell, dec!(0.008), dec!(0.008))
        );
        assert_eq!(
            (p.exchange_position_amt(), p.ledger_amt()),
            (dec!(0.008), dec!(0.010))
        );
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "SELL", "reduce_only": true, "qty": "0.02"}"#,
            &mut venue,
            dec!(0.008),
        );
        let p = out.outcome.passed().expect("permit").permit().clone();
        assert_eq!((p.qty().get(), p.clipped()), (dec!(0.008), true));
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "BUY", "reduce_only": true}"#,
            &mut venue,
            dec!(0.008),
        );
        assert_eq!(out.outcome.reason(), Some(Reason::NoPositionToClose));
    }

    #[test]
    fn nothing_held_or_no_snapshot_refuses() {
        let mut venue = FakeVenue::new();
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "CLOSE"}"#,
            &mut venue,
            dec!(0.01),
        );
        assert_eq!(out.outcome.reason(), Some(Reason::NoPositionToClose));
        assert_eq!(out.venue_amt, Some(Decimal::ZERO));
        venue.fail_positions = true;
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.01"}"#,
            &mut venue,
            Decimal::ZERO,
        );
        assert_eq!(out.outcome.reason(), Some(Reason::NoExchangeSnapshot));
        assert_eq!(out.venue_amt, None);
    }

    #[test]
    fn entries_keep_the_plan_quantity() {
        let mut venue = FakeVenue::new();
        let out = check(
            r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.0007"}"#,
            &mut venue,
            Decimal::ZERO,
        );
        let p = out.outcome.passed().expect("permit").permit().clone();
        assert_eq!(
            (p.side(), p.qty().get(), p.safe_qty().get()),
            (Side::Buy, dec!(0.000), Decimal::ZERO)
        );
    }

    #[test]
    fn an_order_in_flight_holds_back_the_next_plan() {
        let mut venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
        let snap = venue.position_amounts();
        let out_of = |json: &str, o: Option<&InFlight>| {
            PermitGate
                .check(governed(json), snap.as_deref(), Decimal::ZERO, o)
                .outcome
        };
        let entry = InFlight {
            order_id: 7,
            symbol: "BTCUSDT".parse().expect("symbol"),
            eval: EvalType::Entry,
            accepted_at: TimestampMs(60_000),
        };
        let sell = r#"{"symbol": "BTCUSDT", "action": "SELL", "qty": "0.01"}"#;
        let out = out_of(sell, Some(&entry));
        assert_eq!(out.reason(), Some(Reason::OrderInFlight));
        let Outcome::Drop(d) = &out else { panic!() };
        assert!(d.detail().contains("ENTRY order 7"), "{}", d.detail());
        assert!(out_of(sell, None).passed().is_some());
    }
}
