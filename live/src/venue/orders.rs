//! Placing and cancelling, safely under faults.
//!
//! Every order carries a client id derived from what the pipeline decided: the executor's
//! `sim-<plan_id>` (`-tp` / `-sl` for the protective legs), or, for an order without one, a
//! hash of the order's fields. When the outcome of a placement is unknown (timeout, HTTP 503
//! "Unknown error", a lost answer), the order is first read back by that id: found, it is the
//! answer (no second order); "does not exist" (-2013), it is sent once more under the same id;
//! a -4116 "clientOrderId is duplicated" also means it exists and is read back.
//! A read-back that itself gets no answer is tried again with backoff ([`READBACK_ATTEMPTS`]);
//! only then does the outcome stay unknown, and the pipeline takes the position as the venue
//! reports it at its next sync.
//! Known limit: a request still in flight inside the venue when the read-back says "does not
//! exist" could land after the resend; Binance refuses the second one with -4116 only while the
//! first is open. The pause before the read-back (`readback_delay`) narrows that window.
//! Must never live here: tracking of fills (`tracking`), stage logic.

use pipeline::Symbol;
use pipeline::order::CheckedOrder;
use pipeline::venue::{OrderRef, OrderState, VenueError};
use tracing::warn;

use super::LiveVenue;

/// Binance's rule for client order ids: `^[\.A-Z\:/a-z0-9_-]{1,36}$`.
fn valid_client_id(id: &str) -> bool {
    (1..=36).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'/' | b'_' | b'-'))
}

