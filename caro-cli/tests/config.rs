//! End-to-end: `caro config get|set|list`.

use crate::util::Home;
use predicates::prelude::*;
use serde_json::Value;

#[test]
fn defaults_then_set_get_list() {
    let home = Home::new();
    home.caro()
        .args(["config", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("retention_days    90  (default)"))
        .stdout(predicate::str::contains(
            "max_commands      10000  (default)",
        ))
        .stdout(predicate::str::contains("secrets_filter    on  (default)"));
    for (key, value, shown) in [
        ("safety_level", "high", "high"),
        ("retention_days", "30", "30"),
        ("max-commands", "500", "500"),
        ("secrets_filter", "off", "off"),
        ("auto_sync", "on", "on"),
        ("sync_frequency", "1h30m", "1h 30m"),
        ("agent_idle", "20m", "20m"),
    ] {
        let canonical = key.replace('-', "_");
        home.caro()
            .args(["config", "set", key, value])
            .assert()
            .success()
            .stdout(format!("{canonical} = {shown}\n"));
        home.caro()
            .args(["config", "get", key])
            .assert()
            .success()
            .stdout(format!("{shown}\n"));
    }
    home.caro()
        .args(["config", "set", "exclude_patterns", "^ssh ", "token"])
        .assert()
        .success();
    let out = home
        .caro()
        .args(["config", "list", "--json"])
        .output()
        .unwrap();
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(items.len(), 8);
    let excl = items
        .iter()
        .find(|i| i["key"] == "exclude_patterns")
        .unwrap();
    assert_eq!(excl["value"], serde_json::json!(["^ssh ", "token"]));
    assert_eq!(excl["isDefault"], false);
    assert!(excl["updatedAt"].as_i64().unwrap() > 0);
    home.caro()
        .args(["config", "set", "exclude_patterns"])
        .assert()
        .success()
        .stdout("exclude_patterns = (none)\n");
}

#[test]
fn bad_keys_and_values_are_usage_errors() {
    let home = Home::new();
    home.caro()
        .args(["config", "get", "colour"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown preference 'colour'"))
        .stderr(predicate::str::contains("retention_days"));
    home.caro()
        .args(["config", "set", "safety_level", "yolo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("moderate, high or critical"));
    home.caro()
        .args(["config", "set", "auto_sync", "maybe"])
        .assert()
        .code(2);
    home.caro()
        .args(["config", "set", "sync_frequency", "5s"])
        .assert()
        .code(2);
    home.caro()
        .args(["config", "set", "retention_days"])
        .assert()
        .code(2);
}

#[test]
fn a_preference_change_is_stamped_and_enqueued_once() {
    let home = Home::new();
    home.caro()
        .args(["config", "set", "retention_days", "30"])
        .assert()
        .success();
    home.caro()
        .args(["config", "set", "retention_days", "31"])
        .assert()
        .success();
    let store = home.store();
    let pref = store.preference("retention_days").unwrap().unwrap();
    assert_eq!(pref.value, serde_json::json!(31));
    assert_eq!(pref.updated_by, store.current_device_id().unwrap());
    let queue = store.sync_queue_after(0, 10).unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].entity_id, "retention_days");
}
