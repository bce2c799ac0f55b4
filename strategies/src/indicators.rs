//! O(1)-per-bar indicators: simple and exponential moving averages, Wilder RSI, rolling max/min.
//!
//! Each keeps only what the next update needs; no history scans. `f64` is fine here: these
//! produce signals, never prices or quantities on the order path.

use std::collections::VecDeque;

/// Simple moving average over the last `period` values (a ring buffer and a running sum).
#[derive(Debug, Clone)]
pub struct Sma {
    /// The last `period` values; `next` is where the next one goes (the oldest, once full).
    window: Box<[f64]>,
    next: usize,
    seen: usize,
    sum: f64,
}

impl Sma {
    pub fn new(period: usize) -> Self {
        Sma {
            window: vec![0.0; period.max(1)].into_boxed_slice(),
            next: 0,
            seen: 0,
            sum: 0.0,
        }
    }

    /// Adds a value; returns the average once `period` values were seen.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        if self.is_full() {
            return Some(self.update_full(value));
        }
        self.seen += 1;
        self.window[self.next] = value;
        self.sum += value;
        self.advance();
        self.is_full().then(|| self.sum / self.window.len() as f64)
    }

    /// Whether `period` values were seen (from then on [`Self::update`] always averages).
    #[inline]
    pub fn is_full(&self) -> bool {
        self.seen == self.window.len()
    }

    /// One value once full ([`Self::is_full`]), with no warm-up test: the average after it
    /// ([`Self::update`] runs this when full).
    #[inline(always)]
    pub fn update_full(&mut self, value: f64) -> f64 {
        debug_assert!(self.is_full());
        let slot = &mut self.window[self.next];
        self.sum -= *slot;
        *slot = value;
        self.sum += value;
        self.advance();
        self.sum / self.window.len() as f64
    }

    /// The next slot, wrapping around the window.
    #[inline(always)]
    fn advance(&mut self) {
        self.next += 1;
        if self.next == self.window.len() {
            self.next = 0;
        }
    }
}

/// Exponential moving average with `alpha = 2 / (period + 1)`, seeded with the simple average
/// of the first `period` values (defined from the `period`-th value on, like [`Sma`]).
#[derive(Debug, Clone)]
pub struct Ema {
    alpha: f64,
    seed: Sma,
    value: Option<f64>,
}

impl Ema {
    pub fn new(period: usize) -> Self {
        Ema {
            alpha: 2.0 / (period.max(1) as f64 + 1.0),
            seed: Sma::new(period),
            value: None,
        }
    }

    /// Adds a value; returns the average once `period` values were seen.
    #[inline]
    pub fn update(&mut self, value: f64) -> Option<f64> {
        self.value = match self.value {
            Some(prev) => Some(prev + self.alpha * (value - prev)),
            None => self.seed.update(value),
        };
        self.value
    }
}

/// Wilder's RSI: smoothed average gain and loss over `period` bars.
#[derive(Debug, Clone)]
pub struct Rsi {
    period: f64,
    prev: Option<f64>,
    avg_gain: f64,
    avg_loss: f64,
    seen: usize,
}

impl Rsi {
    pub fn new(period: usize) -> Self {
        Rsi {
            period: period.max(1) as f64,
            prev: None,
            avg_gain: 0.0,
            avg_loss: 0.0,
            seen: 0,
        }
    }

    /// Adds a close; returns RSI in 0..=100 once `period` changes were seen.
    pub fn update(&mut self, close: f64) -> Option<f64> {
        let prev = self.prev.replace(close)?;
        let change = close - prev;
        let (gain, loss) = (change.max(0.0), (-change).max(0.0));
        self.seen += 1;
        let n = self.period;
        if (self.seen as f64) <= n {
            // Seed with the plain average of the first `period` changes.
            self.avg_gain += gain / n;
            self.avg_loss += loss / n;
            if (self.seen as f64) < n {
                return None;
            }
        } else {
            self.avg_gain = (self.avg_gain * (n - 1.0) + gain) / n;
            self.avg_loss = (self.avg_loss * (n - 1.0) + loss) / n;
        }
        Some(if self.avg_loss == 0.0 {
            if self.avg_gain == 0.0 { 50.0 } else { 100.0 }
        } else {
            100.0 - 100.0 / (1.0 + self.avg_gain / self.avg_loss)
        })
    }
}

