//! Counts in messages read right: "1 command", "2 commands", never
//! "1 commands" or "command(s)".

use std::fmt::Display;

/// `n` and the noun that agrees with it: `count(1, "entry", "entries")` is
/// "1 entry".
pub fn count<N: Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let noun = agree(&n, one, many);
    format!("{n} {noun}")
}

/// The verb form that agrees with `n`: `agree(1, "was", "were")`.
pub fn agree<'a, N: PartialEq + From<u8>>(n: &N, one: &'a str, many: &'a str) -> &'a str {
    if *n == N::from(1) {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u64, "command", "commands"), "1 command");
        assert_eq!(count(0u64, "command", "commands"), "0 commands");
        assert_eq!(count(2u64, "entry", "entries"), "2 entries");
        assert_eq!(agree(&1u64, "was", "were"), "was");
        assert_eq!(agree(&3usize, "was", "were"), "were");
    }
}
