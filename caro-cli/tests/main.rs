//! caro-cli's one integration test binary (ripgrep's shape): one module per
//! area, all sharing `util`. One binary links once and runs every test in
//! one process, instead of a binary per file.

mod util;

mod bad_input;
mod concurrency;
mod config;
mod history;
mod hooks;
mod import;
mod lifecycle;
mod local_time;
mod messages;
mod output;
mod secrets;
mod settings;
mod sync_api;
mod sync_errors;
mod sync_flow;
mod sync_resilience;
mod sync_rpc_vectors;
mod sync_status;
