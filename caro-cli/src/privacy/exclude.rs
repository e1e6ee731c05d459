//! The user's exclude patterns: regexes; a command matching any is never stored.

use regex::RegexSet;

/// Compiled exclude patterns (nothing is compiled when there are none).
#[derive(Debug, Default)]
pub struct ExcludePatterns {
    sources: Vec<String>,
    set: Option<RegexSet>,
}

impl ExcludePatterns {
    /// Compiles the patterns; the error names the one that does not parse.
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        if patterns.is_empty() {
            return Ok(Self::default());
        }
        for pattern in patterns {
            regex::Regex::new(pattern)
                .map_err(|e| format!("exclude pattern '{pattern}' is not a valid regex: {e}"))?;
        }
        let set = RegexSet::new(patterns).map_err(|e| e.to_string())?;
        Ok(Self {
            sources: patterns.to_vec(),
            set: Some(set),
        })
    }

    /// The first pattern `command` matches.
    pub fn first_match(&self, command: &str) -> Option<&str> {
        let set = self.set.as_ref()?;
        let index = set.matches(command).into_iter().next()?;
        Some(&self.sources[index])
    }
}

#[cfg(test)]
mod tests {
    use super::ExcludePatterns;

    #[test]
    fn matches_and_names_the_pattern() {
        let ex = ExcludePatterns::new(&["^ssh .*prod".into(), "vault".into()]).unwrap();
        assert_eq!(ex.first_match("ssh admin@prod-1"), Some("^ssh .*prod"));
        assert_eq!(ex.first_match("vault read x"), Some("vault"));
        assert_eq!(ex.first_match("ls"), None);
        assert!(ExcludePatterns::new(&["(".into()])
            .unwrap_err()
            .contains("'('"));
        assert_eq!(ExcludePatterns::new(&[]).unwrap().first_match("x"), None);
    }
}
