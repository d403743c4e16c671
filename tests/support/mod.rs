//! Helpers shared by the integration tests (each test file is its own
//! crate and includes this with `mod support;`).

#![allow(dead_code)] // each test crate uses a different part

pub mod events;
pub mod logger;
pub mod twisted;
