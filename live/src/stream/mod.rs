//! Closed klines from the websocket, delivered to the synchronous loop without gaps or
//! duplicates.
//!
//! - `message`: Binance's kline event (`<symbol>@kline_<interval>`) parsed into a `Kline`;
//!   only closed ones (`k.x == true`) pass.
//! - `socket`: [`KlineSocket`], one websocket per symbol on a thread with its own tokio
//!   runtime; reconnects with exponential backoff; sends [`StreamEvent`]s into a std channel.
//! - `feed`: [`KlineFeed`], the synchronous side: de-duplicates by open time and fills every
//!   gap (a reconnect, a missed message) from REST klines before the later bar is handed out.
//!
//! Must never live here: strategies or stages (the feed hands out bars, nothing more).

mod feed;
mod message;
mod socket;

pub use feed::{FeedStats, KlineFeed, KlineSource};
pub use message::parse_closed_kline;
pub use socket::{Backoff, KlineSocket, StreamEvent, stream_url};
