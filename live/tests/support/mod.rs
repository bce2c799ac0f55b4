//! Test support shared by the live crate's integration tests.
#![allow(dead_code)]

pub mod scripted;
pub mod serve;
