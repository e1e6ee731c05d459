//! The shared JSON-RPC vectors of `test-vectors/rpc/`, run through caro's own
//! daemon client against the real daemon (and a real relay): every step that
//! a well-behaved client can send (framing and malformed-request steps are
//! the daemon's tests' business) must get the expected answer, and every
//! answer must decode into the client's typed results.

mod sync_support;

use std::path::Path;
use std::time::Duration;

use caro::daemon::protocol::{
    self as rpc, Applied, DeviceList, Health, InitResult, PrefList, PullResult, PushResult,
    ShutdownResult,
};
use caro::daemon::{CommandLine, DaemonClient, DaemonError};
use serde_json::Value;
use sync_support::Relay;

/// Whether `actual` matches `expected`, whose placeholder strings match any
/// value of their type and whose objects must have exactly the same keys.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(p), _) if p == "<any>" => true,
        (Value::String(p), a) if p == "<string>" => a.is_string(),
        (Value::String(p), a) if p == "<integer>" => a.is_i64() || a.is_u64(),
        (Value::String(p), a) if p == "<number>" => a.is_number(),
        (Value::String(p), a) if p == "<boolean>" => a.is_boolean(),
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (e, a) => e == a,
    }
}

/// The answer decodes into the client's type for its method.
fn decodes(method: &str, result: &Value) -> Result<(), String> {
    fn check<T: serde::de::DeserializeOwned>(v: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(v.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    match method {
        rpc::INIT => check::<InitResult>(result),
        rpc::PUSH => check::<PushResult>(result),
        rpc::PULL => check::<PullResult>(result),
        rpc::HEALTH => check::<Health>(result),
        rpc::DEVICE_LIST => check::<DeviceList>(result),
        rpc::PREFS_LIST => check::<PrefList>(result),
        rpc::DEVICE_REGISTER | rpc::PREFS_SET => check::<Applied>(result),
        rpc::SHUTDOWN => check::<ShutdownResult>(result),
        _ => Ok(()),
    }
}

fn daemon_program() -> CommandLine {
    let words = shell_words::split(&sync_support::daemon_command_line()).unwrap();
    CommandLine {
        program: words[0].clone().into(),
        args: words[1..].iter().map(Into::into).collect(),
    }
}

fn run_file(path: &Path) -> usize {
    let scenario: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let relay = (scenario["relay"] == true).then(Relay::start);
    let relay_url = relay.as_ref().map_or("", |r| r.url.as_str()).to_string();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    runtime.block_on(async {
        let client = DaemonClient::spawn(&daemon_program(), dir.path(), false, false).unwrap();
        let mut ran = 0;
        for (n, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
            let Some(send) = step.get("send") else {
                continue;
            };
            let well_formed = send["jsonrpc"] == "2.0"
                && send["method"].is_string()
                && (send["id"].is_i64() || send["id"].is_u64() || send["id"].is_string());
            if !well_formed || step["expect"].is_null() {
                continue;
            }
            let method = send["method"].as_str().unwrap();
            let params_text = send
                .get("params")
                .unwrap_or(&Value::Object(Default::default()))
                .to_string()
                .replace("${RELAY}", &relay_url);
            let params: Value = serde_json::from_str(&params_text).unwrap();
            let expect: Value =
                serde_json::from_str(&step["expect"].to_string().replace("${RELAY}", &relay_url))
                    .unwrap();
            let got: Result<Value, DaemonError> =
                client.call(method, &params, Duration::from_secs(30)).await;
            let label = format!("{name} step {n} ({method})");
            match (expect.get("result"), expect.get("error"), got) {
                (Some(result), _, Ok(actual)) => {
                    assert!(
                        matches(result, &actual),
                        "{label}: expected {result}, got {actual}"
                    );
                    decodes(method, &actual)
                        .unwrap_or_else(|e| panic!("{label}: {actual} does not decode: {e}"));
                }
                (_, Some(error), Err(DaemonError::Rpc { code, kind, .. })) => {
                    assert_eq!(Some(code), error["code"].as_i64(), "{label}");
                    assert_eq!(
                        Some(kind.as_str()),
                        error["data"]["kind"].as_str(),
                        "{label}"
                    );
                }
                (_, _, other) => panic!("{label}: expected {expect}, got {other:?}"),
            }
            ran += 1;
        }
        client.close(Duration::from_secs(2)).await;
        ran
    })
}

#[test]
fn the_client_answers_every_vector_as_the_protocol_says() {
    let dir = sync_support::repo_root().join("test-vectors/rpc");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // error-kinds.json is the table of kinds and limits, not a scenario.
        .filter(|p| !p.ends_with("error-kinds.json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    let ran: usize = files.iter().map(|f| run_file(f)).sum();
    assert!(ran >= 40, "only {ran} steps ran");
}
