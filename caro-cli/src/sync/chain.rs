//! Checking each pulled record against what this home verified of its
//! device's log (V2.md §3): its seq must be the next, its `prev` the last
//! verified hash, and it must open under the hints it came with. A record
//! that fails alone (does not open, contradicts its hints, has an impossible
//! time) is rejected and the chain moves past it (its hash is known); a
//! broken link is a fork or a forgery, and that device is applied no
//! further. This home's own log is checked too: a record in it that this
//! home did not write means the home was copied. After the last page the
//! devices' sealed heads say whether a tail was withheld.

use std::collections::{BTreeMap, HashMap};

use crypto_core::{check_link, check_time, CryptoError, Record};

use super::keys::SyncKeys;
use super::records::{self, Refusal};
use super::report::Skipped;
use crate::daemon::protocol::{DeviceHead, WireRecord};
use crate::store::{ChainState, Finding, FindingKind, GENESIS_HASH};

/// What to do with one pulled record.
#[derive(Debug)]
pub enum Verdict {
    /// Verified before (delivered again after a cursor reset): nothing to do.
    Seen,
    /// Its device's chain broke or has a hole before it: not applied.
    Stopped,
    /// The daemon skipped seqs `from..=to` of its device: that device stops.
    Hole { from: u64, to: u64 },
    /// Its `prev` is not the last verified hash: its device stops here.
    Broken,
    /// One of this home's own records, exactly as it wrote it.
    Own,
    /// A record of this home's log that this home did not write.
    Foreign,
    /// Opened and linked: apply it.
    Opened(Box<Record>),
    /// Rejected alone; its device's chain moves past it.
    Rejected(Refusal),
}

/// The verified state of every device's log during one pull.
pub struct Chains {
    states: HashMap<String, ChainState>,
    /// The states this pull changed (written with each page).
    changed: BTreeMap<String, ChainState>,
    /// This home's device id, while its log is its own.
    own_id: Option<String>,
}

impl Chains {
    pub fn new(states: HashMap<String, ChainState>, own_id: &str) -> Self {
        Chains {
            states,
            changed: BTreeMap::new(),
            own_id: Some(own_id.to_string()),
        }
    }

    /// The log of `device_id` is no longer this home's (it re-registered):
    /// from now on its records are checked and applied like any device's.
    pub fn disown(&mut self) {
        self.own_id = None;
    }

    /// The seq of `device_id` this home needs next.
    pub fn next_seq(&self, device_id: &str) -> u64 {
        self.states.get(device_id).map_or(0, |s| s.next_seq)
    }

    /// The verified state of `device_id`'s log, if it has one.
    pub fn state(&self, device_id: &str) -> Option<&ChainState> {
        self.states.get(device_id)
    }

    /// Takes the states changed since the last call (for the page's transaction).
    pub fn take_changed(&mut self) -> Vec<ChainState> {
        std::mem::take(&mut self.changed).into_values().collect()
    }

    /// Checks `item`. `own_hash` gives the hash this home recorded for its
    /// own record of a seq; `now_ms` is this device's clock.
    pub fn check(
        &mut self,
        keys: &SyncKeys,
        item: &WireRecord,
        own_hash: impl Fn(u64) -> Option<String>,
        now_ms: i64,
    ) -> Verdict {
        let state = self
            .states
            .get(&item.device_id)
            .cloned()
            .unwrap_or(ChainState {
                device_id: item.device_id.clone(),
                next_seq: 0,
                last_hash: GENESIS_HASH.to_string(),
                broken_at: None,
            });
        if state.broken_at.is_some() {
            return Verdict::Stopped;
        }
        if item.seq < state.next_seq {
            return Verdict::Seen;
        }
        if item.seq > state.next_seq {
            self.update(ChainState {
                broken_at: Some(state.next_seq),
                ..state.clone()
            });
            return Verdict::Hole {
                from: state.next_seq,
                to: item.seq - 1,
            };
        }
        let (envelope, hash) = match records::envelope_of(item) {
            Ok(found) => found,
            Err(refusal) => {
                // No bytes, no hash: the chain cannot be followed past it.
                self.update(ChainState {
                    broken_at: Some(item.seq),
                    ..state
                });
                return Verdict::Rejected(refusal);
            }
        };
        let advance = |chains: &mut Chains| {
            chains.update(ChainState {
                next_seq: item.seq + 1,
                last_hash: hash.clone(),
                ..state.clone()
            })
        };
        if self.own_id.as_deref() == Some(item.device_id.as_str()) {
            if own_hash(item.seq).as_deref() == Some(hash.as_str()) {
                advance(self);
                return Verdict::Own;
            }
            return Verdict::Foreign;
        }
        let record = match records::open(keys, item, &envelope) {
            Ok(record) => record,
            Err(refusal) => {
                advance(self);
                return Verdict::Rejected(refusal);
            }
        };
        if let Err(err) = check_link(&record, state.next_seq, &state.last_hash) {
            if matches!(err, CryptoError::BrokenChain(_)) {
                self.update(ChainState {
                    broken_at: Some(item.seq),
                    ..state
                });
                return Verdict::Broken;
            }
            advance(self);
            return Verdict::Rejected(err.into());
        }
        advance(self);
        match check_time(record.created_at, now_ms) {
            Ok(()) => Verdict::Opened(Box::new(record)),
            Err(err) => Verdict::Rejected(err.into()),
        }
    }

