//! A loopback TCP proxy between daemons and a relay, for the network-fault
//! tests (`tests/faults.rs`): std threads, one pair per connection, so a
//! fault is a flag the pumps read between chunks.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A TCP proxy on 127.0.0.1 in front of a relay, which the test turns into
/// a bad network path: added latency each way ([`FaultProxy::set_latency`]),
/// connections cut ([`FaultProxy::cut`]) and new ones refused
/// ([`FaultProxy::set_refusing`]), or a path that goes silent without closing
/// anything ([`FaultProxy::stall`]): every open connection, and every new one
/// until [`FaultProxy::heal`], is a black hole for good (as when a NAT or a
/// firewall drops a flow), so only a keep-alive timeout can notice it.
/// Everything stops on drop.
pub struct FaultProxy {
    pub port: u16,
    state: Arc<ProxyState>,
    accept: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct ProxyState {
    stop: AtomicBool,
    refusing: AtomicBool,
    stalled: AtomicBool,
    latency_ms: AtomicU64,
    /// Bytes forwarded from the clients to the relay.
    upstream_bytes: AtomicU64,
    /// Connections made while the path was stalled.
    stalled_connections: AtomicU64,
    connections: Mutex<Vec<ProxyConnection>>,
}

struct ProxyConnection {
    client: TcpStream,
    relay: Option<TcpStream>,
    holed: Arc<AtomicBool>,
}

impl ProxyConnection {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(relay) = &self.relay {
            let _ = relay.shutdown(Shutdown::Both);
        }
    }
}

impl FaultProxy {
    /// A proxy that forwards to the relay on `relay_port`.
    pub fn start(relay_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(ProxyState::default());
        let shared = state.clone();
        let accept = thread::spawn(move || {
            while !shared.stop.load(SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        if shared.refusing.load(SeqCst) {
                            continue;
                        }
                        client.set_nonblocking(false).unwrap();
                        proxy_connection(&shared, client, relay_port);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FaultProxy {
            port,
            state,
            accept: Some(accept),
        }
    }

    /// Delays every chunk, each way, by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.state
            .latency_ms
            .store(latency.as_millis() as u64, SeqCst);
    }

    /// Closes every connection open now (both ends see it end).
    pub fn cut(&self) {
        let mut connections = self.state.connections.lock().unwrap();
        for connection in connections.iter() {
            connection.close();
        }
        connections.clear();
    }

    /// While true, each new connection is closed as soon as it is accepted.
    pub fn set_refusing(&self, refusing: bool) {
        self.state.refusing.store(refusing, SeqCst);
    }

    /// Makes every open connection, and each new one until [`Self::heal`],
    /// a black hole: kept open, nothing forwarded either way, ever.
    pub fn stall(&self) {
        self.state.stalled.store(true, SeqCst);
        for connection in self.state.connections.lock().unwrap().iter() {
            connection.holed.store(true, SeqCst);
        }
    }

    /// New connections are forwarded again (the black holes stay).
    pub fn heal(&self) {
        self.state.stalled.store(false, SeqCst);
    }

    /// How many connections were made (and black-holed) while stalled.
    pub fn stalled_connections(&self) -> u64 {
        self.state.stalled_connections.load(SeqCst)
    }

    /// Bytes forwarded so far from the clients to the relay.
    pub fn upstream_bytes(&self) -> u64 {
        self.state.upstream_bytes.load(SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        for connection in self.state.connections.lock().unwrap().drain(..) {
            connection.close();
        }
    }
}

/// Connects `client` to the relay (unless the path is stalled: then it is a
/// black hole from the start) and pumps both ways on threads of its own.
fn proxy_connection(state: &Arc<ProxyState>, client: TcpStream, relay_port: u16) {
    let holed = Arc::new(AtomicBool::new(state.stalled.load(SeqCst)));
    if holed.load(SeqCst) {
        state.stalled_connections.fetch_add(1, SeqCst);
    }
    let relay = if holed.load(SeqCst) {
        None
    } else {
        match TcpStream::connect(("127.0.0.1", relay_port)) {
            Ok(relay) => Some(relay),
            Err(_) => return,
        }
    };
    if let Some(relay) = &relay {
        for (from, to, upstream) in [
            (
                client.try_clone().unwrap(),
                relay.try_clone().unwrap(),
                true,
            ),
            (
                relay.try_clone().unwrap(),
                client.try_clone().unwrap(),
                false,
            ),
        ] {
            let state = state.clone();
            let holed = holed.clone();
            thread::spawn(move || pump(&state, &holed, from, to, upstream));
        }
    }
    state.connections.lock().unwrap().push(ProxyConnection {
        client,
        relay,
        holed,
    });
}

fn pump(
    state: &ProxyState,
    holed: &AtomicBool,
    mut from: TcpStream,
    mut to: TcpStream,
    upstream: bool,
) {
    from.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    while !state.stop.load(SeqCst) {
        if holed.load(SeqCst) {
            // A black hole reads nothing and sends nothing, and never closes.
            thread::sleep(Duration::from_millis(50));
            continue;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => break,
        };
        let latency = state.latency_ms.load(SeqCst);
        if latency > 0 {
            thread::sleep(Duration::from_millis(latency));
        }
        while holed.load(SeqCst) && !state.stop.load(SeqCst) {
            thread::sleep(Duration::from_millis(50));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if upstream {
            state.upstream_bytes.fetch_add(n as u64, SeqCst);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