/// Rolling maximum or minimum over the last `period` values, amortised O(1) (monotonic deque).
#[derive(Debug, Clone)]
pub struct RollingExtreme {
    /// (index, value), values monotonic from front to back.
    deque: VecDeque<(u64, f64)>,
    period: u64,
    next: u64,
    want_max: bool,
}

impl RollingExtreme {
    pub fn max(period: usize) -> Self {
        Self::new(period, true)
    }

    pub fn min(period: usize) -> Self {
        Self::new(period, false)
    }

    fn new(period: usize, want_max: bool) -> Self {
        RollingExtreme {
            deque: VecDeque::with_capacity(period.max(1) + 1),
            period: period.max(1) as u64,
            next: 0,
            want_max,
        }
    }

    /// The extreme of the values pushed so far within the window, if the window is full.
    pub fn value(&self) -> Option<f64> {
        (self.next >= self.period)
            .then(|| self.deque.front().map(|(_, v)| *v))
            .flatten()
    }

    pub fn push(&mut self, value: f64) {
        let beats = |kept: f64| {
            if self.want_max {
                value >= kept
            } else {
                value <= kept
            }
        };
        while self.deque.back().is_some_and(|(_, v)| beats(*v)) {
            self.deque.pop_back();
        }
        self.deque.push_back((self.next, value));
        self.next += 1;
        while self
            .deque
            .front()
            .is_some_and(|(i, _)| *i + self.period < self.next)
        {
            self.deque.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_is_seeded_with_the_simple_average_then_smooths() {
        let mut e = Ema::new(3);
        assert_eq!(e.update(1.0), None);
        assert_eq!(e.update(2.0), None);
        assert_eq!(
            e.update(3.0),
            Some(2.0),
            "seed: the mean of the first three"
        );
        // alpha = 2 / 4 = 0.5: halfway from 2 toward 6.
        assert_eq!(e.update(6.0), Some(4.0));
        assert_eq!(e.update(4.0), Some(4.0));
    }

    #[test]
    fn sma_matches_a_direct_average() {
        let mut sma = Sma::new(3);
        let out: Vec<_> = [1.0, 2.0, 3.0, 4.0, 10.0]
            .iter()
            .map(|v| sma.update(*v))
            .collect();
        assert_eq!(
            out,
            vec![None, None, Some(2.0), Some(3.0), Some(17.0 / 3.0)]
        );
    }

    #[test]
    fn rsi_known_values() {
        // Only gains -> 100; only losses -> 0; alternating equal moves -> 50.
        let mut up = Rsi::new(3);
        let last = (0..10).map(|i| up.update(f64::from(i))).last().flatten();
        assert_eq!(last, Some(100.0));
        let mut down = Rsi::new(3);
        let last = (0..10).map(|i| down.update(-f64::from(i))).last().flatten();
        assert_eq!(last, Some(0.0));
        let mut flat = Rsi::new(2);
        let vals: Vec<_> = [1.0, 2.0, 1.0, 2.0, 1.0]
            .iter()
            .map(|v| flat.update(*v))
            .collect();
        assert_eq!(vals[2], Some(50.0));
    }

    #[test]
    fn rolling_extremes_match_a_scan() {
        let data = [5.0, 1.0, 4.0, 4.0, 9.0, 2.0, 3.0, 8.0, 0.5, 7.0];
        let mut mx = RollingExtreme::max(3);
        let mut mn = RollingExtreme::min(3);
        for (i, v) in data.iter().enumerate() {
            mx.push(*v);
            mn.push(*v);
            if i >= 2 {
                let w = &data[i - 2..=i];
                assert_eq!(mx.value(), w.iter().copied().reduce(f64::max));
                assert_eq!(mn.value(), w.iter().copied().reduce(f64::min));
            } else {
                assert_eq!(mx.value(), None);
            }
        }
    }
}
