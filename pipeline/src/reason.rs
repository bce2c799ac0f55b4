//! Reason codes: the one enum [`Reason`] of stable snake_case codes every stage drops with, and
//! [`Dropped`], the value a drop is.
//!
//! A drop is never an `Err`: a stage answers `Outcome::Drop(Dropped)` and the funnel counts it.
//! A `Dropped` holds exactly one `Reason` (a field, not a list), a one-line detail with the
//! numbers ("BTCUSDT, 70.61 < 100") and optional evidence (Binance's code and message, the
//! min-notional arithmetic, the kill-score components, a recorded payload).
//! Codes are part of the report format: never rename one; add a new one instead.
//! Must never live here: the decision logic of a stage, or Binance's own error texts (those are
//! `exchange_info::Reject`).

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Notional, Price, Qty};
use crate::exchange_info::Reject;
use crate::stages::governor::KillScore;

macro_rules! reasons {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $meaning:literal, $fix:literal; )*) => {
        /// Why something was dropped. Serialized as its snake_case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Reason {
            $( $(#[$doc])* $variant, )*
        }

        impl Reason {
            /// Every code, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),*];

            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $code,)* }
            }

            /// One line: what happened.
            pub fn meaning(self) -> &'static str {
                match self { $(Reason::$variant => $meaning,)* }
            }

            /// One sentence (a clause, lower case): what to change so it stops happening.
            pub fn fix(self) -> &'static str {
                match self { $(Reason::$variant => $fix,)* }
            }
        }
    };
}

reasons! {
    /// A recorded intent without a usable symbol or action.
    MalformedIntent => "malformed_intent",
        "a recorded intent lacks a symbol or a BUY/SELL/CLOSE action, or its symbol is not a valid name",
        "record intents with `symbol` (upper case, e.g. BTCUSDT) and `action` BUY, SELL or CLOSE";
    /// F1: an entry intent with neither sizing form.
    InvalidQuantity => "invalid_quantity",
        "an entry intent carried neither `position_usd` + `leverage` nor a positive `qty`, so no size could be computed",
        "send `position_usd` and `leverage` (or a positive `qty`) with every entry intent";
    SymbolNotInUniverse => "symbol_not_in_universe",
        "the signal's symbol is not in the trader's symbol universe (trader.symbols)",
        "add the symbol to trader.symbols or stop the strategy from signalling it";
    BelowMinConfidence => "below_min_confidence",
        "the signal's confidence was below trader.min_confidence",
        "lower trader.min_confidence or make the strategy more confident";
    MaxPositionsReached => "max_positions_reached",
        "trader.max_positions positions were already open, so a new entry was refused",
        "raise trader.max_positions or close positions sooner";
    CooldownActive => "cooldown_active",
        "an entry for this symbol came within trader.cooldown_ms of the previous one",
        "lower trader.cooldown_ms or emit fewer repeated entry signals";
    NoPositionToClose => "no_position_to_close",
        "an exit was asked for but there was no position to close (the ledger's at the trader, the venue's at the permit)",
        "send CLOSE only for open positions; if one should exist, check why its entry did not fill";
    SymbolNotInAllowlist => "symbol_not_in_allowlist",
        "the bridge's policy allowlist (bridge.allowlist) does not contain the symbol",
        "add the symbol to bridge.allowlist (and check that the venue lists it)";
    NoMarketPrice => "no_market_price",
        "no price was available to size the order or value its notional (no bar close, no mark price)",
        "feed bars or a mark price for the symbol before its signals";
    /// F6: the governor blocked the plan.
    KillScoreWarningRiskIncrease => "kill_score_warning_risk_increase",
        "the governor's kill_score was above the threshold for this evaluation type (ENTRY or EXIT)",
        "read the kill_score components; raise governor.exit_threshold (or entry_threshold) or lower the dominant component's weight";
    NoExchangeSnapshot => "no_exchange_snapshot",
        "the venue's positions could not be read, so the permit could not compare the plan with the exchange",
        "check the venue connection (network, API key) and retry; the permit never trades blind";
    SourceNotAllowed => "source_not_allowed",
        "the plan's producer is not in executor.source_allowlist",
        "list the services that produce plans in executor.source_allowlist (every plan sim makes comes from intent_bridge), or leave the list empty to allow every producer";
    /// F5: Binance -1121 (or -4140 for a symbol that is listed but not trading).
    SymbolNotAvailable => "symbol_not_available",
        "the venue does not list the symbol, or it is not trading (Binance -1121 Invalid symbol. / -4140)",
        "trade only symbols the venue lists (testnet lists fewer than mainnet); `sim check` warns before a run";
    LotSizeViolation => "lot_size_violation",
        "the quantity breaks LOT_SIZE / MARKET_LOT_SIZE (below minQty, above maxQty or off the step)",
        "size between minQty and maxQty: raise position_usd or leverage, or enable executor.allow_upsize";
    /// F3: Binance -4164.
    NotionalBelowMin => "notional_below_min",
        "price x quantity was below the symbol's MIN_NOTIONAL (Binance -4164), and upsizing was off or would pass max_position_usd",
        "enable allow_upsize or raise position_usd";
    PositionLimitExceeded => "position_limit_exceeded",
        "the order would take the position's margin (notional / leverage) over trader.max_position_usd",
        "raise trader.max_position_usd, lower position_usd, or stop adding to open positions";
    OrderCheckFailed => "order_check_failed",
        "the order broke another exchange filter (price, precision or parameters); the Binance code is in the detail",
        "fix the field the Binance message names";
    /// The venue refused; the drop carries Binance's code and message.
    VenueRejected => "venue_rejected",
        "the venue refused the order with a Binance error code and message",
        "read the Binance code in the detail (e.g. -2019 margin is insufficient) and fix what it names";
    VenueUnavailable => "venue_unavailable",
        "the venue could not be reached (network, auth, ban), so nothing was sent",
        "check connectivity and credentials, then retry";
    VenueOutcomeUnknown => "venue_outcome_unknown",
        "the venue did not say whether the order was placed (timeout, 503); the ledger was reconciled from the venue",
        "read the venue's orders and positions before retrying; never resend blindly";
    /// Binance -4028: leverage is set in whole steps from 1 to 125 (the bridge checks entries).
    /// Last because the codes' declaration order is the order reports list them in: a new
    /// code goes at the end.
    LeverageNotValid => "leverage_not_valid",
        "an entry intent's leverage was not a whole number from 1 to 125, so Binance would refuse it (-4028) or the position would run at a leverage it was not sized for",
        "send a whole leverage from 1 to the symbol's maximum with every entry intent";
    /// An order of the symbol was accepted and has not filled yet: the next plan waits.
    OrderInFlight => "order_in_flight",
        "an order of the symbol was accepted and had not filled yet, so a plan read against the venue's position then could have opened a second position or closed one twice",
        "nothing to fix when it is rare (a signal right after an order); when frequent, the venue fills slowly (latency) or the strategy signals faster than orders fill: slow the signals or check the venue's latency";
}

