//! The store side of sync protocol v2: the outbox (sealing is all or nothing
//! with leaving the queue, seqs without holes, each record chained to the
//! one before), acknowledgement, the hybrid clock of preferences, the
//! verified chain states and findings, a copied home's re-registration, and
//! migration 5 keeping a v1 home's data.

use caro::store::{
    schema, ChainState, EntityType, Finding, FindingKind, LocalOp, NewEntry, PulledPage, Rejection,
    Sealed, Store, StoredPreference, ToSeal, GENESIS_HASH,
};
use serde_json::json;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("history.db")).unwrap();
    (dir, store)
}

fn record(store: &mut Store, command: &str) -> String {
    store
        .record(&NewEntry {
            command: command.to_string(),
            created_at: 1_700_000_000_000,
            ..NewEntry::default()
        })
        .unwrap()
}

/// A stand-in sealer: the "envelope" names the record, the "hash" is
/// derived from it and the prev, so a test can check the chain.
fn fake_seal(to_seal: &ToSeal<'_>) -> Result<Sealed, String> {
    let envelope = format!(
        "{}:{}:{}:{}",
        to_seal.op.kind(),
        to_seal.id,
        to_seal.seq,
        to_seal.prev
    );
    Ok(Sealed {
        epoch: 1,
        hash: format!("h{}-{}", to_seal.seq, to_seal.prev.len()),
        envelope: envelope.into_bytes(),
    })
}

