//! caro-cli's one integration test binary (ripgrep's shape): one module per
//! area, all sharing `util`. One binary links once and runs every test in
//! one process, instead of a binary per file.

mod shells;
mod util;

mod agent;
mod attacks;
mod bad_input;
mod concurrency;
mod config;
mod control_chars;
mod faults;
mod filters;
mod history;
mod hook_defects;
mod hooks;
mod import;
mod import_sources;
mod interactive;
mod lifecycle;
mod local_files;
mod local_time;
mod messages;
mod output;
mod prune;
mod rotate;
mod secret_forms;
mod secrets;
mod service;
mod settings;
mod sync_api;
mod sync_batches;
mod sync_errors;
mod sync_flow;
mod sync_integrity;
mod sync_phrase;
mod sync_pull_guard;
mod sync_rejoin;
mod sync_relay;
mod sync_resilience;
mod sync_rpc_vectors;
mod sync_status;
mod sync_store;
mod transport;
mod values;