/// FNV-1a 64 of `text`, as 16 hex digits.
fn fnv_hex(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The `newClientOrderId` for `order`: its own id when valid, else `live-` + a hash of the
/// given id or of the order's fields. The same order always gets the same id.
pub fn client_order_id(order: &CheckedOrder) -> String {
    match order.client_order_id() {
        Some(id) if valid_client_id(id) => id.to_string(),
        Some(id) => format!("live-{}", fnv_hex(id)),
        None => {
            let fields = format!(
                "{}|{}|{}|{}|{:?}|{:?}|{}|{}",
                order.symbol(),
                order.side(),
                order.order_type(),
                order.quantity().get(),
                order.price().map(|p| p.get()),
                order.stop_price().map(|p| p.get()),
                order.reduce_only(),
                order.close_position()
            );
            format!("live-{}", fnv_hex(&fields))
        }
    }
}

/// How many times an order whose placement had an unknown outcome is read back before the
/// outcome stays unknown (pauses of `readback_delay`, doubled each time: 300 ms to 2.4 s by
/// default, 4.5 s in all).
pub const READBACK_ATTEMPTS: u32 = 4;

fn not_found(e: &VenueError) -> bool {
    matches!(e, VenueError::Rejected(r) if r.code == -2013 || r.code == -2011)
}

fn duplicate(e: &VenueError) -> bool {
    matches!(e, VenueError::Rejected(r) if r.code == -4116)
}

impl LiveVenue {
    pub(super) fn place(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        let cid = client_order_id(order);
        let mut unknown: Option<String> = None;
        // At most two sends under the same id, each unknown outcome read back first.
        for _ in 0..2 {
            let sent = self.send(order, &cid);
            match sent {
                Ok(s) => return Ok(s),
                Err(e) if duplicate(&e) => return self.read_back(order, &cid),
                Err(VenueError::Unknown(why)) => {
                    warn!(client_order_id = %cid, %why, "order outcome unknown; reading it back");
                    match self.read_back_patiently(order, &cid) {
                        Ok(s) => return Ok(s),
                        Err(e) if not_found(&e) => unknown = Some(why),
                        Err(e) => {
                            return Err(VenueError::Unknown(format!(
                                "{why}; reading order {cid} back failed too: {e}"
                            )));
                        }
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(VenueError::Unknown(format!(
            "order {cid}: {}; it was not found at the venue afterwards",
            unknown.unwrap_or_default()
        )))
    }

    fn send(&mut self, order: &CheckedOrder, cid: &str) -> Result<OrderState, VenueError> {
        if order.order_type().is_conditional() {
            let a = self.client.place_algo_order(order, cid)?;
            self.tracker.adopt_algo(a.state.clone());
            Ok(a.state)
        } else {
            let s = self.client.place_order(order, cid)?;
            self.tracker.observe(&s);
            Ok(s)
        }
    }

    /// [`Self::read_back`] after `readback_delay`, tried again with a doubled pause while
    /// the read-back itself has no answer (a 5xx, a timeout, a 429), at most
    /// [`READBACK_ATTEMPTS`] times: a read-back that fails once must not turn an order that
    /// executed into a refusal. "Does not exist" and refusals are answers and end it at once.
    fn read_back_patiently(
        &mut self,
        order: &CheckedOrder,
        cid: &str,
    ) -> Result<OrderState, VenueError> {
        let mut pause = self.cfg.readback_delay;
        let mut attempt = 1;
        loop {
            std::thread::sleep(pause);
            match self.read_back(order, cid) {
                Err(e @ (VenueError::Unknown(_) | VenueError::Unavailable(_)))
                    if attempt < READBACK_ATTEMPTS =>
                {
                    warn!(client_order_id = %cid, attempt, error = %e, "read-back failed; trying again");
                    attempt += 1;
                    pause = pause.saturating_mul(2);
                }
                other => return other,
            }
        }
    }

    /// The order named `cid`, as the venue has it; followed from now on.
    fn read_back(&mut self, order: &CheckedOrder, cid: &str) -> Result<OrderState, VenueError> {
        let by_id = OrderRef::ClientId(cid.to_string());
        if order.order_type().is_conditional() {
            let a = self.client.query_algo_order(&by_id)?;
            if !a.state.status.is_final() {
                self.tracker.adopt_algo(a.state.clone());
            }
            Ok(a.state)
        } else {
            let s = self.client.query_order(order.symbol(), &by_id)?;
            self.tracker.observe(&s);
            Ok(s)
        }
    }

    pub(super) fn cancel(
        &mut self,
        symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        if self.tracker.is_algo(order) {
            match self.client.cancel_algo_order(order) {
                Ok(()) => {}
                Err(VenueError::Unknown(why)) => {
                    warn!(%why, "conditional cancel outcome unknown; reading it back");
                }
                Err(e) => return Err(e),
            }
            let a = self.client.query_algo_order(order)?;
            if !a.state.status.is_final() {
                // The cancel did not happen: say so, so the caller tries again (an Ok here made
                // the orphan cancel forget a stop that still rests at the venue).
                return Err(VenueError::Unknown(format!(
                    "cancelling conditional order {} got no answer; it is still {:?}",
                    a.state.order_id, a.state.status
                )));
            }
            self.tracker.forget_algo(a.state.order_id);
            return Ok(a.state);
        }
        let s = match self.client.cancel_order(symbol, order) {
            Ok(s) => s,
            Err(VenueError::Unknown(why)) => {
                warn!(%why, "cancel outcome unknown; reading the order back");
                let s = self.client.query_order(symbol, order)?;
                if !s.status.is_final() {
                    self.tracker.observe(&s);
                    return Err(VenueError::Unknown(format!(
                        "{why}; the order is still {:?}",
                        s.status
                    )));
                }
                s
            }
            Err(e) => return Err(e),
        };
        self.tracker.observe(&s);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_follow_binance_rule() {
        assert!(valid_client_id("sim-0123456789abcdef-tp"));
        assert!(valid_client_id("a.b:c/d_e-f"));
        assert!(!valid_client_id(""));
        assert!(!valid_client_id(&"x".repeat(37)));
        assert!(!valid_client_id("has space"));
        assert_eq!(fnv_hex("abc"), fnv_hex("abc"));
        assert_ne!(fnv_hex("abc"), fnv_hex("abd"));
        assert_eq!(format!("live-{}", fnv_hex("x")).len(), 21);
    }
}