#[test]
fn sealing_moves_the_queue_into_a_chained_outbox() {
    let (_dir, mut store) = store();
    let first = record(&mut store, "ls");
    store
        .set_preference("secrets_filter", &json!(true))
        .unwrap();
    let second = record(&mut store, "pwd");
    store.delete(std::slice::from_ref(&second)).unwrap();
    let mut seen = Vec::new();
    let sealed = store
        .seal_queue(|s| {
            seen.push((s.op.kind(), s.id.to_string(), s.seq, s.prev.to_string()));
            fake_seal(s)
        })
        .unwrap();
    // The delete cancelled the pending upload of `pwd`: entry, pref, delete.
    assert_eq!(sealed, 3);
    assert_eq!(
        seen.iter().map(|s| (s.0, s.2)).collect::<Vec<_>>(),
        [("entry", 0), ("pref", 1), ("delete", 2)]
    );
    assert_eq!(seen[0].1, first);
    assert_eq!(seen[0].3, GENESIS_HASH);
    assert_eq!(seen[1].3, "h0-64");
    assert_eq!(seen[2].3, "h1-5");
    assert_eq!(seen[2].1, second);
    assert!(store.sync_queue_after(0, 10).unwrap().is_empty());
    assert_eq!(store.sync_queue_counts().unwrap(), (3, 0));
    let chain = store.own_chain().unwrap();
    assert_eq!((chain.next_seq, chain.last_hash.as_str()), (3, "h2-4"));
    // The preference knows the seq of the record that carried it.
    assert_eq!(
        store
            .preference("secrets_filter")
            .unwrap()
            .unwrap()
            .updated_seq,
        1
    );

    let outbox = store.unacked_outbox(None, 10).unwrap();
    assert_eq!(outbox.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(store.unacked_outbox(Some(0), 1).unwrap()[0].seq, 1);
    store.mark_acked(1).unwrap();
    assert_eq!(store.unacked_count().unwrap(), 1);
    assert_eq!(store.unacked_outbox(None, 10).unwrap()[0].seq, 2);
    // Acknowledged records keep their hash: the proof of what this home wrote.
    let hashes = store.outbox_hashes(0, 7).unwrap();
    assert_eq!(hashes.len(), 3);
    assert_eq!(hashes[&0], "h0-64");
    assert!(store.last_push_and_pull().unwrap().0.is_some());
}

#[test]
fn a_seal_that_fails_leaves_the_queue_and_the_chain_as_they_were() {
    let (_dir, mut store) = store();
    record(&mut store, "one");
    record(&mut store, "two");
    let mut calls = 0;
    let err = store
        .seal_queue(|s| {
            calls += 1;
            if calls == 2 {
                Err("the system's randomness is unavailable".to_string())
            } else {
                fake_seal(s)
            }
        })
        .unwrap_err();
    assert!(err.to_string().contains("randomness"), "{err}");
    assert_eq!(store.sync_queue_after(0, 10).unwrap().len(), 2);
    assert!(store.unacked_outbox(None, 10).unwrap().is_empty());
    assert_eq!(store.own_chain().unwrap().next_seq, 0);
    assert_eq!(store.seal_queue(fake_seal).unwrap(), 2);
    assert_eq!(store.own_chain().unwrap().next_seq, 2);
}

#[test]
fn a_far_ahead_remote_stamp_cannot_pin_a_preference() {
    let (_dir, mut store) = store();
    let now = caro::time::now_ms();
    let ahead = now + 20 * 60 * 60 * 1000;
    let page = PulledPage {
        preferences: vec![StoredPreference {
            key: "secrets_filter".into(),
            value: json!(false),
            updated_at: ahead,
            updated_by: "other".into(),
            updated_seq: 4,
            synced_at: None,
        }],
        clock: ahead,
        ..PulledPage::default()
    };
    assert_eq!(store.apply_remote_page(&page, "c1").unwrap().preferences, 1);
    // A local change made now still wins: the hybrid clock saw the stamp.
    let local = store
        .set_preference("secrets_filter", &json!(true))
        .unwrap();
    assert!(local.updated_at > ahead, "{} <= {ahead}", local.updated_at);
    assert_eq!(
        store.preference("secrets_filter").unwrap().unwrap().value,
        json!(true)
    );
    // Sealing it leaves the clock at least there.
    store.seal_queue(fake_seal).unwrap();
    assert!(store.own_chain().unwrap().clock >= local.updated_at);

    // Ties on time go to the larger device id, then the larger seq.
    let tie = |by: &str, seq: u64| StoredPreference {
        key: "retention_days".into(),
        value: json!(seq),
        updated_at: 5,
        updated_by: by.into(),
        updated_seq: seq,
        synced_at: None,
    };
    assert!(store.apply_remote_preference(&tie("b", 1)).unwrap());
    assert!(!store.apply_remote_preference(&tie("a", 9)).unwrap());
    assert!(store.apply_remote_preference(&tie("b", 2)).unwrap());
    assert_eq!(
        store.preference("retention_days").unwrap().unwrap().value,
        json!(2)
    );
}

#[test]
fn chain_states_findings_and_rejections_are_kept_and_reported() {
    let (_dir, mut store) = store();
    let page = PulledPage {
        chains: vec![
            ChainState {
                device_id: "dev-b".into(),
                next_seq: 5,
                last_hash: "abc".into(),
                broken_at: None,
            },
            ChainState {
                device_id: "dev-c".into(),
                next_seq: 2,
                last_hash: "def".into(),
                broken_at: Some(2),
            },
        ],
        rejections: vec![
            Rejection {
                device_id: "dev-b".into(),
                seq: 3,
                record_kind: "delete".into(),
                record_id: "e1".into(),
                reason: "AuthenticationFailed".into(),
                message: "authentication failed".into(),
            },
            Rejection {
                device_id: "dev-b".into(),
                seq: 4,
                record_kind: "entry".into(),
                record_id: "e2".into(),
                reason: "secret".into(),
                message: "looks like a token".into(),
            },
        ],
        ..PulledPage::default()
    };
    store.apply_remote_page(&page, "c").unwrap();
    let states = store.chain_states().unwrap();
    assert_eq!(states["dev-b"].next_seq, 5);
    assert_eq!(states["dev-c"].broken_at, Some(2));
    let withheld = Finding {
        kind: FindingKind::Withheld,
        device_id: "dev-b".into(),
        from: 5,
        to: 9,
    };
    store
        .replace_findings(std::slice::from_ref(&withheld))
        .unwrap();
    let state = store.integrity().unwrap();
    assert_eq!(state.findings, [withheld]);
    assert_eq!(state.broken, [("dev-c".to_string(), 2)]);
    assert_eq!(
        state.rejected.into_iter().collect::<Vec<_>>(),
        [
            ("AuthenticationFailed".to_string(), 1),
            ("secret".to_string(), 1)
        ]
    );
    // The next pull's findings replace the last one's.
    store.replace_findings(&[]).unwrap();
    assert!(store.integrity().unwrap().findings.is_empty());
}

#[test]
fn a_copied_home_re_registers_and_re_enqueues_everything_it_holds() {
    let (_dir, mut store) = store();
    let old = store.current_device_id().unwrap();
    let kept = record(&mut store, "make build");
    let gone = record(&mut store, "rm draft");
    store.set_preference("auto_sync", &json!(true)).unwrap();
    store.delete(std::slice::from_ref(&gone)).unwrap();
    store.seal_queue(fake_seal).unwrap();
    store.mark_acked(0).unwrap();

    let rehomed = store.rehome().unwrap();
    assert_eq!(rehomed.old_id, old);
    assert_ne!(rehomed.new_id, old);
    assert_eq!(store.current_device_id().unwrap(), rehomed.new_id);
    let devices = store.known_devices().unwrap();
    assert!(devices.iter().any(|d| d.id == old && !d.is_current));
    let chain = store.own_chain().unwrap();
    assert_eq!(
        (
            chain.device_id.as_str(),
            chain.next_seq,
            chain.last_hash.as_str()
        ),
        (rehomed.new_id.as_str(), 0, GENESIS_HASH)
    );
    assert!(store.unacked_outbox(None, 10).unwrap().is_empty());
    assert!(store.outbox_hashes(0, 10).unwrap().is_empty());
    let queue = store.sync_queue_after(0, 10).unwrap();
    let kinds: Vec<(EntityType, &str)> = queue
        .iter()
        .map(|q| (q.entity_type, q.entity_id.as_str()))
        .collect();
    assert!(
        kinds.contains(&(EntityType::Command, kept.as_str())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(EntityType::Command, gone.as_str())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(EntityType::Preference, "auto_sync")),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| k.0 == EntityType::Device), "{kinds:?}");
    assert_eq!(rehomed.enqueued, queue.len());
    let entry = store
        .live_entries_by_id(&[&kept])
        .unwrap()
        .remove(&kept)
        .unwrap();
    assert_eq!(entry.device_id, rehomed.new_id);

    let mut sealed = Vec::new();
    store
        .seal_queue(|s| {
            sealed.push((s.op.clone(), s.device_id.to_string()));
            fake_seal(s)
        })
        .unwrap();
    assert!(sealed.iter().all(|(_, d)| *d == rehomed.new_id));
    assert!(sealed
        .iter()
        .any(|(op, _)| matches!(op, LocalOp::Delete { id } if *id == gone)));
}

