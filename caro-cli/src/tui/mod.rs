//! `caro history search --interactive`: a full-screen search drawn on
//! `/dev/tty`, so it works inside `$(...)`: the chosen command goes to stdout.
//!
//! Exit status (what the shell widgets read): 0 and the command on stdout
//! after Enter (run it), 10 and the command after Tab (edit it first), 130
//! and nothing after Esc or Ctrl-C, 1 on an error.
//!
//! Launch draws one indexed SQL page before anything else is loaded; a
//! search thread then loads the whole history and matches in memory, and a
//! key-reading thread feeds the same channel, so the UI thread only draws.

mod app;
mod context;
mod index;
mod text;
mod view;
mod worker;

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::Args;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event as TermEvent};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;

use crate::paths::Paths;
use crate::store::{EntryFilter, SearchMode, Store};
use app::{App, Outcome, Step};
pub use context::FilterMode;

/// The exit status after Tab: the line is for editing, not for running.
pub const EDIT_EXIT_CODE: i32 = 10;
/// The exit status after Esc or Ctrl-C (as fzf).
pub const CANCEL_EXIT_CODE: i32 = 130;

/// How long a typed key waits for its results before it is drawn alone:
/// less than a frame of a 60 Hz screen, and longer than a search of
/// 100,000 entries takes.
const ANSWER_WAIT: Duration = Duration::from_millis(10);

/// Keys, for `caro history search --help`.
pub const KEYS_HELP: &str = "\
Interactive search keys (--interactive):
  type           search (Backspace, Ctrl-U clears, Ctrl-W drops a word)
  Up/Down, Ctrl-P/Ctrl-N, PageUp/PageDown   move
  Enter          print the command and exit 0 (the shell widgets run it)
  Tab            print the command and exit 10 (the widgets put it at the prompt to edit)
  Esc, Ctrl-C    print nothing and exit 130
  Ctrl-S         search mode: fuzzy -> prefix -> full-text
  Ctrl-R         filter: all devices -> this device -> this session -> this directory
                 -> this git repository (modes that do not apply here are skipped)
  Ctrl-O         inspect the entry: every field and its risk warnings (Esc goes back)
  Ctrl-D         delete every entry of that command, on every device (asks y/n)";

#[derive(Debug, Clone, Default, Args)]
pub struct InteractiveArgs {
    /// Pick from a full-screen search on the terminal; the command chosen is
    /// printed (keys below)
    #[arg(long, short = 'i')]
    pub interactive: bool,
    /// How the query matches: fuzzy (interactive default), prefix, or
    /// full-text (the plain search's default)
    #[arg(long, value_enum, value_name = "MODE")]
    pub search_mode: Option<SearchMode>,
    /// The interactive search's starting filter
    #[arg(long, value_enum, value_name = "MODE", default_value_t = FilterMode::All, requires = "interactive")]
    pub filter_mode: FilterMode,
}