impl Reason {
    /// The code for a text such as `notional_below_min`.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == code)
    }

    /// Binance's error code when the reason mirrors one.
    pub fn binance_code(self) -> Option<i32> {
        match self {
            Reason::SymbolNotAvailable => Some(-1121),
            Reason::NotionalBelowMin => Some(-4164),
            Reason::LeverageNotValid => Some(-4028),
            _ => None,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a reason code; `sim explain --reasons` lists them")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;
    fn from_str(s: &str) -> Result<Self, UnknownReason> {
        Reason::from_code(s.trim()).ok_or_else(|| UnknownReason(s.to_string()))
    }
}

/// The min-notional arithmetic behind a `notional_below_min` drop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotionalShortfall {
    pub qty: Qty,
    /// The mark price the notional was valued at (as Binance does for MARKET orders).
    pub price: Price,
    pub notional: Notional,
    pub min_notional: Decimal,
    pub allow_upsize: bool,
    /// When upsizing was refused: the smallest step multiple that would have met min notional.
    pub upsize_qty: Option<Qty>,
    /// ... and the margin (notional / leverage) the position would then have needed.
    pub upsize_margin: Option<Decimal>,
    pub max_position_usd: Decimal,
}

/// What a drop can carry besides its reason and detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Evidence {
    None,
    /// Binance's answer (from the venue, or the order check's mirror of it).
    Binance(Reject),
    /// `notional_below_min`: Binance's -4164 and the numbers.
    Notional {
        reject: Reject,
        numbers: Box<NotionalShortfall>,
    },
    /// The governor's evaluation.
    KillScore(KillScore),
    /// A recorded intent kept verbatim for the report.
    Payload {
        payload: serde_json::Value,
    },
    /// The position the permit saw.
    Position {
        #[serde(with = "crate::domain::money::decimal_str")]
        venue_amt: Decimal,
        #[serde(with = "crate::domain::money::decimal_str")]
        ledger_amt: Decimal,
    },
}

