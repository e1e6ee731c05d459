//! The search thread: it answers queries from SQL (one indexed page) while
//! it loads the whole history in chunks, then from memory. The UI thread only
//! draws: a keystroke never waits for matching.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};

use super::index::{Index, Scope, Shown, SHOWN};
use super::Event;
use crate::store::{fuzzy_like_patterns, like_escape, EntryFilter, SearchMode, Store};

/// Rows read per chunk of the background load.
const CHUNK: usize = 20_000;

/// One search, tagged so the UI can drop answers to older ones.
#[derive(Debug, Clone)]
pub struct Request {
    pub generation: u64,
    pub query: String,
    pub mode: SearchMode,
    pub scope: Scope,
}

pub enum ToWorker {
    Search(Request),
    /// A command line was deleted: drop it (a new search follows).
    Forget(String),
}

/// The answer to a [`Request`].
#[derive(Debug)]
pub struct Results {
    pub generation: u64,
    pub rows: Vec<Shown>,
    /// How many distinct commands matched (at least `rows.len()`).
    pub matched: usize,
    /// Whether the whole history was searched (else one page of it).
    pub complete: bool,
}

/// Answers `request` from one SQL page: the first draw, and any search
/// before the history is loaded.
pub fn page(
    store: &Store,
    base: &EntryFilter,
    request: &Request,
    now_ms: i64,
) -> crate::store::Result<Results> {
    let scope = EntryFilter {
        cwd: request.scope.cwd.clone(),
        under_dir: request.scope.under_dir.clone(),
        device: request.scope.device_id.clone(),
        session_id: request.scope.session_id.clone(),
        ..EntryFilter::default()
    };
    let query = request.query.trim();
    let patterns = match request.mode {
        _ if query.is_empty() => Vec::new(),
        SearchMode::FullText => query
            .split_whitespace()
            .map(|w| format!("%{}%", like_escape(w)))
            .collect(),
        SearchMode::Prefix => vec![format!("{}%", like_escape(&request.query))],
        SearchMode::Fuzzy => fuzzy_like_patterns(query),
    };
    let rows = store.compact_page(&[base, &scope], &patterns, SHOWN * 4)?;
    let mut index = Index::default();
    index.extend(rows);
    let (rows, matched) = index.search(&request.query, request.mode, &Scope::default(), now_ms);
    Ok(Results {
        generation: request.generation,
        rows,
        matched,
        complete: false,
    })
}

/// Starts the thread; it ends when the returned sender is dropped. `shown`
/// is the request already answered from a page: it is answered again once
/// the whole history is loaded.
pub fn spawn(
    path: PathBuf,
    base: EntryFilter,
    shown: Request,
    now_ms: i64,
    events: Sender<Event>,
) -> Sender<ToWorker> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        if let Err(e) = run(&path, &base, shown, now_ms, &rx, &events) {
            let _ = events.send(Event::Failed(format!("{e:#}")));
        }
    });
    tx
}

fn run(
    path: &std::path::Path,
    base: &EntryFilter,
    shown: Request,
    now_ms: i64,
    rx: &Receiver<ToWorker>,
    events: &Sender<Event>,
) -> anyhow::Result<()> {
    let store = Store::open(path)?;
    let mut index = Index::default();
    let mut cursor: Option<(i64, i64)> = None;
    let mut complete = false;
    let mut last = Some(shown);
    loop {
        let first = if complete {
            match rx.recv() {
                Ok(message) => Some(message),
                Err(_) => return Ok(()),
            }
        } else {
            match rx.try_recv() {
                Ok(message) => Some(message),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return Ok(()),
            }
        };
        let mut pending = None;
        for message in first.into_iter().chain(rx.try_iter()) {
            match message {
                ToWorker::Search(request) => pending = Some(request),
                ToWorker::Forget(command) => index.forget(&command),
            }
        }
        if let Some(request) = pending {
            let results = if complete {
                search(&mut index, &request, now_ms)
            } else {
                page(&store, base, &request, now_ms)?
            };
            if events.send(Event::Results(results)).is_err() {
                return Ok(());
            }
            last = Some(request);
        }
        if !complete {
            let chunk = store.compact_chunk(base, cursor, CHUNK)?;
            complete = chunk.len() < CHUNK;
            cursor = chunk.last().map(|r| (r.created_at, r.rowid));
            index.extend(chunk);
            if complete {
                if let Some(request) = &last {
                    let results = search(&mut index, request, now_ms);
                    if events.send(Event::Results(results)).is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

fn search(index: &mut Index, request: &Request, now_ms: i64) -> Results {
    let (rows, matched) = index.search(&request.query, request.mode, &request.scope, now_ms);
    Results {
        generation: request.generation,
        rows,
        matched,
        complete: true,
    }
}
