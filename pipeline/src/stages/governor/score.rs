//! The kill score: named components in 0..1, weighted by config, compared with a fixed
//! threshold or (adaptive mode) its z-score against its own exponentially weighted mean and
//! deviation. Pure arithmetic on `f64` (indicator values, never money).
//! Must never live here: market state (see `state.rs`) or plans.

use serde::{Deserialize, Serialize};

use crate::stages::EvalType;
use crate::stages::config::{GovernorConfig, KillWeights};

/// The named components, each in 0..=1 (the reports' `k_regime_flip`, `k_sigma_spike`,
/// `k_ts_drop`, `k_age_penalty`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct KillComponents {
    pub regime_flip: f64,
    pub sigma_spike: f64,
    /// Trailing-stop drop: how far the close is off the position's best, relative to trail_pct.
    pub ts_drop: f64,
    pub age_penalty: f64,
}

impl KillComponents {
    /// sum of weight x component.
    pub fn score(&self, w: &KillWeights) -> f64 {
        w.regime_flip * self.regime_flip
            + w.sigma_spike * self.sigma_spike
            + w.ts_drop * self.ts_drop
            + w.age_penalty * self.age_penalty
    }
}

/// One evaluation: the score, how it was judged, and the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KillScore {
    pub eval_type: EvalType,
    pub kill_score: f64,
    pub components: KillComponents,
    /// The fixed threshold for this evaluation type.
    pub threshold: f64,
    /// Adaptive mode after warm-up: the score's z against its own history, and the cutoff.
    pub z: Option<f64>,
    pub z_cutoff: Option<f64>,
    pub blocked: bool,
}

impl KillScore {
    /// "kill_score 0.7563 > 0.65 (regime_flip 1.0000, sigma_spike 0.0000, ts_drop 0.2398, age_penalty 0.0417)".
    pub fn summary(&self) -> String {
        let c = &self.components;
        let test = match (self.z, self.z_cutoff) {
            (Some(z), Some(cut)) => {
                format!("z {z:.2} {} {cut}", if self.blocked { ">" } else { "<=" })
            }
            _ => format!(
                "{} {}",
                if self.blocked { ">" } else { "<=" },
                self.threshold
            ),
        };
        format!(
            "kill_score {:.4} {test} (regime_flip {:.4}, sigma_spike {:.4}, ts_drop {:.4}, age_penalty {:.4})",
            self.kill_score, c.regime_flip, c.sigma_spike, c.ts_drop, c.age_penalty
        )
    }
}

/// Exponentially weighted mean and variance of past scores.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct EwStats {
    mean: f64,
    var: f64,
    n: u32,
}

impl EwStats {
    pub fn z(&self, x: f64) -> f64 {
        (x - self.mean) / (self.var.max(0.0).sqrt() + 1e-9)
    }

    pub fn update(&mut self, x: f64, alpha: f64) {
        if self.n == 0 {
            self.mean = x;
            self.var = 0.0;
        } else {
            let d = x - self.mean;
            self.mean += alpha * d;
            self.var = (1.0 - alpha) * (self.var + alpha * d * d);
        }
        self.n = self.n.saturating_add(1);
    }

    pub fn samples(&self) -> u32 {
        self.n
    }
}

/// The smoothing factor for a half-life in evaluations.
pub(crate) fn alpha_for_halflife(halflife: f64) -> f64 {
    if halflife > 0.0 {
        1.0 - 0.5_f64.powf(1.0 / halflife)
    } else {
        1.0
    }
}

