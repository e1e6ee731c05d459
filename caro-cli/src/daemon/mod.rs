//! The sync daemon (`caro-sync-daemon`, the Node.js package in
//! `sync-daemon/`) as a child process: finding its program ([`locate`]), and
//! talking newline-delimited JSON-RPC 2.0 to it over stdio or the agent's
//! unix socket ([`client`], reading in [`reader`]) with the typed messages of
//! its PROTOCOL.md ([`protocol`]), and whether one is running already
//! ([`lock`]), and stopping it so that none is left behind ([`stop`]).

pub mod client;
pub mod locate;
pub mod lock;
pub mod protocol;
mod reader;
pub mod stop;

pub use client::{DaemonClient, DaemonError, Notification};
pub use locate::CommandLine;
