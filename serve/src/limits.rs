//! Rate limits as Binance counts them: request weight per wall-clock minute (every answer
//! carries `X-MBX-USED-WEIGHT-1M`; above the limit 429/-1003) and orders per 10 s and per
//! minute (`X-MBX-ORDER-COUNT-10S` / `-1M` on order answers). A client that keeps calling
//! after [`BAN_AFTER`] refusals in one minute is banned for two minutes (418/-1003).
//! Must never live here: per-endpoint weights (the routes declare them).

/// Binance's ORDERS limits: per 10 seconds and per minute.
pub const ORDERS_PER_10S: u32 = 300;
pub const ORDERS_PER_MINUTE: u32 = 1200;

/// Refused requests in one minute after which the caller is banned.
pub(crate) const BAN_AFTER: u32 = 20;
const BAN_MS: i64 = 120_000;

/// Whether a request may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Ok,
    /// Over the weight limit: 429.
    Limited,
    /// Banned until this wall time (ms): 418.
    Banned(i64),
}

/// Fixed windows aligned to the wall clock, like Binance's.
#[derive(Debug)]
pub(crate) struct Limits {
    pub weight_limit: u32,
    /// Orders allowed per 10 s and per minute.
    pub order_limits: (u32, u32),
    minute: i64,
    weight: u32,
    refused: u32,
    banned_until: i64,
    order_10s_window: i64,
    orders_10s: u32,
    order_minute: i64,
    orders_1m: u32,
}

impl Limits {
    pub fn new(weight_limit: u32) -> Limits {
        Limits {
            weight_limit,
            order_limits: (ORDERS_PER_10S, ORDERS_PER_MINUTE),
            minute: 0,
            weight: 0,
            refused: 0,
            banned_until: i64::MIN,
            order_10s_window: 0,
            orders_10s: 0,
            order_minute: 0,
            orders_1m: 0,
        }
    }

    /// Adds `weight` at wall time `now_ms`; returns the weight used this minute and whether
    /// the request may proceed (a refused request still counts, as on Binance).
    pub fn add_weight(&mut self, now_ms: i64, weight: u32) -> (u32, Admission) {
        let minute = now_ms.div_euclid(60_000);
        if minute != self.minute {
            self.minute = minute;
            self.weight = 0;
            self.refused = 0;
        }
        self.weight = self.weight.saturating_add(weight);
        if now_ms < self.banned_until {
            return (self.weight, Admission::Banned(self.banned_until));
        }
        if self.weight <= self.weight_limit {
            return (self.weight, Admission::Ok);
        }
        self.refused += 1;
        if self.refused > BAN_AFTER {
            self.banned_until = now_ms + BAN_MS;
            return (self.weight, Admission::Banned(self.banned_until));
        }
        (self.weight, Admission::Limited)
    }

    pub fn used_weight(&self) -> u32 {
        self.weight
    }

    /// Counts one order; returns the counts of the 10 s and 1 min windows.
    pub fn add_order(&mut self, now_ms: i64) -> (u32, u32) {
        let w10 = now_ms.div_euclid(10_000);
        if w10 != self.order_10s_window {
            self.order_10s_window = w10;
            self.orders_10s = 0;
        }
        let m = now_ms.div_euclid(60_000);
        if m != self.order_minute {
            self.order_minute = m;
            self.orders_1m = 0;
        }
        self.orders_10s += 1;
        self.orders_1m += 1;
        (self.orders_10s, self.orders_1m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_resets_each_minute_and_refuses_above_the_limit() {
        let mut l = Limits::new(10);
        assert_eq!(l.add_weight(60_000, 6), (6, Admission::Ok));
        assert_eq!(l.add_weight(119_999, 5), (11, Admission::Limited));
        assert_eq!(l.add_weight(120_000, 5), (5, Admission::Ok));
        assert_eq!(l.add_order(0), (1, 1));
        assert_eq!(l.add_order(9_999), (2, 2));
        assert_eq!(l.add_order(10_000), (1, 3));
    }

    #[test]
    fn calling_on_after_refusals_gets_a_ban_that_outlasts_the_minute() {
        let mut l = Limits::new(1);
        l.add_weight(0, 1);
        for i in 0..BAN_AFTER {
            assert_eq!(l.add_weight(i64::from(i), 1).1, Admission::Limited);
        }
        assert_eq!(l.add_weight(100, 1).1, Admission::Banned(120_100));
        assert_eq!(l.add_weight(60_000, 1).1, Admission::Banned(120_100));
        assert_eq!(l.add_weight(120_100, 1).1, Admission::Ok);
    }
}
