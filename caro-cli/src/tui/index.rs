//! The interactive search's in-memory history: every entry once, grouped by
//! command line, matched and ranked without SQLite so a keystroke costs one
//! pass over the distinct commands (narrowed to the previous matches when the
//! query only grew, split over the cores).
//!
//! A keystroke is kept cheap three ways: each command carries the set of
//! ASCII characters it holds, so a command lacking one of the query's is
//! skipped before `nucleo` sees it; each command's frecency and the row that
//! stands for it in the current filter are computed once per filter, not per
//! keystroke; and the empty query's ranking, the same until the filter
//! changes, is kept.
//!
//! Ranking: a match's quality (fuzzy score, or equal for prefix and
//! full-text) plus "frecency", `1.5·ln(1+uses) − ln(1+minutes since last use)`:
//! the newest command wins among equals, and a command used often recently
//! beats one typed once long ago. Within one shell session (the up arrow's
//! mode) uses do not count: the newest comes first, as the shell's own
//! history would have it.

use std::collections::HashMap;

use nucleo_matcher::{Config, Matcher};

use super::text::{char_set, TextMatch};
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
    /// [`char_set`] of the command.
    chars: u128,
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

/// Each group's place in one filter at one time: its frecency and the row
/// that stands for it (its newest in the filter), `None` outside the filter.
#[derive(Debug)]
struct Ranking {
    scope: Scope,
    now_ms: i64,
    groups: Vec<Option<(f64, u32)>>,
    /// The empty query's answer: the best [`SHOWN`] hits and how many matched.
    everything: Option<(Vec<Hit>, usize)>,
}