#[test]
fn joining_another_account_restarts_this_homes_log_and_the_same_one_goes_on() {
    let (_dir, mut store) = store();
    record(&mut store, "ls");
    store
        .join_sync_account("k1", "account-1", "ws://x", true)
        .unwrap();
    store.seal_queue(fake_seal).unwrap();
    let first = store.own_chain().unwrap().next_seq;
    assert_eq!(first, 2, "the entry and this device's record");
    store.leave_sync_account().unwrap();
    store
        .join_sync_account("k1", "account-1", "ws://x", false)
        .unwrap();
    store.seal_queue(fake_seal).unwrap();
    assert!(store.own_chain().unwrap().next_seq > first);
    store
        .join_sync_account("k2", "account-2", "ws://x", true)
        .unwrap();
    assert_eq!(store.own_chain().unwrap().next_seq, 0);
    assert!(store.unacked_outbox(None, 10).unwrap().is_empty());
}

#[test]
fn migration_5_keeps_a_v1_homes_history_queue_and_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for migration in &schema::MIGRATIONS[..4] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 4).unwrap();
        conn.execute_batch(
            "INSERT INTO devices (id, name, platform, is_current, created_at, updated_at)
                 VALUES ('dev-old', 'laptop', 'linux', 1, 1, 1);
             INSERT INTO command_history (id, command, device_id, created_at, updated_at)
                 VALUES ('e1', 'git status', 'dev-old', 1700000000000, 1700000000000);
             INSERT INTO sync_queue (operation, entity_type, entity_id, created_at)
                 VALUES ('upsert', 'command', 'e1', 1);
             INSERT INTO sync_preferences (key, value, updated_at, updated_by)
                 VALUES ('auto_sync', 'true', 5, 'dev-old');
             INSERT INTO sync_identity (id, key_id, account_id, created_at, updated_at,
                 relay_url, pull_cursor)
                 VALUES (1, 'k', 'acc', 1, 1, 'ws://x', 'v1-cursor');",
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.current_device_id().unwrap(), "dev-old");
    assert!(store
        .live_entries_by_id(&["e1"])
        .unwrap()
        .contains_key("e1"));
    assert_eq!(store.sync_queue_after(0, 10).unwrap().len(), 1);
    let pref = store.preference("auto_sync").unwrap().unwrap();
    assert_eq!((pref.value, pref.updated_seq), (json!(true), 0));
    let identity = store.sync_identity().unwrap().unwrap();
    assert_eq!(identity.account_id.as_deref(), Some("acc"));
    assert_eq!(
        identity.pull_cursor, None,
        "a v1 cursor means nothing to v2"
    );
    assert_eq!(store.seal_queue(fake_seal).unwrap(), 1);
}
