//! Native half of `scripts/bench/crypto.sh`: Argon2id derive time and
//! AES-256-GCM seal/open throughput, printed as one JSON object.
//! `cargo run --release -p crypto-core --example bench`

use std::hint::black_box;
use std::time::{Duration, Instant};

use crypto_core::{open, seal, CryptoError, KeySet, Phrase, SecretKey};

/// Runs `op` repeatedly for about `budget`; returns operations per second.
fn rate(
    budget: Duration,
    mut op: impl FnMut() -> Result<(), CryptoError>,
) -> Result<f64, CryptoError> {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < budget {
        for _ in 0..16 {
            op()?;
        }
        count += 16;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), CryptoError> {
    let phrase = Phrase::from_entropy(&[7; 32]);
    let mut derive_ms = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        black_box(KeySet::derive(&phrase)?);
        derive_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }

    let key = SecretKey::from_bytes(&[9; 32])?;
    let aad = b"caro-sync/v1/command/0190f0a1-7c2e-7b3a-9f10-5d6c7e8f9a0b";
    let budget = Duration::from_millis(700);
    let small = vec![0x5a; 256];
    let large = vec![0x5a; 1 << 20];
    let small_sealed = seal(&key, &small, aad)?;
    let large_sealed = seal(&key, &large, aad)?;
    let mib = (1 << 20) as f64 / 1e6;

    let out = serde_json::json!({
        "deriveMs": median(derive_ms),
        "seal256OpsPerSec": rate(budget, || seal(&key, black_box(&small), aad).map(drop))?,
        "open256OpsPerSec": rate(budget, || open(&key, black_box(&small_sealed), aad).map(drop))?,
        "seal1MiBMBps": rate(budget, || seal(&key, black_box(&large), aad).map(drop))? * mib,
        "open1MiBMBps": rate(budget, || open(&key, black_box(&large_sealed), aad).map(drop))? * mib,
    });
    println!("{out}");
    Ok(())
}
