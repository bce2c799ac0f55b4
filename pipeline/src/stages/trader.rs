//! Stage 2, the autonomous trader: `Signal` -> [`TradeIntent`] (`quantum:stream:trade.intent`).
//!
//! Classification first, then filters, first failure wins (one reason per drop):
//! - CLOSE, or BUY/SELL against an open position (per the ledger) -> EXIT, `reduce_only`,
//!   no size (close what the venue holds). An exit needs only a position: a CLOSE with none is
//!   dropped `no_position_to_close`; the entry filters below never refuse an exit.
//! - Otherwise ENTRY: `symbol_not_in_universe`, `below_min_confidence`, `max_positions_reached`
//!   (only for a symbol without a position), `cooldown_active` (ms of bar time since the last
//!   entry intent for the symbol).
//!
//! Entries are sized from config only: `position_usd` clipped to `max_position_usd` (the
//! intent's `clipped` flag says so), `leverage`, `tp_pct`, `sl_pct`.
//! Must never live here: prices or quantities (the bridge sizes), venue calls.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::config::TraderConfig;
use super::holding::Holding;
use super::ledger::Ledger;
use super::payload::Sizing;
use super::{EvalType, Outcome};
use crate::domain::{SharedText, Symbol, TimestampMs, decimal_cmp};
use crate::order::Side;
use crate::reason::Reason;
use crate::signal::{Action, Signal};

/// `quantum:stream:trade.intent`: what the trader wants done. Only [`Trader::on_signal`] makes
/// one; outside this module a struct literal does not compile:
///
/// ```compile_fail,E0451
/// use pipeline::stages::TradeIntent;
/// let forged = TradeIntent {
///     seq: 1,
///     time: todo!(),
///     symbol: todo!(),
///     side: todo!(),
///     intent_type: todo!(),
///     sizing: todo!(),
///     tp_pct: None,
///     sl_pct: None,
///     reduce_only: false,
///     confidence: 1.0,
///     source: todo!(),
///     clipped: false,
/// };
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TradeIntent {
    seq: u64,
    time: TimestampMs,
    symbol: Symbol,
    side: Side,
    intent_type: EvalType,
    sizing: Sizing,
    tp_pct: Option<Decimal>,
    sl_pct: Option<Decimal>,
    reduce_only: bool,
    confidence: f64,
    source: SharedText,
    clipped: bool,
}

impl TradeIntent {
    /// The pipeline-wide sequence number (links intent, plan, result and sizing trace).
    pub fn seq(&self) -> u64 {
        self.seq
    }
    pub fn time(&self) -> TimestampMs {
        self.time
    }
    pub fn symbol(&self) -> &Symbol {
        &self.symbol
    }
    pub fn side(&self) -> Side {
        self.side
    }
    pub fn intent_type(&self) -> EvalType {
        self.intent_type
    }
    /// `PositionUsd` for entries, `ClosePosition` for exits.
    pub fn sizing(&self) -> Sizing {
        self.sizing
    }
    pub fn tp_pct(&self) -> Option<Decimal> {
        self.tp_pct
    }
    pub fn sl_pct(&self) -> Option<Decimal> {
        self.sl_pct
    }
    pub fn reduce_only(&self) -> bool {
        self.reduce_only
    }
    pub fn confidence(&self) -> f64 {
        self.confidence
    }
    pub fn source(&self) -> &SharedText {
        &self.source
    }
    /// True when `position_usd` was clipped to `max_position_usd`.
    pub fn clipped(&self) -> bool {
        self.clipped
    }
}

/// The wire shape: the original trader's JSON, with decimals as strings.
impl Serialize for TradeIntent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            seq: u64,
            time: TimestampMs,
            intent_type: EvalType,
            symbol: &'a Symbol,
            action: Side,
            #[serde(skip_serializing_if = "Option::is_none")]
            position_usd: Option<Decimal>,
            #[serde(skip_serializing_if = "Option::is_none")]
            leverage: Option<Decimal>,
            #[serde(skip_serializing_if = "Option::is_none")]
            tp_pct: Option<Decimal>,
            #[serde(skip_serializing_if = "Option::is_none")]
            sl_pct: Option<Decimal>,
            reduce_only: bool,
            confidence: f64,
            source: &'a str,
            clipped: bool,
        }
        let (position_usd, leverage) = match self.sizing {
            Sizing::PositionUsd {
                position_usd,
                leverage,
            } => (Some(position_usd), Some(leverage)),
            _ => (None, None),
        };
        Wire {
            seq: self.seq,
            time: self.time,
            intent_type: self.intent_type,
            symbol: &self.symbol,
            action: self.side,
            position_usd,
            leverage,
            tp_pct: self.tp_pct,
            sl_pct: self.sl_pct,
            reduce_only: self.reduce_only,
            confidence: self.confidence,
            source: &self.source,
            clipped: self.clipped,
        }
        .serialize(s)
    }
}

