//! `sim explain`: a funnel turned into plain sentences, per evaluation type (ENTRY first), worst
//! blockage first, each with the fix from [`Reason::fix`], e.g.
//! "ENTRY: 0 orders: the executor blocked 8 of 8 plans, all notional_below_min (BTCUSDT,
//! 70.61 < 100); enable allow_upsize or raise position_usd".
//! F8: the blockage that stopped the most comes first, so a fix aimed at a later stage is seen
//! to be pointless while an earlier one blocks everything.
//! Must never live here: counting (mod.rs) or tables (render.rs).

use super::Funnel;
use crate::reason::Reason;
use crate::stages::{EvalType, Stage};

struct Blockage {
    stage: Stage,
    reason: Reason,
    count: u64,
    input: u64,
    example: Option<String>,
}

impl Blockage {
    fn clause(&self) -> String {
        let how = if self.count == self.input {
            ", all"
        } else {
            " with"
        };
        let example = self
            .example
            .as_deref()
            .map_or(String::new(), |e| format!(" ({e})"));
        format!(
            "the {} blocked {} of {} {}{how} {}{example}; {}",
            self.stage,
            self.count,
            self.input,
            self.stage.input_noun(),
            self.reason,
            self.reason.fix()
        )
    }
}

fn blockages(f: &Funnel, eval: EvalType) -> Vec<Blockage> {
    let mut v = Vec::new();
    for stage in Stage::ALL {
        let c = f.counts(stage, eval);
        for (reason, count) in &c.dropped {
            v.push(Blockage {
                stage,
                reason: *reason,
                count: *count,
                input: c.input,
                example: c.examples.get(reason).cloned(),
            });
        }
    }
    v.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.stage.cmp(&b.stage))
            .then(a.reason.cmp(&b.reason))
    });
    v
}

fn orders_phrase(f: &Funnel, eval: EvalType) -> String {
    let orders = f.orders(eval);
    let filled = *f.venue.orders_filled.get(eval);
    let noun = if orders == 1 { "order" } else { "orders" };
    if orders > 0 && filled < orders {
        format!("{orders} {noun} ({filled} filled)")
    } else {
        format!("{orders} {noun}")
    }
}

/// The funnel in sentences: for ENTRY then EXIT, the worst blockage first with its fix, then
/// the ledger's disagreements with the venue.
pub fn explain(f: &Funnel) -> Vec<String> {
    let mut out = Vec::new();
    for eval in EvalType::BOTH {
        let trader = f.counts(Stage::Trader, eval);
        let first_in =
            (trader.input + f.counts(Stage::Bridge, eval).input).saturating_sub(trader.output);
        let list = blockages(f, eval);
        let head = format!("{eval}: {}", orders_phrase(f, eval));
        if first_in == 0 {
            out.push(format!(
                "{eval}: nothing came in (no signal or intent was classified {eval})"
            ));
            continue;
        }
        let Some((worst, rest)) = list.split_first() else {
            out.push(format!(
                "{head} from {first_in} inputs; nothing was blocked"
            ));
            continue;
        };
        out.push(format!("{head}: {}", worst.clause()));
        for b in rest {
            out.push(format!("{eval}: also, {}", b.clause()));
        }
    }
    let l = &f.ledger;
    if l.mismatches > 0 {
        let by: Vec<String> = l
            .mismatches_by_symbol
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        out.push(format!(
            "the ledger disagreed with the venue {} times ({}); the venue's positions were taken as the truth, so count executions from the venue, not from decisions or the ledger",
            l.mismatches,
            by.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reason::Dropped;

    #[test]
    fn the_reports_sentence() {
        let mut f = Funnel::new();
        for _ in 0..8 {
            for stage in [Stage::Trader, Stage::Bridge, Stage::Governor, Stage::Permit] {
                f.pass(stage, EvalType::Entry, "BTCUSDT");
            }
            let d = Dropped::new(Reason::NotionalBelowMin, "BTCUSDT, 70.61 < 100");
            f.drop(Stage::Executor, EvalType::Entry, "BTCUSDT", &d);
        }
        let s = explain(&f);
        assert_eq!(
            s[0],
            "ENTRY: 0 orders: the executor blocked 8 of 8 plans, all notional_below_min (BTCUSDT, 70.61 < 100); enable allow_upsize or raise position_usd"
        );
        assert_eq!(
            s[1],
            "EXIT: nothing came in (no signal or intent was classified EXIT)"
        );
    }

    #[test]
    fn worst_first_and_partial_blockages_say_with() {
        let mut f = Funnel::new();
        for i in 0..10 {
            if i < 3 {
                f.drop(
                    Stage::Trader,
                    EvalType::Entry,
                    "ETHUSDT",
                    &Dropped::new(
                        Reason::BelowMinConfidence,
                        "ETHUSDT, confidence 0.5000 < 0.65",
                    ),
                );
            } else {
                f.pass(Stage::Trader, EvalType::Entry, "ETHUSDT");
                f.drop(
                    Stage::Bridge,
                    EvalType::Entry,
                    "ETHUSDT",
                    &Dropped::new(Reason::InvalidQuantity, "ETHUSDT: no size"),
                );
            }
        }
        let s = explain(&f);
        assert!(
            s[0].starts_with(
                "ENTRY: 0 orders: the bridge blocked 7 of 7 intents, all invalid_quantity"
            ),
            "{}",
            s[0]
        );
        assert!(
            s[1].starts_with(
                "ENTRY: also, the trader blocked 3 of 10 signals with below_min_confidence (ETHUSDT"
            ),
            "{}",
            s[1]
        );
    }
}
