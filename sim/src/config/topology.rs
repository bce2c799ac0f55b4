//! The stream topology: which stage reads and writes which named stream (failure F4).
//!
//! The original system wired its services through Redis streams by name; a typo or a stale
//! name (`apply.plan.manual`) starved the executor for days without an error. `sim` makes the
//! wiring explicit config and checks it before every run: a stage that reads a stream no stage
//! writes, or writes one no stage reads, is an error naming both ends and the fix.
//!
//! The governor and the permit are gates on the plans the executor consumes (in the original,
//! the apply layer's decisions and P3.3's permit keys), so they have no streams of their own.

use serde::{Deserialize, Serialize};

pub const SIGNAL_STREAM: &str = "quantum:stream:ai.signal_generated";
pub const INTENT_STREAM: &str = "quantum:stream:trade.intent";
pub const PLAN_STREAM: &str = "quantum:stream:apply.plan";
pub const RESULT_STREAM: &str = "quantum:stream:apply.result";

/// One stage's ends. `reads`/`writes` are absent for a source or a sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageStreams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<String>,
}

fn ends(reads: Option<&str>, writes: Option<&str>) -> StageStreams {
    StageStreams {
        reads: reads.map(str::to_string),
        writes: writes.map(str::to_string),
    }
}

/// `[topology]` of a run config. Defaults are the original system's stream names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Topology {
    pub signal_source: StageStreams,
    pub trader: StageStreams,
    pub bridge: StageStreams,
    pub executor: StageStreams,
    pub ledger: StageStreams,
}

impl Default for Topology {
    fn default() -> Self {
        Topology {
            signal_source: ends(None, Some(SIGNAL_STREAM)),
            trader: ends(Some(SIGNAL_STREAM), Some(INTENT_STREAM)),
            bridge: ends(Some(INTENT_STREAM), Some(PLAN_STREAM)),
            executor: ends(Some(PLAN_STREAM), Some(RESULT_STREAM)),
            ledger: ends(Some(RESULT_STREAM), None),
        }
    }
}

/// A wiring error: the stage, the stream, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopologyProblem {
    pub stage: &'static str,
    pub stream: String,
    pub message: String,
}

impl Topology {
    fn stages(&self) -> [(&'static str, &StageStreams); 5] {
        [
            ("signal_source", &self.signal_source),
            ("trader", &self.trader),
            ("bridge", &self.bridge),
            ("executor", &self.executor),
            ("ledger", &self.ledger),
        ]
    }

    /// Every dangling end, in stage order.
    pub fn problems(&self) -> Vec<TopologyProblem> {
        let stages = self.stages();
        let writers = |stream: &str| -> Vec<&'static str> {
            stages
                .iter()
                .filter(|(_, s)| s.writes.as_deref() == Some(stream))
                .map(|(n, _)| *n)
                .collect()
        };
        let readers = |stream: &str| -> Vec<&'static str> {
            stages
                .iter()
                .filter(|(_, s)| s.reads.as_deref() == Some(stream))
                .map(|(n, _)| *n)
                .collect()
        };
        let mut out = Vec::new();
        for (i, (name, s)) in stages.iter().enumerate() {
            if let Some(r) = &s.reads
                && writers(r).is_empty()
            {
                // The natural producer is the stage before, whatever it writes.
                let upstream = stages[..i]
                    .iter()
                    .rev()
                    .find_map(|(n, st)| st.writes.as_ref().map(|w| (*n, w)));
                let hint = match upstream {
                    Some((up, w)) => format!(
                        "; the {up} writes {w}: set topology.{name}.reads = \"{w}\" (or make the {up} write {r})"
                    ),
                    None => String::new(),
                };
                out.push(TopologyProblem {
                    stage: name,
                    stream: r.clone(),
                    message: format!(
                        "the {name} reads {r}, which no stage writes, so it would receive nothing{hint}"
                    ),
                });
            }
            if let Some(w) = &s.writes
                && readers(w).is_empty()
            {
                let downstream = stages[i + 1..]
                    .iter()
                    .find_map(|(n, st)| st.reads.as_ref().map(|r| (*n, r)));
                let hint = match downstream {
                    Some((down, r)) => {
                        format!("; the {down} reads {r}: set topology.{down}.reads = \"{w}\"")
                    }
                    None => String::new(),
                };
                out.push(TopologyProblem {
                    stage: name,
                    stream: w.clone(),
                    message: format!(
                        "the {name} writes {w}, which no stage reads, so its output is lost{hint}"
                    ),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_wiring_is_clean() {
        assert_eq!(Topology::default().problems(), vec![]);
    }

    #[test]
    fn the_reports_manual_stream_is_named_with_both_ends() {
        let mut t = Topology::default();
        t.executor.reads = Some("quantum:stream:apply.plan.manual".into());
        let p = t.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].stage, "bridge");
        assert!(
            p[0].message
                .contains("writes quantum:stream:apply.plan, which no stage reads")
        );
        assert_eq!(p[1].stage, "executor");
        assert!(
            p[1].message
                .contains("reads quantum:stream:apply.plan.manual, which no stage writes"),
            "{}",
            p[1].message
        );
        assert!(
            p[1].message
                .contains("the bridge writes quantum:stream:apply.plan"),
            "{}",
            p[1].message
        );
    }
}
