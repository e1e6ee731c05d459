//! The interactive search's in-memory history: every entry once, grouped by
//! command line, matched and ranked without SQLite so a keystroke costs one
//! pass over the distinct commands (narrowed to the previous matches when the
//! query only grew, split over the cores).
//!
//! Ranking: a match's quality (fuzzy score, or equal for prefix and
//! full-text) plus "frecency", `1.5·ln(1+uses) − ln(1+minutes since last use)`:
//! the newest command wins among equals, and a command used often recently
//! beats one typed once long ago. Within one shell session (the up arrow's
//! mode) uses do not count: the newest comes first, as the shell's own
//! history would have it.

use std::collections::HashMap;

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::safety::RiskLevel;
use crate::store::{CompactRow, SearchMode};

/// How many ranked rows a search returns (the list scrolls through them).
pub const SHOWN: usize = 500;

/// One entry, its strings interned.
#[derive(Debug, Clone)]
struct Row {
    rowid: i64,
    created_at: i64,
    exit_code: Option<i64>,
    duration_ms: Option<i64>,
    cwd: u32,
    device: u32,
    session: u32,
    level: RiskLevel,
}

/// A distinct command line and its entries, newest first.
#[derive(Debug)]
struct Group {
    command: String,
    rows: Vec<u32>,
    deleted: bool,
}

/// Where rows must come from, as interned ids (`None`: anywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub device_id: Option<String>,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    /// A git repository's root: its directory and everything below.
    pub under_dir: Option<String>,
}

/// One ranked result, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub rowid: i64,
    pub command: String,
    pub created_at: i64,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub device_id: String,
    pub level: RiskLevel,
    pub uses: usize,
}

/// Strings seen many times (directories, devices, sessions), stored once.
#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    /// Id 0 is "none".
    fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return 0 };
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        self.names.push(name.to_string());
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        id
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        id.checked_sub(1)
            .and_then(|i| self.names.get(i as usize))
            .map_or("", String::as_str)
    }
}

/// What the previous search matched, to narrow the next one.
#[derive(Debug)]
struct LastSearch {
    query: String,
    mode: SearchMode,
    scope: Scope,
    matched: Vec<u32>,
}

/// The whole history in memory.
#[derive(Debug, Default)]
pub struct Index {
    rows: Vec<Row>,
    groups: Vec<Group>,
    by_command: HashMap<String, u32>,
    cwds: Interner,
    devices: Interner,
    sessions: Interner,
    last: Option<LastSearch>,
}

impl Index {
    /// Adds rows older than every row already held (they arrive newest first).
    pub fn extend(&mut self, rows: Vec<CompactRow>) {
        for r in rows {
            let row = Row {
                rowid: r.rowid,
                created_at: r.created_at,
                exit_code: r.exit_code,
                duration_ms: r.duration_ms,
                cwd: self.cwds.id(r.cwd.as_deref()),
                device: self.devices.id(Some(&r.device_id)),
                session: self.sessions.id(r.session_id.as_deref()),
                level: r.safety_level,
            };
            let index = self.rows.len() as u32;
            self.rows.push(row);
            let group = match self.by_command.get(&r.command) {
                Some(g) => *g,
                None => {
                    let g = self.groups.len() as u32;
                    self.by_command.insert(r.command.clone(), g);
                    self.groups.push(Group {
                        command: r.command,
                        rows: Vec::new(),
                        deleted: false,
                    });
                    g
                }
            };
            self.groups[group as usize].rows.push(index);
        }
        self.last = None;
    }

    /// Drops a command line from every later search (it was deleted).
    pub fn forget(&mut self, command: &str) {
        if let Some(g) = self.by_command.get(command) {
            self.groups[*g as usize].deleted = true;
        }
        self.last = None;
    }

