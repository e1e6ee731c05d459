//! The interactive search's state and what each key does to it. No drawing
//! and no matching here: keys change the state, and a changed query or mode
//! becomes a request for the search thread.

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::context::{Context, FilterMode};
use super::worker::{Request, Results};
use crate::store::{HistoryEntry, SearchMode, Store};

/// How the search ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Enter: run this command line.
    Run(String),
    /// Tab: put it at the prompt for editing.
    Edit(String),
    /// Esc or Ctrl-C.
    Cancel,
}

/// What a key asks of the loop.
pub enum Step {
    /// Redraw.
    Redraw,
    /// The query or a mode changed: search again, then redraw.
    Search,
    /// Nothing visible changed.
    Ignore,
    /// A command line was deleted: drop it from the search thread's memory.
    Deleted(String),
    Done(Outcome),
}

/// A delete waiting for `y`.
pub struct Confirm {
    pub command: String,
    pub ids: Vec<String>,
}

pub struct App {
    pub query: String,
    pub mode: SearchMode,
    pub filter: FilterMode,
    pub context: Context,
    pub generation: u64,
    pub results: Option<Results>,
    pub selected: usize,
    pub offset: usize,
    pub inspected: Option<(HistoryEntry, usize)>,
    pub confirm: Option<Confirm>,
    pub message: Option<String>,
    pub devices: HashMap<String, String>,
    pub now_ms: i64,
    /// Rows the list can show at once (from the last draw).
    pub page: usize,
}

impl App {
    pub fn mode_label(&self) -> &'static str {
        match self.mode {
            SearchMode::Fuzzy => "fuzzy",
            SearchMode::Prefix => "prefix",
            SearchMode::FullText => "full-text",
        }
    }

    /// The next request; a new generation, so older answers are dropped.
    pub fn request(&mut self) -> Request {
        self.generation += 1;
        Request {
            generation: self.generation,
            query: self.query.clone(),
            mode: self.mode,
            scope: self.context.scope(self.filter).unwrap_or_default(),
        }
    }

    /// Takes an answer if it is for the newest request.
    pub fn receive(&mut self, results: Results) {
        if results.generation != self.generation {
            return;
        }
        let count = results.rows.len();
        self.results = Some(results);
        self.selected = self.selected.min(count.saturating_sub(1));
        self.scroll();
    }

    fn selected_row(&self) -> Option<&super::index::Shown> {
        self.results.as_ref()?.rows.get(self.selected)
    }

    fn selected_command(&self) -> Option<String> {
        self.selected_row().map(|r| r.command.clone())
    }

    pub fn key(&mut self, key: KeyEvent, store: &mut Store) -> Step {
        if key.kind == KeyEventKind::Release {
            return Step::Ignore;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(confirm) = self.confirm.take() {
            return self.confirm_delete(key, confirm, store);
        }
        self.message = None;
        match key.code {
            KeyCode::Esc if self.inspected.is_some() => {
                self.inspected = None;
                Step::Redraw
            }
            KeyCode::Esc => Step::Done(Outcome::Cancel),
            KeyCode::Char('c' | 'g') if ctrl => Step::Done(Outcome::Cancel),
            KeyCode::Enter => self
                .selected_command()
                .map_or(Step::Ignore, |c| Step::Done(Outcome::Run(c))),
            KeyCode::Tab => self
                .selected_command()
                .map_or(Step::Ignore, |c| Step::Done(Outcome::Edit(c))),
            KeyCode::Up | KeyCode::Char('p') if key.code == KeyCode::Up || ctrl => self.move_by(-1),
            KeyCode::Down | KeyCode::Char('n') if key.code == KeyCode::Down || ctrl => {
                self.move_by(1)
            }
            KeyCode::PageUp => self.move_by(-(self.page.max(1) as isize)),
            KeyCode::PageDown => self.move_by(self.page.max(1) as isize),
            KeyCode::Char('s') if ctrl => {
                self.mode = match self.mode {
                    SearchMode::Fuzzy => SearchMode::Prefix,
                    SearchMode::Prefix => SearchMode::FullText,
                    SearchMode::FullText => SearchMode::Fuzzy,
                };
                self.selected = 0;
                Step::Search
            }
            KeyCode::Char('r') if ctrl => {
                self.filter = self.context.next(self.filter);
                self.selected = 0;
                Step::Search
            }
            KeyCode::Char('o') if ctrl => self.toggle_inspector(store),
            KeyCode::Char('d') if ctrl => self.ask_delete(store),
            KeyCode::Char('u') if ctrl => self.edit(String::clear),
            KeyCode::Char('w') if ctrl => self.edit(|q| {
                let end = q.trim_end().len();
                let start = q[..end].rfind(' ').map_or(0, |i| i + 1);
                q.truncate(start);
            }),
            KeyCode::Backspace => self.edit(|q| {
                q.pop();
            }),
            KeyCode::Char(c) if !ctrl => self.edit(|q| q.push(c)),
            _ => Step::Ignore,
        }
    }

    fn edit(&mut self, change: impl FnOnce(&mut String)) -> Step {
        let before = self.query.clone();
        change(&mut self.query);
        if self.query == before {
            return Step::Ignore;
        }
        self.inspected = None;
        self.selected = 0;
        self.offset = 0;
        Step::Search
    }

    fn move_by(&mut self, delta: isize) -> Step {
        let count = self.results.as_ref().map_or(0, |r| r.rows.len());
        if count == 0 {
            return Step::Ignore;
        }
        let target = (self.selected as isize + delta).clamp(0, count as isize - 1) as usize;
        if target == self.selected {
            return Step::Ignore;
        }
        self.selected = target;
        if self.inspected.is_some() {
            self.inspected = None;
        }
        self.scroll();
        Step::Redraw
    }

    fn scroll(&mut self) {
        let page = self.page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    fn toggle_inspector(&mut self, store: &Store) -> Step {
        if self.inspected.take().is_some() {
            return Step::Redraw;
        }
        let Some(row) = self.selected_row() else {
            return Step::Ignore;
        };
        let (rowid, uses) = (row.rowid, row.uses);
        match store.entry_by_rowid(rowid) {
            Ok(Some(entry)) => self.inspected = Some((entry, uses)),
            Ok(None) => self.message = Some("that entry was deleted meanwhile".into()),
            Err(e) => self.message = Some(format!("cannot read the entry: {e}")),
        }
        Step::Redraw
    }

    fn ask_delete(&mut self, store: &Store) -> Step {
        let Some(command) = self.selected_command() else {
            return Step::Ignore;
        };
        match store.ids_of_command(&command) {
            Ok(ids) => {
                self.confirm = Some(Confirm { command, ids });
            }
            Err(e) => self.message = Some(format!("cannot delete: {e}")),
        }
        Step::Redraw
    }

    fn confirm_delete(&mut self, key: KeyEvent, confirm: Confirm, store: &mut Store) -> Step {
        if key.code != KeyCode::Char('y') {
            self.message = Some("nothing deleted".into());
            return Step::Redraw;
        }
        match store.delete(&confirm.ids) {
            Ok(n) => {
                self.message = Some(format!(
                    "deleted {n} entr{}",
                    if n == 1 { "y" } else { "ies" }
                ));
                self.inspected = None;
                if let Some(results) = &mut self.results {
                    results.rows.retain(|r| r.command != confirm.command);
                    results.matched = results.matched.saturating_sub(1);
                }
                Step::Deleted(confirm.command)
            }
            Err(e) => {
                self.message = Some(format!("nothing deleted: {e}"));
                Step::Redraw
            }
        }
    }
}
