//! Stage 4, the governor (the reports' apply layer): [`ApplyPlan`] -> [`GovernedPlan`], or a
//! drop with `kill_score_warning_risk_increase`.
//!
//! Every plan is scored: kill_score = sum of weight x component over `regime_flip`,
//! `sigma_spike`, `ts_drop` (trailing-stop drop) and `age_penalty`, each in 0..1 (see `score.rs`
//! and `state.rs`). `ts_drop` and `age_penalty` describe an open position, so they count for
//! EXIT evaluations only. ENTRY and EXIT have separate thresholds (blocked when the score is
//! above), or, in adaptive mode, separate z cutoffs against each type's own EWMA statistics.
//! F6: the verdict carries `eval_type`, so "entries flow, exits blocked" shows in the funnel.
//! Must never live here: sizing, venue calls, anything on the order path in `f64` (the score is
//! an indicator; quantities and prices pass through untouched).

mod score;
mod state;

use serde::Serialize;

pub use score::{KillComponents, KillScore};

use self::score::{EwStats, judge};
use self::state::{Alphas, SymbolStates};
use super::bridge::ApplyPlan;
use super::config::GovernorConfig;
use super::holding::Holding;
use super::on_bars::OnBars;
use super::plan_header::{PlanHeader, PlanMessage};
use super::{EvalType, Outcome};
use crate::domain::{Bar, BarColumns, Symbol};
use crate::order::Side;
use crate::reason::{Dropped, Evidence, Reason};

/// A plan the governor let through, with its kill score. Only [`Governor::govern`] makes one,
/// so the permit can only receive a plan the governor saw. Outside this module neither a
/// struct literal nor the constructor compiles:
///
/// ```compile_fail,E0451
/// use pipeline::stages::{ApplyPlan, GovernedPlan};
/// fn forge(plan: ApplyPlan) -> GovernedPlan {
///     GovernedPlan { plan, kill: None }
/// }
/// ```
///
/// ```compile_fail,E0624
/// use pipeline::stages::{ApplyPlan, GovernedPlan};
/// fn forge(plan: ApplyPlan) -> GovernedPlan {
///     GovernedPlan::new(plan, None)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GovernedPlan {
    #[serde(flatten)]
    plan: ApplyPlan,
    /// `None` when the governor is disabled.
    kill: Option<KillScore>,
}

impl PlanMessage for GovernedPlan {
    type Side = Option<Side>;
    fn header(&self) -> &PlanHeader<Option<Side>> {
        self.plan.header()
    }
}

impl GovernedPlan {
    fn new(plan: ApplyPlan, kill: Option<KillScore>) -> Self {
        GovernedPlan { plan, kill }
    }
    pub fn plan(&self) -> &ApplyPlan {
        &self.plan
    }
    pub fn kill(&self) -> Option<&KillScore> {
        self.kill.as_ref()
    }
}

/// The governor: market state per symbol and the kill-score verdict.
#[derive(Debug, Clone)]
pub struct Governor {
    cfg: GovernorConfig,
    alphas: Alphas,
    states: SymbolStates,
    stats: [EwStats; 2],
}

impl Governor {
    pub fn new(cfg: GovernorConfig) -> Self {
        Governor {
            alphas: Alphas::new(&cfg.indicators),
            cfg,
            states: SymbolStates::default(),
            stats: [EwStats::default(); 2],
        }
    }

    pub fn config(&self) -> &GovernorConfig {
        &self.cfg
    }

    /// The components for `symbol` now (all zero before its first bar).
    pub fn components(&self, symbol: &Symbol, eval: EvalType) -> KillComponents {
        self.states
            .get(symbol)
            .map(|s| s.components(&self.cfg.indicators, eval == EvalType::Exit))
            .unwrap_or_default()
    }

    /// Scores `symbol` for `eval` (and feeds the adaptive statistics).
    pub fn evaluate(&mut self, symbol: &Symbol, eval: EvalType) -> KillScore {
        let c = self.components(symbol, eval);
        let i = usize::from(eval == EvalType::Exit);
        judge(c, eval, &self.cfg, &mut self.stats[i])
    }

    /// The verdict on one plan: passed with its score (`None` when the governor is disabled),
    /// or dropped with `kill_score_warning_risk_increase`.
    pub fn govern(&mut self, plan: ApplyPlan) -> Outcome<GovernedPlan> {
        if !self.cfg.enabled {
            return Outcome::Pass(GovernedPlan::new(plan, None));
        }
        let kill = self.evaluate(plan.symbol(), plan.eval_type());
        if kill.blocked {
            let detail = format!("{} {}: {}", plan.symbol(), plan.eval_type(), kill.summary());
            return Outcome::Drop(Dropped::with_evidence(
                Reason::KillScoreWarningRiskIncrease,
                detail,
                Evidence::KillScore(kill),
            ));
        }
        Outcome::Pass(GovernedPlan::new(plan, Some(kill)))
    }
}