    /// What the devices' heads say about the verified chains: a head at or
    /// past a device's next seq names records this home never received (a
    /// withheld tail); a head at the last verified seq with another hash is a
    /// fork. A head that does not open is reported as skipped.
    pub fn head_findings(
        &self,
        keys: &SyncKeys,
        heads: &[DeviceHead],
    ) -> (Vec<Finding>, Vec<Skipped>) {
        let mut findings = Vec::new();
        let mut refused = Vec::new();
        for head in heads {
            let next = self.next_seq(&head.device_id);
            let finding = |kind, from, to| Finding {
                kind,
                device_id: head.device_id.clone(),
                from,
                to,
            };
            match records::open_head(keys, head) {
                Ok((seq, _)) if seq >= next => {
                    findings.push(finding(FindingKind::Withheld, next, seq));
                }
                Ok((seq, hash)) if seq + 1 == next => {
                    let verified = self.state(&head.device_id).map(|s| s.last_hash.as_str());
                    if verified != Some(hash.as_str()) {
                        findings.push(finding(FindingKind::Fork, seq, seq));
                    }
                }
                Ok(_) => {}
                Err(refusal) => refused.push(Skipped {
                    id: records::HEAD_ID.into(),
                    device_id: head.device_id.clone(),
                    seq: head.seq,
                    record_kind: records::HEAD_ID.into(),
                    kind: refusal.reason,
                    message: refusal.message,
                }),
            }
        }
        (findings, refused)
    }

