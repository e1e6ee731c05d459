//! The shared JSON-RPC vectors of `test-vectors/rpc/`, run through caro's own
//! daemon client against the real daemon (and a real relay): every step that
//! a well-behaved client can send (framing and malformed-request steps are
//! the daemon's tests' business) must get the expected answer, and every
//! answer must decode into the client's typed results.

use std::path::Path;
use std::time::Duration;

use crate::util::{daemon_program, repo_root, Relay};
use caro::daemon::protocol::{
    self as rpc, Health, InitResult, PullResult, PushResult, ShutdownResult,
};
use caro::daemon::{DaemonClient, DaemonError};
use serde_json::Value;

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

/// Methods caro never calls (its watch ends with the daemon; status and reset
/// are caro's own), so the protocol module has no name for them; the vectors do.
const UNSUBSCRIBE: &str = "sync.unsubscribe";
const STATUS: &str = "sync.status";
const RESET: &str = "sync.reset";

/// What the client does with one step of a vector.
enum Step<'a> {
    /// A request a well-behaved client sends, and the answer it must get.
    Call {
        method: &'a str,
        params: Option<&'a Value>,
        expect: &'a Value,
    },
    /// Bytes no well-formed request produces: broken framing, a request
    /// that breaks JSON-RPC, a notification (which gets no answer). The
    /// daemon's own tests send these; the client cannot.
    NotTheClients,
}

/// Sorts a step into a [`Step`]; a step of any other shape fails the test,
/// so a new kind of step cannot be skipped without anyone deciding to.
fn classify<'a>(label: &str, step: &'a Value) -> Step<'a> {
    if step.get("sendRaw").is_some() {
        return Step::NotTheClients;
    }
    let Some(send) = step.get("send") else {
        panic!("{label}: a step with neither send nor sendRaw: {step}");
    };
    // A request's id is a number or a string; a notification has none.
    let id = send.get("id");
    let has_id = id.is_some();
    let id_ok = id.is_none_or(|id| id.is_i64() || id.is_u64() || id.is_string());
    let well_formed = send["jsonrpc"] == "2.0" && send["method"].is_string() && id_ok;
    let expect = &step["expect"];
    match (well_formed, has_id, expect.is_null()) {
        (true, true, false) => Step::Call {
            method: send["method"].as_str().unwrap(),
            params: send.get("params"),
            expect,
        },
        (true, false, true) | (false, _, false) => Step::NotTheClients,
        _ => panic!("{label}: a step the runner does not know how to treat: {step}"),
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
        rpc::SHUTDOWN => check::<ShutdownResult>(result),
        // caro reads nothing from these answers (`matches` checked their
        // shape): the client has no type to decode them into.
        rpc::PING | STATUS | RESET | rpc::SUBSCRIBE | UNSUBSCRIBE => Ok(()),
        other => Err(format!(
            "no decoder for {other}: a vector calls a method this test does not know"
        )),
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
            let label = format!("{name} step {n}");
            let Step::Call {
                method,
                params,
                expect,
            } = classify(&label, step)
            else {
                continue;
            };
            let with_relay = |v: &Value| -> Value {
                serde_json::from_str(&v.to_string().replace("${RELAY}", &relay_url)).unwrap()
            };
            let params = params.map_or_else(|| Value::Object(Default::default()), with_relay);
            let expect = with_relay(expect);
            let got: Result<Value, DaemonError> =
                client.call(method, &params, Duration::from_secs(30)).await;
            let label = format!("{label} ({method})");
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
    let dir = repo_root().join("test-vectors/rpc");
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
