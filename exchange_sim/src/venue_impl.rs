//! `impl pipeline::venue::Venue for SimExchange`: the pipeline's view of the simulated
//! exchange, a thin mapping onto the inherent methods.
//!
//! `place_order` re-runs the order check with the spec valid at the venue's clock (the
//! `CheckedOrder` may have been checked against another snapshot), exactly like `submit`,
//! unless the order was checked against this very spec and mark (`submit_checked`).
//! Must never live here: behaviour of its own.

use pipeline::exchange_info::SharedSpec;
use pipeline::order::{CheckedOrder, OrderRequest};
use pipeline::venue::{
    Balance, OrderRef, OrderState, PositionAmount, PositionSnapshot, Venue, VenueError, VenueEvent,
};
use pipeline::{Price, Symbol, TimestampMs};

use crate::exchange::SimExchange;

/// The raw request a checked order came from.
pub fn request_of(o: &CheckedOrder) -> OrderRequest {
    OrderRequest {
        symbol: o.symbol().into(),
        side: o.side(),
        order_type: o.order_type(),
        time_in_force: o.time_in_force(),
        quantity: (!o.close_position()).then(|| o.quantity().get()),
        price: o.price().map(Price::get),
        stop_price: o.stop_price().map(Price::get),
        reduce_only: o.reduce_only(),
        close_position: o.close_position(),
        client_order_id: o.client_id().cloned(),
        working_type: o.working_type(),
    }
}

impl Venue for SimExchange {
    fn now(&self) -> TimestampMs {
        SimExchange::now(self)
    }

    fn symbol_spec(&self, symbol: &Symbol) -> Option<SharedSpec> {
        let id = self.id_of(symbol)?;
        self.spec(id)
    }

    fn mark_price(&self, symbol: &Symbol) -> Option<Price> {
        self.mark(self.id_of(symbol)?)
    }

    fn place_order(&mut self, order: &CheckedOrder) -> Result<OrderState, VenueError> {
        self.submit_checked(order).map_err(VenueError::Rejected)
    }

    fn cancel_order(
        &mut self,
        symbol: &Symbol,
        order: &OrderRef,
    ) -> Result<OrderState, VenueError> {
        self.cancel(symbol.as_str(), order)
            .map_err(VenueError::Rejected)
    }

    fn query_order(&mut self, symbol: &Symbol, order: &OrderRef) -> Result<OrderState, VenueError> {
        self.query(symbol.as_str(), order)
            .map_err(VenueError::Rejected)
    }

    fn open_orders(&mut self, symbol: Option<&Symbol>) -> Result<Vec<OrderState>, VenueError> {
        match symbol {
            None => Ok(SimExchange::open_orders(self, None)),
            Some(s) => match self.symbol_id(s.as_str()) {
                Some(id) => Ok(SimExchange::open_orders(self, Some(id))),
                None => Err(VenueError::Rejected(
                    pipeline::exchange_info::Reject::invalid_symbol(),
                )),
            },
        }
    }

    fn positions(&mut self) -> Result<Vec<PositionSnapshot>, VenueError> {
        Ok(self.open_positions())
    }

    fn position_amounts(&mut self) -> Result<Vec<PositionAmount>, VenueError> {
        Ok(SimExchange::position_amounts(self))
    }

    fn position_amounts_into(&mut self, out: &mut Vec<PositionAmount>) -> Result<(), VenueError> {
        SimExchange::position_amounts_into(self, out);
        Ok(())
    }

    fn balance(&mut self) -> Result<Balance, VenueError> {
        let a = self.account();
        Ok(Balance {
            asset: "USDT".to_string(),
            wallet_balance: a.wallet_balance,
            unrealized_pnl: a.unrealized_pnl,
            available_balance: a.available_balance,
        })
    }

    fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) -> Result<(), VenueError> {
        SimExchange::set_leverage(self, symbol.as_str(), leverage).map_err(VenueError::Rejected)
    }

    fn drain_events(&mut self) -> Result<Vec<VenueEvent>, VenueError> {
        Ok(self.take_events())
    }

    #[inline]
    fn drain_events_into(&mut self, out: &mut Vec<VenueEvent>) -> Result<(), VenueError> {
        SimExchange::drain_events_into(self, out);
        Ok(())
    }
}
