//! Support for the live crate's integration tests: a scripted HTTP server on loopback.
#![allow(dead_code)]

pub mod scripted;
