//! caro: a fast local shell command history in SQLite.
//!
//! The binary (`src/main.rs`) is a thin wrapper around [`commands::run`]; the
//! store, rule sets and parsers live here so the sync layer and the tests can
//! use them directly.

pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod error;
pub mod escape;
pub mod import;
pub mod matcher;
pub mod paths;
pub mod plural;
pub mod privacy;
pub mod relay_url;
pub mod safety;
pub mod shell;
pub mod store;
pub mod sync;
pub mod time;
pub mod tui;