/// The autonomous trader: filters signals and sizes entries from config.
#[derive(Debug, Clone)]
pub struct Trader {
    cfg: TraderConfig,
    universe: BTreeSet<Symbol>,
    last_entry: BTreeMap<Symbol, TimestampMs>,
}

impl Trader {
    pub fn new(cfg: TraderConfig) -> Self {
        let universe = cfg.symbols.iter().cloned().collect();
        Trader {
            cfg,
            universe,
            last_entry: BTreeMap::new(),
        }
    }

    pub fn config(&self) -> &TraderConfig {
        &self.cfg
    }

    /// One signal in; its evaluation type and an intent or a drop out.
    pub fn on_signal(
        &mut self,
        signal: &Signal,
        ledger: &Ledger,
        seq: u64,
    ) -> (EvalType, Outcome<TradeIntent>) {
        let held = ledger.holding(&signal.symbol);
        let exit_side = match (signal.action, held) {
            (Action::Close, Holding::Flat) => {
                let out = Outcome::drop(
                    Reason::NoPositionToClose,
                    format!("{}: CLOSE with no position in the ledger", signal.symbol),
                );
                return (EvalType::Exit, out);
            }
            (Action::Close, h)
            | (Action::Buy, h @ Holding::Short)
            | (Action::Sell, h @ Holding::Long) => h.closing_side(),
            _ => None,
        };
        if let Some(side) = exit_side {
            let intent = self.intent(signal, seq, side, EvalType::Exit, Sizing::ClosePosition);
            return (EvalType::Exit, Outcome::Pass(intent));
        }
        let side = if signal.action == Action::Buy {
            Side::Buy
        } else {
            Side::Sell
        };
        (EvalType::Entry, self.entry(signal, ledger, seq, side, held))
    }

    fn entry(
        &mut self,
        signal: &Signal,
        ledger: &Ledger,
        seq: u64,
        side: Side,
        held: Holding,
    ) -> Outcome<TradeIntent> {
        let sym = &signal.symbol;
        if !self.universe.is_empty() && !self.universe.contains(sym) {
            return Outcome::drop(
                Reason::SymbolNotInUniverse,
                format!(
                    "{sym} is not among trader.symbols ({} symbols)",
                    self.universe.len()
                ),
            );
        }
        if signal.confidence.is_nan() || signal.confidence < self.cfg.min_confidence {
            return Outcome::drop(
                Reason::BelowMinConfidence,
                format!(
                    "{sym}, confidence {:.4} < {}",
                    signal.confidence, self.cfg.min_confidence
                ),
            );
        }
        let open = ledger.open_count();
        if held.is_flat() && open >= self.cfg.max_positions as usize {
            return Outcome::drop(
                Reason::MaxPositionsReached,
                format!(
                    "{sym}, {open} positions open, max_positions {}",
                    self.cfg.max_positions
                ),
            );
        }
        let cooldown = i64::try_from(self.cfg.cooldown_ms).unwrap_or(i64::MAX);
        if let Some(last) = self.last_entry.get(sym) {
            let since = signal.time.as_ms().saturating_sub(last.as_ms());
            if cooldown > 0 && since < cooldown {
                return Outcome::drop(
                    Reason::CooldownActive,
                    format!("{sym}, {since} ms since the last entry < cooldown_ms {cooldown}"),
                );
            }
        }
        let clipped = self.cfg.position_usd > self.cfg.max_position_usd;
        let sizing = Sizing::PositionUsd {
            position_usd: decimal_cmp::min(self.cfg.position_usd, self.cfg.max_position_usd),
            leverage: Decimal::from(self.cfg.leverage),
        };
        self.last_entry.insert(sym.clone(), signal.time);
        let mut intent = self.intent(signal, seq, side, EvalType::Entry, sizing);
        intent.tp_pct = self.cfg.tp_pct;
        intent.sl_pct = self.cfg.sl_pct;
        intent.clipped = clipped;
        Outcome::Pass(intent)
    }

