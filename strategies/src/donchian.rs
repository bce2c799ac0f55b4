//! `donchian_breakout`: BUY when the close breaks above the highest high of the previous
//! `period` bars, SELL when it breaks below their lowest low. One instance per symbol.

use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, Symbol};

use crate::indicators::RollingExtreme;
use crate::stamp::SignalStamp;

#[derive(Debug, Clone)]
pub struct DonchianBreakout {
    highs: RollingExtreme,
    lows: RollingExtreme,
    /// The direction of the last breakout, so a run of new highs signals once.
    last: Option<Action>,
    stamp: SignalStamp,
}

impl DonchianBreakout {
    pub fn new(period: usize, confidence: f64, interval_ms: i64) -> Self {
        DonchianBreakout {
            highs: RollingExtreme::max(period),
            lows: RollingExtreme::min(period),
            last: None,
            stamp: SignalStamp::new(
                format!("donchian_breakout({period})"),
                confidence,
                interval_ms,
            ),
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
            out.push(self.stamp.signal(symbol, bar.open_time, action));
        }
    }

    fn name(&self) -> String {
        self.stamp.name()
    }
}
