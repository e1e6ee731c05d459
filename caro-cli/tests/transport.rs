//! Relay URLs and the transport rule (issue 12): a URL is checked in full
//! when it is given, plain `ws://` goes only to this machine unless the user
//! says `--insecure-transport`, a relay that does not answer is not saved,
//! and a server that is not a caro relay is called that.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::util::{stderr_of, with_stdin, Device, Home, Relay};

#[test]
fn a_relay_url_without_a_host_is_a_usage_error() {
    let home = Home::new();
    for args in [
        &["sync", "init", "--relay", "ws://"][..],
        &["sync", "join", "--relay", "ws://:4200"],
        &["sync", "--relay", "wss://"],
        &["sync", "watch", "--relay", "http://relay.example"],
    ] {
        let out = home.caro().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&out).contains("is not a relay URL"),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
}

#[test]
fn plain_ws_to_another_host_is_refused_before_anything_is_asked() {
    let device = Device::offline("A");
    let out = device
        .caro()
        .args(["sync", "init", "--relay", "ws://relay.example:4200"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = stderr_of(&out);
    assert!(
        message.contains("refusing plain ws:// to relay.example"),
        "{message}"
    );
    assert!(message.contains("wss://relay.example"), "{message}");
    assert!(message.contains("--insecure-transport"), "{message}");
    assert!(!device.key_file().exists());
    assert!(!device.daemon_dir().exists());

    // The same from the environment, and for join: refused before the phrase
    // is read (stdin is empty, which would fail otherwise).
    let out = device
        .caro()
        .env("CARO_SYNC_RELAY", "ws://10.1.2.3:4200")
        .args(["sync", "join"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("refusing plain ws:// to 10.1.2.3"));

    // With the flag the rule lets it through: the phrase is what fails now.
    let mut join = device.caro();
    join.args([
        "sync",
        "join",
        "--insecure-transport",
        "--relay",
        "ws://10.1.2.3:4200",
    ]);
    let out = with_stdin(join, "not a phrase");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("refusing plain ws://"));
}

#[test]
fn the_insecure_flag_says_what_it_risks() {
    let out = Home::new()
        .caro()
        .args(["sync", "join", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--insecure-transport"), "{help}");
    assert!(help.contains("pose as the relay"), "{help}");
}

#[test]
fn a_relay_that_does_not_answer_is_not_saved() {
    let relay = Relay::start();
    let device = Device::new("A", &relay);
    device.init();
    let stored = || {
        device
            .store()
            .sync_identity()
            .unwrap()
            .unwrap()
            .relay_url
            .unwrap()
    };
    assert_eq!(stored(), relay.url);

    let out = device
        .caro()
        .args(["sync", "--relay", "ws://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert_eq!(stored(), relay.url, "a failing --relay is not saved");

    // One that answers is.
    let moved = format!("{}/", relay.url.replace("127.0.0.1", "localhost"));
    device.ok(&["sync", "--relay", &moved]);
    assert_eq!(stored(), moved.trim_end_matches('/'));
}

/// A plain HTTP server on a loopback port, answering 200 to everything,
/// stopped and joined on drop.
struct HttpServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                        let mut request = [0u8; 4096];
                        let _ = conn.read(&mut request);
                        let _ = conn.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        HttpServer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn a_plain_http_server_is_not_a_caro_relay() {
    let server = HttpServer::start();
    let url = format!("ws://127.0.0.1:{}", server.port);
    let device = Device::offline("A");
    let phrase_dir = tempfile::tempdir().unwrap();
    let out = device
        .caro()
        .args(["sync", "init", "--relay", &url, "--phrase-file"])
        .arg(phrase_dir.path().join("phrase"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = stderr_of(&out);
    assert!(
        message.contains(&format!("{url} answers, but that is not a caro relay")),
        "{message}"
    );
    assert!(!message.contains("is it running?"), "{message}");
    assert!(!device.key_file().exists());

    // Nothing listening is still "cannot reach".
    drop(server);
    let out = device
        .caro()
        .args([
            "sync",
            "init",
            "--relay",
            "ws://127.0.0.1:9",
            "--phrase-file",
        ])
        .arg(phrase_dir.path().join("phrase-2"))
        .output()
        .unwrap();
    assert!(stderr_of(&out).contains("cannot reach the sync relay"));
}
