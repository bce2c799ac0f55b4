//! `donchian_breakout`: BUY when the close breaks above the highest high of the previous
//! `period` bars, SELL when it breaks below their lowest low. One instance per symbol.

use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, SharedText, Symbol};

use crate::indicators::RollingExtreme;

#[derive(Debug, Clone)]
pub struct DonchianBreakout {
    highs: RollingExtreme,
    lows: RollingExtreme,
    /// The direction of the last breakout, so a run of new highs signals once.
    last: Option<Action>,
    confidence: f64,
    interval_ms: i64,
    /// `donchian_breakout(period)`, made once: every signal carries it.
    name: SharedText,
}

impl DonchianBreakout {
    pub fn new(period: usize, confidence: f64, interval_ms: i64) -> Self {
        DonchianBreakout {
            highs: RollingExtreme::max(period),
            lows: RollingExtreme::min(period),
            last: None,
            confidence,
            interval_ms,
            name: format!("donchian_breakout({period})").into(),
        }
    }
}

impl SignalSource for DonchianBreakout {
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        // Compare with the channel of the bars *before* this one, then add this bar.
        let action = match (self.highs.value(), self.lows.value()) {
            (Some(hi), _) if bar.close > hi => Some(Action::Buy),
            (_, Some(lo)) if bar.close < lo => Some(Action::Sell),
            _ => None,
        };
        self.highs.push(bar.high);
        self.lows.push(bar.low);
        if let Some(action) = action
            && self.last != Some(action)
        {
            self.last = Some(action);
            out.push(Signal {
                time: bar.open_time.plus_ms(self.interval_ms),
                symbol: symbol.clone(),
                action,
                confidence: self.confidence,
                source: self.name.clone(),
            });
        }
    }

    fn name(&self) -> String {
        self.name.to_string()
    }
}