impl Evidence {
    pub fn is_none(&self) -> bool {
        matches!(self, Evidence::None)
    }
}

/// A drop: exactly one reason, a detail line, optional evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    reason: Reason,
    detail: String,
    #[serde(skip_serializing_if = "Evidence::is_none")]
    evidence: Evidence,
}

impl Dropped {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        Dropped {
            reason,
            detail: detail.into(),
            evidence: Evidence::None,
        }
    }

    /// A drop that carries Binance's code and message.
    pub fn with_binance(reason: Reason, reject: Reject, detail: impl Into<String>) -> Self {
        Dropped {
            reason,
            detail: detail.into(),
            evidence: Evidence::Binance(reject),
        }
    }

    /// `venue_rejected`, carrying the venue's `Reject`.
    pub fn venue_rejected(reject: Reject) -> Self {
        let detail = reject.to_string();
        Self::with_binance(Reason::VenueRejected, reject, detail)
    }

    /// `notional_below_min` with Binance's -4164 and the numbers.
    pub fn notional_below_min(symbol: &str, numbers: NotionalShortfall) -> Self {
        let mut detail = format!(
            "{symbol}, {} < {}",
            numbers.notional.get().round_dp(2).normalize(),
            numbers.min_notional.normalize()
        );
        if let (Some(q), Some(m)) = (numbers.upsize_qty, numbers.upsize_margin) {
            detail.push_str(&format!(
                "; upsizing to {q} would need {} USD > max_position_usd {}",
                m.round_dp(2).normalize(),
                numbers.max_position_usd.normalize()
            ));
        }
        Dropped {
            reason: Reason::NotionalBelowMin,
            detail,
            evidence: Evidence::Notional {
                reject: Reject::notional_below_min(numbers.min_notional),
                numbers: Box::new(numbers),
            },
        }
    }

    /// A drop with other evidence.
    pub fn with_evidence(reason: Reason, detail: impl Into<String>, evidence: Evidence) -> Self {
        Dropped {
            reason,
            detail: detail.into(),
            evidence,
        }
    }

    pub fn reason(&self) -> Reason {
        self.reason
    }
    pub fn detail(&self) -> &str {
        &self.detail
    }
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }
    /// Binance's answer, when the drop carries one.
    pub fn binance(&self) -> Option<&Reject> {
        match &self.evidence {
            Evidence::Binance(r) | Evidence::Notional { reject: r, .. } => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in Reason::ALL {
            let code = r.as_str();
            assert!(seen.insert(code), "{code} twice");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
            assert_eq!(Reason::from_code(code), Some(*r));
            assert_eq!(
                serde_json::to_string(r).expect("ser"),
                format!("\"{code}\"")
            );
            assert!(!r.meaning().is_empty() && !r.fix().is_empty());
            assert!(!r.fix().ends_with('.'), "{code}: fix is a clause");
        }
        assert!("nope".parse::<Reason>().is_err());
        assert_eq!(Reason::NotionalBelowMin.binance_code(), Some(-4164));
    }

    #[test]
    fn notional_drop_carries_4164_and_the_numbers() {
        let d = Dropped::notional_below_min(
            "BTCUSDT",
            NotionalShortfall {
                qty: Qty::new(dec!(0.001)).expect("q"),
                price: Price::new(dec!(70610)).expect("p"),
                notional: Notional::new(dec!(70.610)).expect("n"),
                min_notional: dec!(100),
                allow_upsize: false,
                upsize_qty: None,
                upsize_margin: None,
                max_position_usd: dec!(500),
            },
        );
        assert_eq!(d.reason(), Reason::NotionalBelowMin);
        assert_eq!(d.detail(), "BTCUSDT, 70.61 < 100");
        assert_eq!(d.binance().map(|r| r.code), Some(-4164));
        let json = serde_json::to_value(&d).expect("json");
        assert_eq!(json["evidence"]["type"], "notional");
        assert_eq!(json["evidence"]["numbers"]["notional"], "70.610");
    }
}
