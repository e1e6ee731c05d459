//! Fresh nonces for [`crate::seal`]: 12 bytes of OS randomness each, drawn in
//! blocks of [`NONCES_PER_DRAW`]. One `getrandom` call per block instead of one
//! per seal: the call was a third of a 256-byte seal natively, and in WASM
//! (`crypto.getRandomValues` through JS) nearly a fifth.
//!
//! Every nonce is handed out once. A block belongs to the thread and the
//! process that drew it: a forked child draws its own block, so parent and
//! child never seal with the same nonce.

use std::cell::RefCell;

use crate::envelope::NONCE_LEN;
use crate::CryptoError;

const NONCES_PER_DRAW: usize = 64;

struct Pool {
    bytes: [u8; NONCE_LEN * NONCES_PER_DRAW],
    /// Nonces of `bytes` already handed out.
    taken: usize,
    /// The process that drew `bytes`.
    owner: u32,
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool { bytes: [0; NONCE_LEN * NONCES_PER_DRAW], taken: NONCES_PER_DRAW, owner: 0 })
    };
}

/// A nonce no other seal has used.
pub(crate) fn fresh_nonce() -> Result<[u8; NONCE_LEN], CryptoError> {
    POOL.with_borrow_mut(|pool| {
        let process = process_id();
        if pool.taken == NONCES_PER_DRAW || pool.owner != process {
            getrandom::fill(&mut pool.bytes).map_err(|_| CryptoError::RandomnessUnavailable)?;
            pool.taken = 0;
            pool.owner = process;
        }
        let start = pool.taken * NONCE_LEN;
        let slot = pool
            .bytes
            .get_mut(start..start + NONCE_LEN)
            .ok_or(CryptoError::RandomnessUnavailable)?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(slot);
        // Wiped once handed out, so the pool never holds a used nonce.
        slot.fill(0);
        pool.taken += 1;
        Ok(nonce)
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn process_id() -> u32 {
    std::process::id()
}

/// WASM cannot fork.
#[cfg(target_arch = "wasm32")]
fn process_id() -> u32 {
    0
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn nonces_never_repeat_across_draws() {
        let nonces: HashSet<_> = (0..NONCES_PER_DRAW * 5 + 3)
            .map(|_| fresh_nonce().unwrap())
            .collect();
        assert_eq!(nonces.len(), NONCES_PER_DRAW * 5 + 3);
        assert!(!nonces.contains(&[0u8; NONCE_LEN]));
    }

    #[test]
    fn threads_draw_their_own_nonces() {
        let spawn =
            || std::thread::spawn(|| (0..100).map(|_| fresh_nonce().unwrap()).collect::<Vec<_>>());
        let (a, b) = (spawn(), spawn());
        let all: HashSet<_> = a
            .join()
            .unwrap()
            .into_iter()
            .chain(b.join().unwrap())
            .collect();
        assert_eq!(all.len(), 200);
    }
}
