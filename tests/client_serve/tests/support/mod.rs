//! Support for the client and venue tests against `serve`: a server with the step clock and a
//! client and `LiveVenue` pointed at it.
#![allow(dead_code)]

pub mod serve;
