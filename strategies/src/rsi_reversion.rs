//! `rsi_reversion`: BUY when RSI falls below `oversold`, SELL when it rises above `overbought`,
//! CLOSE when it crosses back through 50. One instance per symbol.

use pipeline::signal::{Action, Signal, SignalSource};
use pipeline::{Bar, Symbol};

use crate::indicators::Rsi;
use crate::stamp::SignalStamp;

#[derive(Debug, Clone)]
pub struct RsiReversion {
    rsi: Rsi,
    oversold: f64,
    overbought: f64,
    prev: Option<f64>,
    /// The entry last signalled, so CLOSE is only said for a trade this strategy opened.
    open: Option<Action>,
    stamp: SignalStamp,
}

impl RsiReversion {
    pub fn new(
        period: usize,
        oversold: f64,
        overbought: f64,
        confidence: f64,
        interval_ms: i64,
    ) -> Self {
        RsiReversion {
            rsi: Rsi::new(period),
            oversold,
            overbought,
            prev: None,
            open: None,
            stamp: SignalStamp::new(
                format!("rsi_reversion({period},{oversold},{overbought})"),
                confidence,
                interval_ms,
            ),
        }
    }

    fn action(&self, prev: f64, now: f64) -> Option<Action> {
        if prev >= self.oversold && now < self.oversold {
            Some(Action::Buy)
        } else if prev <= self.overbought && now > self.overbought {
            Some(Action::Sell)
        } else {
            let back_up = prev < 50.0 && now >= 50.0 && self.open == Some(Action::Buy);
            let back_down = prev > 50.0 && now <= 50.0 && self.open == Some(Action::Sell);
            (back_up || back_down).then_some(Action::Close)
        }
    }
}

impl SignalSource for RsiReversion {
    fn on_bar(&mut self, symbol: &Symbol, bar: &Bar, out: &mut Vec<Signal>) {
        let Some(now) = self.rsi.update(bar.close) else {
            return;
        };
        if let Some(prev) = self.prev.replace(now)
            && let Some(action) = self.action(prev, now)
        {
            self.open = (action != Action::Close).then_some(action);
            out.push(self.stamp.signal(symbol, bar.open_time, action));
        }
    }

    fn name(&self) -> String {
        self.stamp.name()
    }
}
