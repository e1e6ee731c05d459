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
    /// Blank patterns are no patterns (an empty regex would match every
    /// command and stop all recording).
    pub fn new(patterns: &[String]) -> Result<Self, String> {
        let (compiled, problems) = Self::usable(patterns);
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(compiled),
        }
    }

    /// Compiles the patterns that parse and says why each other one was
    /// skipped: patterns arriving by sync (from another device, or another
    /// caro's rules) must not stop this device from recording.
    pub fn usable(patterns: &[String]) -> (Self, Vec<String>) {
        let mut sources = Vec::new();
        let mut problems = Vec::new();
        for pattern in patterns.iter().filter(|p| !p.trim().is_empty()) {
            match regex::Regex::new(pattern) {
                Ok(_) => sources.push(pattern.clone()),
                Err(e) => problems.push(format!(
                    "exclude pattern '{pattern}' is not a valid regex: {e}"
                )),
            }
        }
        // Every source compiled alone, so the set compiles too (short of
        // its size limit, reported like a bad pattern).
        let set = match RegexSet::new(&sources) {
            Ok(set) if !sources.is_empty() => Some(set),
            Ok(_) => None,
            Err(e) => {
                problems.push(format!("exclude patterns are too large together: {e}"));
                sources.clear();
                None
            }
        };
        (Self { sources, set }, problems)
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

    #[test]
    fn blank_patterns_match_nothing() {
        let ex = ExcludePatterns::new(&["".into(), "  ".into()]).unwrap();
        assert_eq!(ex.first_match("ls"), None);
    }

    #[test]
    fn usable_skips_what_does_not_compile() {
        let (ex, problems) = ExcludePatterns::usable(&["(".into(), "vault".into()]);
        assert_eq!(ex.first_match("vault read x"), Some("vault"));
        assert_eq!(ex.first_match("ls"), None);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("'('"), "{problems:?}");
    }
}
