//! Domain value types shared by every crate: money, time, symbols, shared text (client order ids),
//! intervals, klines and borrowed bar columns.
//! Must never live here: behaviour of a stage or of a venue.

pub mod bar_columns;
pub mod decimal_cmp;
pub mod decimal_text;
pub mod interval;
pub mod kline;
pub mod money;
pub mod shared_text;
pub mod symbol;
pub mod time;

pub use bar_columns::BarColumns;
pub use interval::Interval;
pub use kline::{Bar, Kline};
pub use money::{
    MoneyError, Notional, Price, Qty, Rounding, increments_in, normalized, round_to_increment,
    rounded_to_grid,
};
pub use shared_text::{ClientOrderId, SharedText};
pub use symbol::Symbol;
pub use time::TimestampMs;
