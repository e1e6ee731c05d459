//! Where the interactive search was opened (this device, this shell session,
//! this directory, its git repository) and the filter modes built on that.

use std::path::{Path, PathBuf};

use super::index::Scope;

/// Which entries the list shows, cycled with Ctrl-R.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FilterMode {
    /// Every device's history
    #[default]
    All,
    /// Only this device's
    Device,
    /// Only this shell session's ($CARO_SESSION)
    Session,
    /// Only commands run in the current directory
    Directory,
    /// Only commands run inside the current git repository
    Repository,
}

impl FilterMode {
    const CYCLE: [FilterMode; 5] = [
        FilterMode::All,
        FilterMode::Device,
        FilterMode::Session,
        FilterMode::Directory,
        FilterMode::Repository,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FilterMode::All => "all devices",
            FilterMode::Device => "this device",
            FilterMode::Session => "this session",
            FilterMode::Directory => "this directory",
            FilterMode::Repository => "this repository",
        }
    }
}

/// What the modes narrow to.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub device_id: String,
    pub session_id: Option<String>,
    pub cwd: Option<String>,
    pub repo_root: Option<String>,
}

impl Context {
    pub fn detect(device_id: String) -> Self {
        let cwd = std::env::current_dir().ok();
        Context {
            device_id,
            session_id: std::env::var("CARO_SESSION").ok().filter(|s| !s.is_empty()),
            repo_root: cwd
                .as_deref()
                .and_then(git_root)
                .map(|p| p.to_string_lossy().into_owned()),
            cwd: cwd.map(|p| p.to_string_lossy().into_owned()),
        }
    }

    /// The scope of `mode`, or `None` when it does not apply here (no
    /// session id, not inside a repository).
    pub fn scope(&self, mode: FilterMode) -> Option<Scope> {
        let mut scope = Scope::default();
        match mode {
            FilterMode::All => {}
            FilterMode::Device => scope.device_id = Some(self.device_id.clone()),
            FilterMode::Session => scope.session_id = Some(self.session_id.clone()?),
            FilterMode::Directory => scope.cwd = Some(self.cwd.clone()?),
            FilterMode::Repository => scope.under_dir = Some(self.repo_root.clone()?),
        }
        Some(scope)
    }

    /// The next mode after `mode` that applies here.
    pub fn next(&self, mode: FilterMode) -> FilterMode {
        let at = FilterMode::CYCLE
            .iter()
            .position(|m| *m == mode)
            .unwrap_or(0);
        (1..=FilterMode::CYCLE.len())
            .map(|step| FilterMode::CYCLE[(at + step) % FilterMode::CYCLE.len()])
            .find(|m| self.scope(*m).is_some())
            .unwrap_or(FilterMode::All)
    }
}

/// The nearest directory at or above `dir` holding `.git` (a directory, or a
/// file for worktrees and submodules).
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_that_do_not_apply_are_skipped() {
        let ctx = Context {
            device_id: "d".into(),
            cwd: Some("/x".into()),
            ..Context::default()
        };
        assert_eq!(ctx.next(FilterMode::All), FilterMode::Device);
        assert_eq!(ctx.next(FilterMode::Device), FilterMode::Directory);
        assert_eq!(ctx.next(FilterMode::Directory), FilterMode::All);
        assert!(ctx.scope(FilterMode::Session).is_none());
    }

    #[test]
    fn the_repository_is_found_from_a_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        assert_eq!(
            git_root(&dir.path().join("a/b")).as_deref(),
            Some(dir.path())
        );
    }
}