    /// The best [`SHOWN`] matches of `query` in `scope`, and how many matched.
    pub fn search(
        &mut self,
        query: &str,
        mode: SearchMode,
        scope: &Scope,
        now_ms: i64,
    ) -> (Vec<Shown>, usize) {
        let narrowed = self.last.as_ref().and_then(|last| {
            (last.mode == mode && last.scope == *scope && query.starts_with(&last.query))
                .then(|| last.matched.clone())
        });
        let candidates: Vec<u32> =
            narrowed.unwrap_or_else(|| (0..self.groups.len() as u32).collect());
        let Some(filter) = self.row_filter(scope) else {
            self.last = None;
            return (Vec::new(), 0);
        };
        let text = TextMatch::new(query, mode);
        let use_weight = if scope.session_id.is_some() { 0.0 } else { 1.5 };
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        let chunk = candidates.len().div_ceil(threads).max(4_096);
        let mut hits: Vec<(f64, u32, u32)> = std::thread::scope(|s| {
            let workers: Vec<_> = candidates
                .chunks(chunk)
                .map(|part| s.spawn(|| self.match_part(part, &text, &filter, use_weight, now_ms)))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect()
        });
        let matched = hits.len();
        self.last = Some(LastSearch {
            query: query.to_string(),
            mode,
            scope: scope.clone(),
            matched: hits.iter().map(|h| h.1).collect(),
        });
        let by_score =
            |a: &(f64, u32, u32), b: &(f64, u32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if hits.len() > SHOWN {
            hits.select_nth_unstable_by(SHOWN, by_score);
            hits.truncate(SHOWN);
        }
        hits.sort_unstable_by(by_score);
        let shown = hits
            .into_iter()
            .map(|(_, g, r)| {
                let group = &self.groups[g as usize];
                let row = &self.rows[r as usize];
                Shown {
                    rowid: row.rowid,
                    command: group.command.clone(),
                    created_at: row.created_at,
                    exit_code: row.exit_code,
                    duration_ms: row.duration_ms,
                    device_id: self.devices.name(row.device).to_string(),
                    level: row.level,
                    uses: group.rows.len(),
                }
            })
            .collect();
        (shown, matched)
    }

    /// `scope` as interned ids; `None` when no row can pass (e.g. a
    /// directory never seen).
    fn row_filter(&self, scope: &Scope) -> Option<RowFilter> {
        let lookup = |interner: &Interner, value: &Option<String>| match value {
            None => Some(None),
            Some(v) => interner.find(v).map(Some),
        };
        let under = scope.under_dir.as_ref().map(|root| {
            let root = root.trim_end_matches('/');
            let prefix = format!("{root}/");
            let mut allowed = vec![false; self.cwds.names.len() + 1];
            for (i, name) in self.cwds.names.iter().enumerate() {
                allowed[i + 1] = name == root || name.starts_with(&prefix);
            }
            allowed
        });
        Some(RowFilter {
            device: lookup(&self.devices, &scope.device_id)?,
            session: lookup(&self.sessions, &scope.session_id)?,
            cwd: lookup(&self.cwds, &scope.cwd)?,
            under,
        })
    }

    fn match_part(
        &self,
        part: &[u32],
        text: &TextMatch,
        filter: &RowFilter,
        use_weight: f64,
        now_ms: i64,
    ) -> Vec<(f64, u32, u32)> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut hits = Vec::new();
        for &g in part {
            let group = &self.groups[g as usize];
            if group.deleted {
                continue;
            }
            let Some(quality) = text.score(&group.command, &mut matcher, &mut buf) else {
                continue;
            };
            let Some(&r) = group
                .rows
                .iter()
                .find(|&&r| filter.passes(&self.rows[r as usize]))
            else {
                continue;
            };
            let row = &self.rows[r as usize];
            let score = quality + frecency(group.rows.len(), use_weight, row.created_at, now_ms);
            hits.push((score, g, r));
        }
        hits
    }
}

/// `weight·ln(1+uses) − ln(1+minutes since the last use)`.
fn frecency(uses: usize, use_weight: f64, last_ms: i64, now_ms: i64) -> f64 {
    let minutes = ((now_ms - last_ms).max(0) as f64) / 60_000.0;
    use_weight * (1.0 + uses as f64).ln() - (1.0 + minutes).ln()
}

struct RowFilter {
    device: Option<u32>,
    session: Option<u32>,
    cwd: Option<u32>,
    under: Option<Vec<bool>>,
}

impl RowFilter {
    fn passes(&self, row: &Row) -> bool {
        self.device.is_none_or(|d| d == row.device)
            && self.session.is_none_or(|s| s == row.session)
            && self.cwd.is_none_or(|c| c == row.cwd)
            && self
                .under
                .as_ref()
                .is_none_or(|allowed| allowed[row.cwd as usize])
    }
}

/// A query compiled for one search mode.
enum TextMatch {
    All,
    /// Lower-cased words, each a substring (ASCII case ignored).
    Words(Vec<String>),
    Prefix(String),
    Fuzzy(Pattern),
}

impl TextMatch {
    fn new(query: &str, mode: SearchMode) -> Self {
        if query.trim().is_empty() {
            return TextMatch::All;
        }
        match mode {
            SearchMode::FullText => TextMatch::Words(
                query
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect(),
            ),
            SearchMode::Prefix => TextMatch::Prefix(query.to_ascii_lowercase()),
            SearchMode::Fuzzy => TextMatch::Fuzzy(Pattern::new(
                query,
                CaseMatching::Smart,
                Normalization::Smart,
                AtomKind::Fuzzy,
            )),
        }
    }

