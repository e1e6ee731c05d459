//! The native half of `make demo`: generates a phrase, derives the keys, seals
//! one command entry, and prints all of it as one JSON object for the JS half.
//! `cargo run --release -p crypto-core --example demo`

use std::time::Instant;

use crypto_core::{seal_command, CommandRecord, CryptoError, KeySet, Phrase};

fn main() -> Result<(), CryptoError> {
    let phrase = Phrase::generate()?;
    let started = Instant::now();
    let keys = KeySet::derive(&phrase)?;
    let derive_ms = started.elapsed().as_secs_f64() * 1000.0;

    let entry_id = "0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0b";
    let record = CommandRecord {
        prompt: Some("show what changed".into()),
        executed: Some(true),
        success: Some(true),
        exit_code: Some(0),
        shell: Some("zsh".into()),
        tags: Some(vec!["git".into()]),
        ..CommandRecord::new("git diff --stat", 1_763_800_000_000)
    };
    let envelope = seal_command(&keys.command_key, entry_id, &record)?;

    let out = serde_json::json!({
        // The demo shows the phrase on purpose: it is a throwaway.
        "phrase": phrase.expose_secret(),
        "keyId": keys.key_id,
        "deriveMs": derive_ms,
        "entryId": entry_id,
        "envelope": hex::encode(envelope),
    });
    println!("{out}");
    Ok(())
}
