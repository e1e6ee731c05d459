//! The store API the sync layer calls: applying remote entries, tombstones
//! and preferences, and draining the queue.

use caro::safety::RiskLevel;
use caro::store::{
    EntityType, HistoryEntry, NewEntry, PulledPage, RemoteTombstone, Store, StoredPreference,
    SyncOperation,
};
use serde_json::json;

/// Applies one remote entry as a pulled page of one; whether it was new.
fn insert_remote(store: &mut Store, entry: &HistoryEntry) -> bool {
    let page = PulledPage {
        entries: vec![entry.clone()],
        ..PulledPage::default()
    };
    store.apply_remote_page(&page, "cursor").unwrap().inserted == 1
}

/// Applies one remote delete as a pulled page of one; whether it changed anything.
fn delete_remote(store: &mut Store, tombstone: &RemoteTombstone) -> bool {
    let page = PulledPage {
        deletes: vec![tombstone.clone()],
        ..PulledPage::default()
    };
    store.apply_remote_page(&page, "cursor").unwrap().deleted == 1
}

/// The live entry `id`, if there is one.
fn live(store: &Store, id: &str) -> Option<HistoryEntry> {
    store.live_entries_by_id(&[id]).unwrap().remove(id)
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("history.db")).unwrap();
    (dir, store)
}

fn remote_entry(id: &str) -> HistoryEntry {
    HistoryEntry {
        id: id.to_string(),
        command: "make deploy".to_string(),
        prompt: Some("ship it".to_string()),
        explanation: None,
        safety_level: RiskLevel::Safe,
        safety_warnings: vec![],
        exit_code: Some(0),
        duration_ms: Some(5),
        cwd: Some("/srv".to_string()),
        shell: Some("zsh".to_string()),
        device_id: "0190aaaa-0000-7000-8000-0000000000d2".to_string(),
        created_at: 1_700_000_000_000,
        executed: true,
        success: Some(true),
        platform: Some("macos".to_string()),
        session_id: None,
        hostname: None,
    }
}

const REMOTE_ID: &str = "0190aaaa-0000-7000-8000-000000000001";

#[test]
fn remote_entries_insert_once_and_are_never_enqueued() {
    let (_dir, mut store) = store();
    let entry = remote_entry(REMOTE_ID);
    assert!(insert_remote(&mut store, &entry));
    assert!(!insert_remote(&mut store, &entry));
    assert_eq!(live(&store, REMOTE_ID), Some(entry.clone()));
    assert!(store.sync_queue_after(0, 10).unwrap().is_empty());
    let found = store.search("deploy", 10).unwrap();
    assert_eq!(found, vec![entry]);
}

#[test]
fn remote_tombstones_delete_and_outlive_late_upserts() {
    let (_dir, mut store) = store();
    insert_remote(&mut store, &remote_entry(REMOTE_ID));
    let tombstone = RemoteTombstone {
        id: REMOTE_ID.to_string(),
        device_id: "d2".to_string(),
        deleted_at: 1_700_000_100_000,
    };
    assert!(delete_remote(&mut store, &tombstone));
    assert!(!delete_remote(&mut store, &tombstone));
    assert_eq!(live(&store, REMOTE_ID), None);
    assert!(store.search("deploy", 10).unwrap().is_empty());

    // A delete that arrives before its entry: the entry is then ignored.
    let early = "0190aaaa-0000-7000-8000-000000000002";
    let early_delete = RemoteTombstone {
        id: early.to_string(),
        ..tombstone
    };
    assert!(delete_remote(&mut store, &early_delete));
    assert!(!insert_remote(&mut store, &remote_entry(early)));
    assert_eq!(live(&store, early), None);
    assert!(store.sync_queue_after(0, 10).unwrap().is_empty());
}

#[test]
fn local_changes_are_queued_in_order() {
    let (_dir, mut store) = store();
    let id = store
        .record(&NewEntry {
            command: "ls".to_string(),
            created_at: 1_700_000_000_000,
            ..NewEntry::default()
        })
        .unwrap();
    store.set_preference("retention_days", &json!(30)).unwrap();
    let items = store.sync_queue_after(0, 10).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0].operation, items[0].entity_type),
        (SyncOperation::Upsert, EntityType::Command)
    );
    assert_eq!(items[0].entity_id, id);
    assert_eq!(items[1].entity_type, EntityType::Preference);
    assert_eq!(store.sync_queue_counts().unwrap(), (2, 0));
}

#[test]
fn preferences_merge_last_writer_wins() {
    let (_dir, mut store) = store();
    let local = store
        .set_preference("safety_level", &json!("strict"))
        .unwrap();
    let older = StoredPreference {
        key: "safety_level".to_string(),
        value: json!("permissive"),
        updated_at: local.updated_at - 1,
        updated_by: "zzzz".to_string(),
        updated_seq: 0,
        synced_at: None,
    };
    assert!(!store.apply_remote_preference(&older).unwrap());
    assert_eq!(
        store.preference("safety_level").unwrap().unwrap().value,
        json!("strict")
    );

    let newer = StoredPreference {
        updated_at: local.updated_at + 1,
        ..older
    };
    assert!(store.apply_remote_preference(&newer).unwrap());
    let now = store.preference("safety_level").unwrap().unwrap();
    assert_eq!(now.value, json!("permissive"));
    assert_eq!(now.updated_by, "zzzz");
    // The local change lost: it is no longer pushed.
    assert!(store.sync_queue_after(0, 10).unwrap().is_empty());

    // A later local change stamps after the remote one.
    let again = store
        .set_preference("safety_level", &json!("moderate"))
        .unwrap();
    assert!(again.updated_at > newer.updated_at);
}

#[test]
fn opening_twice_migrates_once_and_keeps_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let first = Store::open(&path).unwrap().current_device_id().unwrap();
    let second = Store::open(&path).unwrap().current_device_id().unwrap();
    assert_eq!(first, second);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, caro::store::schema::LATEST_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_caro_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(
        err.contains("written by a newer caro (schema version 99"),
        "{err}"
    );
}