    fn update(&mut self, state: ChainState) {
        self.states.insert(state.device_id.clone(), state.clone());
        self.changed.insert(state.device_id.clone(), state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LocalOp, OutboxRecord, ToSeal};
    use crypto_core::{KeySet, SecretKey};

    const NOW: i64 = 1_763_790_000_000;

    fn keys(seed: u8) -> SyncKeys {
        SyncKeys::from(
            KeySet::from_master_key(&SecretKey::from_bytes(&[seed; 32]).unwrap()).unwrap(),
        )
    }

    /// A log of `n` deletes by `device`, chained, as the wire carries them.
    fn log(k: &SyncKeys, device: &str, n: u64, created_at: i64) -> Vec<(WireRecord, String)> {
        let mut prev = GENESIS_HASH.to_string();
        (0..n)
            .map(|seq| {
                let id = format!("e{seq}");
                let op = LocalOp::Delete { id: id.clone() };
                let sealed = records::seal(
                    k,
                    &ToSeal {
                        op: &op,
                        id: &id,
                        device_id: device,
                        seq,
                        prev: &prev,
                        created_at,
                    },
                )
                .unwrap();
                prev = sealed.hash.clone();
                let wire = records::to_wire(
                    device,
                    &OutboxRecord {
                        seq,
                        kind: "delete".into(),
                        id,
                        epoch: sealed.epoch,
                        envelope: sealed.envelope,
                        hash: sealed.hash.clone(),
                    },
                );
                (wire, sealed.hash)
            })
            .collect()
    }

    fn name(v: &Verdict) -> String {
        match v {
            Verdict::Rejected(r) => format!("rejected {}", r.reason),
            other => format!("{other:?}")
                .split(['(', ' ', '{'])
                .next()
                .unwrap()
                .to_string(),
        }
    }

    #[test]
    fn a_chain_verifies_in_order_and_again_is_seen() {
        let k = keys(1);
        let mut chains = Chains::new(HashMap::new(), "me");
        let records = log(&k, "dev-b", 3, NOW);
        for (wire, _) in &records {
            assert_eq!(name(&chains.check(&k, wire, |_| None, NOW)), "Opened");
        }
        assert_eq!(chains.next_seq("dev-b"), 3);
        assert_eq!(chains.state("dev-b").unwrap().last_hash, records[2].1);
        assert_eq!(
            name(&chains.check(&k, &records[1].0, |_| None, NOW)),
            "Seen"
        );
        assert_eq!(chains.take_changed().len(), 1);
        assert!(chains.take_changed().is_empty());
    }

    #[test]
    fn a_hole_or_a_foreign_link_stops_the_device() {
        let k = keys(1);
        let records = log(&k, "dev-b", 3, NOW);
        let mut chains = Chains::new(HashMap::new(), "me");
        assert_eq!(
            name(&chains.check(&k, &records[0].0, |_| None, NOW)),
            "Opened"
        );
        match chains.check(&k, &records[2].0, |_| None, NOW) {
            Verdict::Hole { from, to } => assert_eq!((from, to), (1, 1)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            name(&chains.check(&k, &records[1].0, |_| None, NOW)),
            "Stopped"
        );

        // Another log's record 1 after this log's record 0: prev differs.
        let other = log(&k, "dev-b", 2, NOW + 1);
        let mut chains = Chains::new(HashMap::new(), "me");
        assert_eq!(
            name(&chains.check(&k, &records[0].0, |_| None, NOW)),
            "Opened"
        );
        assert_eq!(
            name(&chains.check(&k, &other[1].0, |_| None, NOW)),
            "Broken"
        );
        assert_eq!(chains.state("dev-b").unwrap().broken_at, Some(1));
        assert_eq!(
            name(&chains.check(&k, &records[2].0, |_| None, NOW)),
            "Stopped"
        );
    }

    #[test]
    fn a_record_that_fails_alone_is_rejected_and_the_chain_moves_on() {
        let k = keys(1);
        let records = log(&k, "dev-b", 3, NOW);
        let mut chains = Chains::new(HashMap::new(), "me");
        assert_eq!(
            name(&chains.check(&keys(2), &records[0].0, |_| None, NOW)),
            "rejected AuthenticationFailed"
        );
        assert_eq!(
            name(&chains.check(&k, &records[1].0, |_| None, NOW)),
            "Opened"
        );
        let future = log(&k, "dev-c", 1, NOW + 86_400_001);
        assert_eq!(
            name(&chains.check(&k, &future[0].0, |_| None, NOW)),
            "rejected TimeOutOfRange"
        );
        assert_eq!(chains.next_seq("dev-c"), 1);
    }

    #[test]
    fn this_homes_own_records_are_recognised_and_others_in_its_log_are_foreign() {
        let k = keys(1);
        let mine = log(&k, "me", 2, NOW);
        let copy = log(&k, "me", 2, NOW + 5);
        let written: HashMap<u64, String> = mine.iter().map(|(w, h)| (w.seq, h.clone())).collect();
        let own = |seq: u64| written.get(&seq).cloned();
        let mut chains = Chains::new(HashMap::new(), "me");
        assert_eq!(name(&chains.check(&k, &mine[0].0, own, NOW)), "Own");
        assert_eq!(name(&chains.check(&k, &copy[1].0, own, NOW)), "Foreign");
        chains.disown();
        assert_eq!(name(&chains.check(&k, &mine[1].0, own, NOW)), "Opened");
    }

    #[test]
    fn a_head_past_the_verified_chain_is_a_withheld_tail_and_another_hash_a_fork() {
        let k = keys(1);
        let records = log(&k, "dev-b", 3, NOW);
        let mut chains = Chains::new(HashMap::new(), "me");
        for (wire, _) in &records[..2] {
            chains.check(&k, wire, |_| None, NOW);
        }
        let head = |seq: u64, hash: &str, device: &str| {
            let sealed = records::seal_head(&k, device, seq, hash, NOW).unwrap();
            DeviceHead {
                device_id: device.into(),
                seq: sealed.seq,
                epoch: sealed.epoch,
                envelope: sealed.envelope,
            }
        };
        let (findings, refused) = chains.head_findings(
            &k,
            &[
                head(2, &records[2].1, "dev-b"),
                head(1, &records[1].1, "dev-b"),
                head(1, &records[2].1, "dev-b"),
                head(0, &records[0].1, "dev-b"),
            ],
        );
        assert!(refused.is_empty());
        let kinds: Vec<(FindingKind, u64, u64)> =
            findings.iter().map(|f| (f.kind, f.from, f.to)).collect();
        assert_eq!(
            kinds,
            [(FindingKind::Withheld, 2, 2), (FindingKind::Fork, 1, 1)]
        );
        // A device never heard of: its whole log is withheld.
        let (findings, _) = chains.head_findings(&k, &[head(4, &records[0].1, "dev-z")]);
        assert_eq!((findings[0].from, findings[0].to), (0, 4));
        let (_, refused) = chains.head_findings(&keys(2), &[head(1, &records[1].1, "dev-b")]);
        assert_eq!(refused[0].kind, "AuthenticationFailed");
    }
}