    fn intent(&self, s: &Signal, seq: u64, side: Side, t: EvalType, sizing: Sizing) -> TradeIntent {
        TradeIntent {
            seq,
            time: s.time,
            symbol: s.symbol.clone(),
            side,
            intent_type: t,
            sizing,
            tp_pct: None,
            sl_pct: None,
            reduce_only: t == EvalType::Exit,
            confidence: s.confidence,
            source: s.source.clone(),
            clipped: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::{Fill, VenueEvent};
    use crate::{Price, Qty};
    use rust_decimal_macros::dec;

    fn signal(symbol: &str, action: Action, confidence: f64, time: i64) -> Signal {
        Signal {
            time: TimestampMs(time),
            symbol: Symbol::new(symbol).expect("sym"),
            action,
            confidence,
            source: "test".into(),
        }
    }

    fn long(ledger: &mut Ledger, symbol: &str) {
        ledger.apply_events(&[VenueEvent::Fill(Fill {
            order_id: 1,
            client_order_id: "x".into(),
            symbol: Symbol::new(symbol).expect("sym"),
            side: Side::Buy,
            qty: Qty::new(dec!(0.01)).expect("q"),
            price: Price::new(dec!(70000)).expect("p"),
            fee: Decimal::ZERO,
            is_maker: false,
            realized_pnl: Decimal::ZERO,
            time: TimestampMs(0),
        })]);
    }

    #[test]
    fn entries_are_sized_from_config_never_hard_coded() {
        let cfg = TraderConfig {
            position_usd: dec!(800),
            max_position_usd: dec!(500),
            leverage: 3,
            ..TraderConfig::default()
        };
        let mut t = Trader::new(cfg);
        let (eval, out) = t.on_signal(&signal("BTCUSDT", Action::Sell, 0.68, 0), &Ledger::new(), 1);
        let i = out.passed().expect("intent");
        assert_eq!(eval, EvalType::Entry);
        assert_eq!(
            i.sizing(),
            Sizing::PositionUsd {
                position_usd: dec!(500),
                leverage: dec!(3)
            }
        );
        assert!(i.clipped() && !i.reduce_only());
        assert_eq!((i.tp_pct(), i.sl_pct()), (Some(dec!(2)), Some(dec!(1))));
        let json = serde_json::to_value(i).expect("json");
        assert_eq!(json["position_usd"], "500");
        assert_eq!(json["intent_type"], "ENTRY");
    }

    #[test]
    fn each_entry_filter_drops_with_its_own_reason() {
        let cfg = TraderConfig {
            symbols: vec![
                Symbol::new("BTCUSDT").expect("s"),
                Symbol::new("ETHUSDT").expect("s"),
            ],
            max_positions: 1,
            cooldown_ms: 60_000,
            ..TraderConfig::default()
        };
        let mut t = Trader::new(cfg);
        let mut ledger = Ledger::new();
        let reason = |t: &mut Trader, l: &Ledger, s: Signal| t.on_signal(&s, l, 0).1.reason();
        assert_eq!(
            reason(&mut t, &ledger, signal("WAVESUSDT", Action::Buy, 0.9, 0)),
            Some(Reason::SymbolNotInUniverse)
        );
        assert_eq!(
            reason(&mut t, &ledger, signal("BTCUSDT", Action::Buy, 0.5, 0)),
            Some(Reason::BelowMinConfidence)
        );
        assert_eq!(
            reason(&mut t, &ledger, signal("BTCUSDT", Action::Buy, f64::NAN, 0)),
            Some(Reason::BelowMinConfidence)
        );
        assert_eq!(
            reason(&mut t, &ledger, signal("BTCUSDT", Action::Buy, 0.9, 0)),
            None
        );
        assert_eq!(
            reason(&mut t, &ledger, signal("BTCUSDT", Action::Buy, 0.9, 59_999)),
            Some(Reason::CooldownActive)
        );
        assert_eq!(
            reason(&mut t, &ledger, signal("BTCUSDT", Action::Buy, 0.9, 60_000)),
            None
        );
        long(&mut ledger, "BTCUSDT");
        assert_eq!(
            reason(&mut t, &ledger, signal("ETHUSDT", Action::Buy, 0.9, 0)),
            Some(Reason::MaxPositionsReached)
        );
    }

    #[test]
    fn close_and_opposite_signals_become_reduce_only_exits() {
        let mut t = Trader::new(TraderConfig::default());
        let mut ledger = Ledger::new();
        let (eval, out) = t.on_signal(&signal("BTCUSDT", Action::Close, 0.1, 0), &ledger, 0);
        assert_eq!(
            (eval, out.reason()),
            (EvalType::Exit, Some(Reason::NoPositionToClose))
        );
        long(&mut ledger, "BTCUSDT");
        for action in [Action::Close, Action::Sell] {
            // Low confidence does not stop an exit.
            let (eval, out) = t.on_signal(&signal("BTCUSDT", action, 0.1, 0), &ledger, 0);
            let i = out.passed().expect("exit");
            assert_eq!(
                (eval, i.side(), i.reduce_only()),
                (EvalType::Exit, Side::Sell, true)
            );
            assert_eq!(i.sizing(), Sizing::ClosePosition);
        }
        let (eval, _) = t.on_signal(&signal("BTCUSDT", Action::Buy, 0.9, 0), &ledger, 0);
        assert_eq!(eval, EvalType::Entry, "same direction adds");
    }
}
