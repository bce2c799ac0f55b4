//! What moves the replayed market forward: [`ClockMode`] and the task that drives it.
//! Must never live here: anything about requests.

use std::sync::Arc;
use std::time::Duration;

use super::App;

/// How the server's market advances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockMode {
    /// Only `POST /sim/step` advances it: deterministic, for tests.
    Step,
    /// This many time steps (bars) per wall-clock second.
    Accelerated { bars_per_second: f64 },
    /// One bar per bar interval of wall-clock time (a 1m dataset closes a bar every minute).
    RealTime,
}

impl ClockMode {
    /// Wall time between two steps (`None`: step mode). Refuses a non-positive speed.
    pub fn period(self, interval_ms: i64) -> Result<Option<Duration>, String> {
        match self {
            ClockMode::Step => Ok(None),
            ClockMode::Accelerated { bars_per_second } => {
                if bars_per_second.is_finite() && bars_per_second > 0.0 {
                    Ok(Some(Duration::from_secs_f64(1.0 / bars_per_second)))
                } else {
                    Err(format!(
                        "speed {bars_per_second} bars per second is not valid; give a number above 0"
                    ))
                }
            }
            ClockMode::RealTime => Ok(Some(Duration::from_millis(
                u64::try_from(interval_ms.max(1)).unwrap_or(60_000),
            ))),
        }
    }
}

/// Advances the market one step every `period` until the data ends.
pub(crate) async fn drive(app: Arc<App>, period: Duration) {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate; the warm-up already fed that step
    loop {
        ticker.tick().await;
        match app.step(1) {
            Ok(0) => {
                tracing::info!(
                    "the replay reached the end of the data; the market stays at its last bar"
                );
                return;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "the simulated exchange refused a bar; the clock stops");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_the_mode() {
        assert_eq!(ClockMode::Step.period(60_000), Ok(None));
        assert_eq!(
            ClockMode::RealTime.period(60_000),
            Ok(Some(Duration::from_secs(60)))
        );
        let fast = ClockMode::Accelerated {
            bars_per_second: 4.0,
        };
        assert_eq!(fast.period(60_000), Ok(Some(Duration::from_millis(250))));
        let stopped = ClockMode::Accelerated {
            bars_per_second: 0.0,
        };
        assert!(stopped.period(60_000).is_err());
    }
}