/// Every bar moves the market state (closes only, for now); a run of bars is folded in at
/// once, with the same arithmetic in the same order as one bar at a time.
impl OnBars for Governor {
    #[inline]
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, holding: Holding) {
        if self.cfg.enabled {
            self.states
                .slot(symbol)
                .update(bar.close, holding, &self.alphas);
        }
    }

    fn on_bars(&mut self, symbol: &Symbol, bars: BarColumns<'_>, holding: Holding) {
        if self.cfg.enabled {
            let closes = &bars.closes[..bars.len()];
            self.states
                .slot(symbol)
                .update_all(closes, holding, &self.alphas);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TimestampMs;
    use crate::stages::bridge::{IntentBridge, PlanQty};
    use crate::stages::payload::IntentPayload;
    use crate::stages::test_venue::{FakeVenue, sym};
    use rust_decimal_macros::dec;

    fn plan(json: &str) -> ApplyPlan {
        let venue = FakeVenue::new().with_mark("BTCUSDT", dec!(70000));
        let p = IntentPayload::from_json(json).expect("json");
        let out = IntentBridge::default().plan_recorded(&p, 1, TimestampMs(0), None, &venue);
        match out.outcome {
            Outcome::Pass(p) => p,
            Outcome::Drop(d) => panic!("{d:?}"),
        }
    }

    fn bar(close: f64) -> Bar {
        Bar {
            close,
            ..Bar::default()
        }
    }

    /// A long held 60 bars, then a sharp fall: regime flip, trailing drop, age.
    fn governor_after_a_reversal(cfg: GovernorConfig) -> Governor {
        let mut g = Governor::new(cfg);
        let s = sym("BTCUSDT");
        for i in 0..60 {
            g.on_bar(&s, &bar(70_000.0 + 10.0 * f64::from(i)), Holding::Long);
        }
        for i in 0..12 {
            g.on_bar(&s, &bar(70_400.0 - 150.0 * f64::from(i)), Holding::Long);
        }
        g
    }

    #[test]
    fn f6_exits_are_blocked_while_entries_pass_the_same_market() {
        let cfg = GovernorConfig {
            exit_threshold: 0.65,
            ..GovernorConfig::default()
        };
        let mut g = governor_after_a_reversal(cfg);
        let c = g.components(&sym("BTCUSDT"), EvalType::Exit);
        assert_eq!(c.regime_flip, 1.0, "{c:?}");
        assert!(c.ts_drop > 0.0 && c.age_penalty > 0.0, "{c:?}");
        let exit = g.govern(plan(r#"{"symbol": "BTCUSDT", "action": "CLOSE"}"#));
        let d = exit.dropped().expect("exit blocked");
        assert_eq!(d.reason(), Reason::KillScoreWarningRiskIncrease);
        let Evidence::KillScore(k) = d.evidence() else {
            panic!("{d:?}")
        };
        assert_eq!(k.eval_type, EvalType::Exit);
        assert!(k.kill_score > 0.65);
        let entry = g.govern(plan(
            r#"{"symbol": "BTCUSDT", "action": "BUY", "qty": "0.01"}"#,
        ));
        let passed = entry.passed().expect("entry passes");
        assert_eq!(
            passed.plan().qty(),
            PlanQty::Qty(crate::Qty::new(dec!(0.01)).expect("q"))
        );
        assert_eq!(passed.kill().map(|k| k.components.ts_drop), Some(0.0));
    }

    #[test]
    fn a_run_of_bars_gives_the_state_of_one_bar_at_a_time() {
        let closes: Vec<f64> = (0..300)
            .map(|i| 70_000.0 + 400.0 * (f64::from(i) * 0.05).sin())
            .collect();
        let open_times: Vec<i64> = (0..300).map(|i| i * 60_000).collect();
        let ones = vec![1.0; closes.len()];
        let bars = BarColumns {
            open_times: &open_times,
            opens: &closes,
            highs: &closes,
            lows: &closes,
            closes: &closes,
            volumes: &ones,
        };
        let s = sym("BTCUSDT");
        let mut one = Governor::new(GovernorConfig::default());
        let mut run = Governor::new(GovernorConfig::default());
        for (from, to, holding) in [
            (0, 40, Holding::Flat),
            (40, 250, Holding::Long),
            (250, 300, Holding::Short),
        ] {
            for k in from..to {
                one.on_bar(&s, &bars.bar(k), holding);
            }
            run.on_bars(&s, bars.slice(from..to), holding);
            for eval in EvalType::BOTH {
                assert_eq!(
                    run.components(&s, eval),
                    one.components(&s, eval),
                    "to {to}"
                );
            }
        }
    }

    #[test]
    fn disabled_governor_passes_everything_unscored() {
        let cfg = GovernorConfig {
            enabled: false,
            exit_threshold: 0.0,
            ..GovernorConfig::default()
        };
        let mut g = governor_after_a_reversal(cfg);
        let out = g.govern(plan(r#"{"symbol": "BTCUSDT", "action": "CLOSE"}"#));
        assert_eq!(out.passed().map(|p| p.kill().is_none()), Some(true));
    }
}