pub fn run(args: &InteractiveArgs, query: &str, base: EntryFilter) -> Result<()> {
    let paths = Paths::from_env()?;
    paths.ensure_data_dir()?;
    let db = paths.history_db();
    let mut store = Store::open(&db)?;
    let now_ms = crate::time::now_ms();
    let context = context::Context::detect(store.current_device_id()?);
    let filter = if context.scope(args.filter_mode).is_some() {
        args.filter_mode
    } else {
        FilterMode::All
    };
    let mut app = App {
        query: query.to_string(),
        mode: args.search_mode.unwrap_or(SearchMode::Fuzzy),
        filter,
        context,
        generation: 0,
        results: None,
        selected: 0,
        offset: 0,
        inspected: None,
        confirm: None,
        message: (filter != args.filter_mode).then(|| {
            format!(
                "{} does not apply here: showing all",
                args.filter_mode.label()
            )
        }),
        devices: store.device_names()?,
        now_ms,
        page: 1,
    };
    let first = app.request();
    app.receive(worker::page(&store, &base, &first, now_ms)?);

    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .context("the interactive search needs a terminal (/dev/tty)")?;
    let outcome = {
        let mut screen = Screen::enter(tty)?;
        let (events, received) = mpsc::channel();
        let keys = events.clone();
        std::thread::spawn(move || read_keys(&keys));
        screen.draw(&mut app)?;
        let search = worker::spawn(db, base, first, now_ms, events);
        // After a search is asked for, the screen waits for its answer (at
        // most ANSWER_WAIT) so that the new query and its results are drawn
        // once, not twice.
        let mut draw_by: Option<Instant> = None;
        loop {
            let event = match draw_by {
                Some(at) => {
                    match received.recv_timeout(at.saturating_duration_since(Instant::now())) {
                        Err(RecvTimeoutError::Timeout) => {
                            draw_by = None;
                            screen.draw(&mut app)?;
                            continue;
                        }
                        other => other.map_err(|_| ()),
                    }
                }
                None => received.recv().map_err(|_| ()),
            };
            let step = match event {
                Ok(Event::Key(key)) => app.key(key, &mut store),
                Ok(Event::Resize) => Step::Redraw,
                Ok(Event::Results(results)) => {
                    app.receive(results);
                    Step::Redraw
                }
                Ok(Event::Failed(message)) => {
                    app.message = Some(format!("search stopped: {message}"));
                    Step::Redraw
                }
                Err(_) => break Outcome::Cancel,
            };
            match step {
                Step::Ignore => continue,
                Step::Redraw => {}
                Step::Search => {
                    let _ = search.send(worker::ToWorker::Search(app.request()));
                    draw_by = draw_by.or(Some(Instant::now() + ANSWER_WAIT));
                    continue;
                }
                Step::Deleted(command) => {
                    let _ = search.send(worker::ToWorker::Forget(command));
                    let _ = search.send(worker::ToWorker::Search(app.request()));
                }
                Step::Done(outcome) => break outcome,
            }
            draw_by = None;
            screen.draw(&mut app)?;
        }
    };
    drop(store);
    finish(&outcome)
}

/// What the UI thread waits for.
pub enum Event {
    Key(event::KeyEvent),
    Resize,
    Results(worker::Results),
    Failed(String),
}

fn read_keys(events: &mpsc::Sender<Event>) {
    loop {
        let event = match event::read() {
            Ok(TermEvent::Key(key)) => Event::Key(key),
            Ok(TermEvent::Resize(..)) => Event::Resize,
            Ok(_) => continue,
            Err(e) => Event::Failed(format!("cannot read the terminal: {e}")),
        };
        let failed = matches!(event, Event::Failed(_));
        if events.send(event).is_err() || failed {
            return;
        }
    }
}

/// Prints the outcome and exits with its status (the terminal is restored).
fn finish(outcome: &Outcome) -> Result<()> {
    let (line, code) = match outcome {
        Outcome::Run(command) => (Some(command), 0),
        Outcome::Edit(command) => (Some(command), EDIT_EXIT_CODE),
        Outcome::Cancel => (None, CANCEL_EXIT_CODE),
    };
    if let Some(line) = line {
        let mut out = crate::commands::output::stdout();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    if code != 0 {
        std::process::exit(code);
    }
    Ok(())
}

/// The alternate screen in raw mode on the terminal; left on drop, also
/// when drawing fails.
struct Screen {
    terminal: Terminal<CrosstermBackend<BufWriter<File>>>,
}

impl Screen {
    fn enter(tty: File) -> Result<Self> {
        enable_raw_mode().context("cannot put the terminal in raw mode")?;
        let mut out = BufWriter::new(tty);
        let entered = execute!(out, EnterAlternateScreen, cursor::Hide);
        let terminal = Terminal::new(CrosstermBackend::new(out));
        match (entered, terminal) {
            (Ok(()), Ok(terminal)) => Ok(Screen { terminal }),
            (Err(e), _) | (_, Err(e)) => {
                let _ = disable_raw_mode();
                Err(e).context("cannot draw on the terminal")
            }
        }
    }

    fn draw(&mut self, app: &mut App) -> Result<()> {
        self.terminal.draw(|frame| {
            app.page = usize::from(frame.area().height.saturating_sub(2));
            view::draw(frame, app);
        })?;
        Ok(())
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(
            self.terminal.backend_mut(),
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
    }
}