    /// `None`: no match; else the match's share of the ranking.
    fn score(&self, command: &str, matcher: &mut Matcher, buf: &mut Vec<char>) -> Option<f64> {
        match self {
            TextMatch::All => Some(0.0),
            TextMatch::Words(words) => words
                .iter()
                .all(|w| contains_ignore_ascii_case(command, w))
                .then_some(0.0),
            TextMatch::Prefix(prefix) => command
                .get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                .then_some(0.0),
            TextMatch::Fuzzy(pattern) => pattern
                .score(Utf32Str::new(command, buf), matcher)
                .map(|s| f64::from(s) / 10.0),
        }
    }
}

fn contains_ignore_ascii_case(haystack: &str, lower_needle: &str) -> bool {
    let needle = lower_needle.as_bytes();
    if needle.is_empty() {
        return true;
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn row(rowid: i64, command: &str, minutes_ago: i64, cwd: &str, session: &str) -> CompactRow {
        CompactRow {
            rowid,
            command: command.into(),
            created_at: NOW - minutes_ago * 60_000,
            exit_code: Some(0),
            duration_ms: None,
            cwd: Some(cwd.into()),
            device_id: "dev".into(),
            session_id: Some(session.into()),
            safety_level: RiskLevel::Safe,
        }
    }

    fn commands(index: &mut Index, query: &str, mode: SearchMode, scope: &Scope) -> Vec<String> {
        index
            .search(query, mode, scope, NOW)
            .0
            .into_iter()
            .map(|s| s.command)
            .collect()
    }

    fn sample() -> Index {
        let mut index = Index::default();
        index.extend(vec![
            row(6, "git status", 1, "/src/app", "s1"),
            row(5, "cargo build", 2, "/src/app/sub", "s1"),
            row(4, "make", 60, "/tmp", "s2"),
            row(3, "cargo build", 61, "/tmp", "s2"),
            row(2, "cargo build", 62, "/tmp", "s2"),
            row(1, "ls -la", 5_000, "/", "s2"),
        ]);
        index
    }

    #[test]
    fn frequent_and_recent_rank_first_each_command_once() {
        let mut index = sample();
        let all = commands(&mut index, "", SearchMode::Fuzzy, &Scope::default());
        assert_eq!(all, ["cargo build", "git status", "make", "ls -la"]);
    }

    #[test]
    fn each_mode_matches_its_way() {
        let mut index = sample();
        let any = Scope::default();
        assert_eq!(
            commands(&mut index, "tatus", SearchMode::FullText, &any),
            ["git status"]
        );
        assert_eq!(
            commands(&mut index, "BUILD car", SearchMode::FullText, &any),
            ["cargo build"]
        );
        assert!(commands(&mut index, "tatus", SearchMode::Prefix, &any).is_empty());
        assert_eq!(
            commands(&mut index, "ma", SearchMode::Prefix, &any),
            ["make"]
        );
        assert_eq!(
            commands(&mut index, "gst", SearchMode::Fuzzy, &any),
            ["git status"]
        );
        // The query grew: the narrowed search agrees with a fresh one.
        assert_eq!(
            commands(&mut index, "gsts", SearchMode::Fuzzy, &any),
            ["git status"]
        );
        assert!(commands(&mut index, "gstsx", SearchMode::Fuzzy, &any).is_empty());
    }

    #[test]
    fn scopes_narrow_to_session_directory_and_repository() {
        let mut index = sample();
        let session = Scope {
            session_id: Some("s1".into()),
            ..Scope::default()
        };
        assert_eq!(
            commands(&mut index, "", SearchMode::Prefix, &session),
            ["git status", "cargo build"]
        );
        let dir = Scope {
            cwd: Some("/tmp".into()),
            ..Scope::default()
        };
        assert_eq!(
            commands(&mut index, "", SearchMode::Prefix, &dir),
            ["cargo build", "make"]
        );
        let repo = Scope {
            under_dir: Some("/src/app".into()),
            ..Scope::default()
        };
        assert_eq!(
            commands(&mut index, "", SearchMode::Prefix, &repo),
            ["cargo build", "git status"]
        );
        let unseen = Scope {
            cwd: Some("/nowhere".into()),
            ..Scope::default()
        };
        assert!(commands(&mut index, "", SearchMode::Prefix, &unseen).is_empty());
        // The newest entry inside the scope is the one shown.
        let shown = index.search("cargo", SearchMode::Prefix, &dir, NOW).0;
        assert_eq!(shown[0].rowid, 3);
    }

    #[test]
    fn a_forgotten_command_is_not_found_again() {
        let mut index = sample();
        index.forget("make");
        assert!(commands(&mut index, "make", SearchMode::FullText, &Scope::default()).is_empty());
    }
}