/// Judges `components` for `eval` and updates that type's statistics.
pub(crate) fn judge(
    components: KillComponents,
    eval: EvalType,
    cfg: &GovernorConfig,
    stats: &mut EwStats,
) -> KillScore {
    let kill_score = components.score(&cfg.weights);
    let (threshold, cutoff) = match eval {
        EvalType::Entry => (cfg.entry_threshold, cfg.adaptive.entry_z),
        EvalType::Exit => (cfg.exit_threshold, cfg.adaptive.exit_z),
    };
    let adaptive = cfg.adaptive.enabled && stats.samples() >= cfg.adaptive.warmup_evals;
    let (z, z_cutoff, blocked) = if adaptive {
        let z = stats.z(kill_score);
        (Some(z), Some(cutoff), z > cutoff)
    } else {
        (None, None, kill_score > threshold)
    };
    if cfg.adaptive.enabled {
        stats.update(kill_score, alpha_for_halflife(cfg.adaptive.halflife_evals));
    }
    KillScore {
        eval_type: eval,
        kill_score,
        components,
        threshold,
        z,
        z_cutoff,
        blocked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The English report's BTCUSDT exit: components 1.0 / 0.0 / 0.2398 / 0.0417. With the
    /// default weights regime_flip 0.7, sigma_spike 0.1, ts_drop 0.2, age_penalty 0.2:
    /// 0.7 x 1.0 + 0.1 x 0.0 + 0.2 x 0.2398 + 0.2 x 0.0417 = 0.7 + 0.04796 + 0.00834 = 0.7563,
    /// blocked at the reports' exit threshold 0.65.
    #[test]
    fn reproduces_the_reports_btcusdt_kill_score() {
        let c = KillComponents {
            regime_flip: 1.0,
            sigma_spike: 0.0,
            ts_drop: 0.2398,
            age_penalty: 0.0417,
        };
        let w = KillWeights::default();
        assert_eq!(
            (w.regime_flip, w.sigma_spike, w.ts_drop, w.age_penalty),
            (0.7, 0.1, 0.2, 0.2)
        );
        let cfg = GovernorConfig {
            exit_threshold: 0.65,
            ..GovernorConfig::default()
        };
        let k = judge(c, EvalType::Exit, &cfg, &mut EwStats::default());
        assert!((k.kill_score - 0.7563).abs() < 1e-12, "{}", k.kill_score);
        assert!(k.blocked);
        assert_eq!(
            k.summary(),
            "kill_score 0.7563 > 0.65 (regime_flip 1.0000, sigma_spike 0.0000, ts_drop 0.2398, age_penalty 0.0417)"
        );
        // ETHUSDT's 0.7607 with ts_drop 0.2882 implies age_penalty 0.0153 under the same weights.
        let eth = KillComponents {
            ts_drop: 0.2882,
            age_penalty: 0.0153,
            ..c
        };
        assert!((eth.score(&w) - 0.7607).abs() < 1e-12);
        // The same score passes an ENTRY threshold of 1.0.
        assert!(!judge(c, EvalType::Entry, &cfg, &mut EwStats::default()).blocked);
    }

    #[test]
    fn adaptive_mode_blocks_on_the_z_score_after_warm_up() {
        let mut cfg = GovernorConfig::default();
        cfg.adaptive.enabled = true;
        cfg.adaptive.warmup_evals = 10;
        cfg.adaptive.exit_z = 2.0;
        let mut stats = EwStats::default();
        let calm = KillComponents {
            ts_drop: 0.1,
            ..KillComponents::default()
        };
        for i in 0..10 {
            let c = KillComponents {
                ts_drop: 0.1 + 0.01 * f64::from(i % 3),
                ..calm
            };
            let k = judge(c, EvalType::Exit, &cfg, &mut stats);
            assert_eq!(k.z, None, "fixed threshold during warm-up");
            assert!(!k.blocked);
        }
        let k = judge(calm, EvalType::Exit, &cfg, &mut stats);
        assert!(k.z.is_some() && !k.blocked, "{k:?}");
        // A regime flip is far outside this history even though 0.7 + 0.02 < the fixed 1.0.
        let flip = KillComponents {
            regime_flip: 1.0,
            ..calm
        };
        let k = judge(flip, EvalType::Exit, &cfg, &mut stats);
        assert!(k.blocked && k.z.is_some_and(|z| z > 2.0), "{k:?}");
        assert!(k.kill_score < cfg.exit_threshold);
    }

    #[test]
    fn halflife_alpha() {
        let a = alpha_for_halflife(1.0);
        assert!((a - 0.5).abs() < 1e-12);
        let mut s = EwStats::default();
        s.update(1.0, a);
        s.update(0.0, a);
        assert!((s.mean - 0.5).abs() < 1e-12);
    }
}