/// A match: its score, group and row.
type Hit = (f64, u32, u32);

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
    ranking: Option<Ranking>,
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
                        chars: char_set(&r.command),
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
        self.ranking = None;
    }

    /// Drops a command line from every later search (it was deleted).
    pub fn forget(&mut self, command: &str) {
        if let Some(g) = self.by_command.get(command) {
            self.groups[*g as usize].deleted = true;
        }
        self.last = None;
        if let Some(ranking) = &mut self.ranking {
            ranking.everything = None;
        }
    }

    /// The best [`SHOWN`] matches of `query` in `scope`, and how many matched.
    pub fn search(
        &mut self,
        query: &str,
        mode: SearchMode,
        scope: &Scope,
        now_ms: i64,
    ) -> (Vec<Shown>, usize) {
        let Some(filter) = self.row_filter(scope) else {
            self.last = None;
            return (Vec::new(), 0);
        };
        let fresh = self
            .ranking
            .as_ref()
            .is_some_and(|r| r.now_ms == now_ms && r.scope == *scope);
        if !fresh {
            self.ranking = Some(self.rank(scope, &filter, now_ms));
        }
        let text = TextMatch::new(query, mode);
        let (hits, matched) = if text.is_all() {
            // Every later query narrows from all groups: nothing to keep.
            self.last = None;
            self.everything()
        } else {
            self.matching(query, mode, scope, &text)
        };
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

    /// The empty query's best hits (every group in the filter), kept with
    /// the ranking.
    fn everything(&mut self) -> (Vec<Hit>, usize) {
        let Some(ranking) = self.ranking.as_mut() else {
            return (Vec::new(), 0);
        };
        if ranking.everything.is_none() {
            let groups = &self.groups;
            let hits: Vec<Hit> = ranking
                .groups
                .iter()
                .enumerate()
                .filter(|(g, _)| !groups[*g].deleted)
                .filter_map(|(g, rank)| rank.map(|(score, r)| (score, g as u32, r)))
                .collect();
            let matched = hits.len();
            ranking.everything = Some((best(hits), matched));
        }
        ranking.everything.clone().unwrap_or_default()
    }

    /// The groups matching a non-empty query, best first, and how many.
    fn matching(
        &mut self,
        query: &str,
        mode: SearchMode,
        scope: &Scope,
        text: &TextMatch,
    ) -> (Vec<Hit>, usize) {
        let narrowed = self.last.as_ref().and_then(|last| {
            (last.mode == mode && last.scope == *scope && query.starts_with(&last.query))
                .then(|| last.matched.clone())
        });
        let candidates: Vec<u32> =
            narrowed.unwrap_or_else(|| (0..self.groups.len() as u32).collect());
        let parts = in_parallel(&candidates, |part| self.match_part(part, text));
        let matched: Vec<u32> = parts.iter().flat_map(|(ids, _)| ids).copied().collect();
        let count = matched.len();
        // Each part's best include the overall best.
        let hits = best(parts.into_iter().flat_map(|(_, hits)| hits).collect());
        self.last = Some(LastSearch {
            query: query.to_string(),
            mode,
            scope: scope.clone(),
            matched,
        });
        (hits, count)
    }

    /// Every group's frecency and standing row in `scope` at `now_ms`.
    fn rank(&self, scope: &Scope, filter: &RowFilter, now_ms: i64) -> Ranking {
        let use_weight = if scope.session_id.is_some() { 0.0 } else { 1.5 };
        let all: Vec<u32> = (0..self.groups.len() as u32).collect();
        let parts = in_parallel(&all, |part| {
            part.iter()
                .map(|&g| {
                    let group = &self.groups[g as usize];
                    let r = *group
                        .rows
                        .iter()
                        .find(|&&r| filter.passes(&self.rows[r as usize]))?;
                    let last_ms = self.rows[r as usize].created_at;
                    Some((frecency(group.rows.len(), use_weight, last_ms, now_ms), r))
                })
                .collect::<Vec<_>>()
        });
        let groups = parts.into_iter().flatten().collect();
        Ranking {
            scope: scope.clone(),
            now_ms,
            groups,
            everything: None,
        }
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

    /// The groups of `part` that match, and the best [`SHOWN`] of them as
    /// hits; needs a current ranking.
    fn match_part(&self, part: &[u32], text: &TextMatch) -> (Vec<u32>, Vec<Hit>) {
        let Some(ranking) = &self.ranking else {
            return (Vec::new(), Vec::new());
        };
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut hits = Vec::new();
        for &g in part {
            let group = &self.groups[g as usize];
            if group.deleted || group.chars & text.needs != text.needs {
                continue;
            }
            let Some((frecency, r)) = ranking.groups[g as usize] else {
                continue;
            };
            let Some(quality) = text.score(&group.command, &mut matcher, &mut buf) else {
                continue;
            };
            hits.push((quality + frecency, g, r));
        }
        (hits.iter().map(|h| h.1).collect(), best(hits))
    }
}

/// `work` over `items` split across the cores (up to 4): each part's
/// result, in order.
fn in_parallel<R: Send + Default>(items: &[u32], work: impl Fn(&[u32]) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let chunk = items.len().div_ceil(threads).max(4_096);
    std::thread::scope(|s| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(|| work(part)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    })
}

/// The best [`SHOWN`] hits, best first; equal scores keep the older group
/// (the one seen first, so the newer command) first.
fn best(mut hits: Vec<Hit>) -> Vec<Hit> {
    let by_score = |a: &Hit, b: &Hit| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if hits.len() > SHOWN {
        hits.select_nth_unstable_by(SHOWN, by_score);
        hits.truncate(SHOWN);
    }
    hits.sort_unstable_by(by_score);
    hits
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
        let any = Scope::default();
        assert!(commands(&mut index, "", SearchMode::Fuzzy, &any).contains(&"make".to_string()));
        index.forget("make");
        assert!(commands(&mut index, "make", SearchMode::FullText, &any).is_empty());
        // The kept answer to the empty query forgets it too.
        assert_eq!(
            commands(&mut index, "", SearchMode::Fuzzy, &any),
            ["cargo build", "git status", "ls -la"]
        );
    }

    /// The character sets only skip commands nucleo would not match: other
    /// letters' case, characters it normalizes, escaped spaces.
    #[test]
    fn the_character_prefilter_keeps_every_match() {
        let mut index = Index::default();
        index.extend(vec![
            row(4, "Makefile check", 1, "/", "s"),
            row(3, "vim makefile", 2, "/", "s"),
            row(2, "café", 3, "/", "s"),
            row(1, "git status", 4, "/", "s"),
        ]);
        let any = Scope::default();
        let fuzzy = |index: &mut Index, q: &str| commands(index, q, SearchMode::Fuzzy, &any);
        assert_eq!(fuzzy(&mut index, "Mak"), ["Makefile check"]);
        let mut both = fuzzy(&mut index, "mak");
        both.sort();
        assert_eq!(both, ["Makefile check", "vim makefile"]);
        assert_eq!(fuzzy(&mut index, "cafe"), ["café"]);
        assert_eq!(fuzzy(&mut index, "git\\ s"), ["git status"]);
        assert!(fuzzy(&mut index, "gitq").is_empty());
        assert_eq!(
            commands(&mut index, "MAKEFILE", SearchMode::FullText, &any).len(),
            2
        );
        assert_eq!(
            commands(&mut index, "CAF", SearchMode::Prefix, &any),
            ["café"]
        );
    }

    /// Rankings are kept per filter: older rows arriving later, and another
    /// filter, are ranked afresh.
    #[test]
    fn kept_rankings_follow_new_rows_and_filters() {
        let mut index = Index::default();
        index.extend(vec![
            row(10, "git status", 1, "/a", "s1"),
            row(9, "make", 2, "/b", "s1"),
        ]);
        let any = Scope::default();
        assert_eq!(
            commands(&mut index, "", SearchMode::Fuzzy, &any),
            ["git status", "make"]
        );
        let old_makes = (0..8)
            .map(|i| row(8 - i, "make", 3 + i, "/b", "s2"))
            .collect();
        index.extend(old_makes);
        assert_eq!(
            commands(&mut index, "", SearchMode::Fuzzy, &any),
            ["make", "git status"]
        );
        let a = Scope {
            cwd: Some("/a".into()),
            ..Scope::default()
        };
        assert_eq!(
            commands(&mut index, "", SearchMode::Fuzzy, &a),
            ["git status"]
        );
        let shown = index.search("ma", SearchMode::Fuzzy, &any, NOW).0;
        assert_eq!((shown[0].rowid, shown[0].uses), (9, 9));
    }
}
