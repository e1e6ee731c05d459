//! Relay URLs: checked in full where they enter caro (`--relay`,
//! `CARO_SYNC_RELAY`), and the transport rule: plain `ws://` only to this
//! machine. Whoever is on the path of a `ws://` connection to another host
//! can pose as the relay, withhold or replay what it sends, and read the
//! account id, device ids, timing and sizes (issue 12); commands stay sealed
//! either way. Any other host needs `wss://`, or `--insecure-transport`.

use std::net::TcpStream;
use std::time::Duration;

use url::{Host, Url};

use crate::error::UsageError;

/// How long [`something_listens`] waits for a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The flag that accepts plain `ws://` to another host.
pub const INSECURE_FLAG: &str = "--insecure-transport";

/// Checks `value` as a relay URL (clap's value parser for `--relay`): a
/// `ws://` or `wss://` scheme, a host, no user name or password, no
/// fragment. Returns it without a trailing slash.
pub fn parse(value: &str) -> Result<String, String> {
    let url = Url::parse(value).map_err(|e| {
        format!("'{value}' is not a relay URL ({e}): use ws://HOST:PORT or wss://HOST")
    })?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(format!(
            "'{value}' is not a relay URL: it starts with {}://, a relay takes ws://HOST:PORT or wss://HOST",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "'{value}' names no host: use ws://HOST:PORT or wss://HOST"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "'{value}' holds a user name or password, which would be stored and shown in \
             `caro sync status`: give the relay's URL without them"
        ));
    }
    if url.fragment().is_some() {
        return Err(format!(
            "'{value}' has a #fragment, which a relay URL cannot use: remove it"
        ));
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// `url` as shown to a person: the relay's access token (`?token=…`, a
/// password for the relay) replaced by `…`, so it never lands in a terminal
/// log, a screenshot or a bug report. Anything that is not a URL is shown as is.
pub fn for_display(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        return url.to_string();
    };
    if !parsed.query_pairs().any(|(key, _)| key == "token") {
        return url.to_string();
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "token" {
                "…".to_string()
            } else {
                value.into_owned()
            };
            (key.into_owned(), value)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string().replace("%E2%80%A6", "…")
}

/// Whether `url` points at this machine: 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// Refuses (as a usage error) a `ws://` URL to a host other than this
/// machine unless `insecure` says the user accepts the risk. `value` has
/// passed [`parse`] or is checked here.
pub fn check_transport(value: &str, insecure: bool) -> anyhow::Result<()> {
    let checked = parse(value).map_err(UsageError)?;
    let url = Url::parse(&checked).map_err(|e| UsageError(e.to_string()))?;
    if url.scheme() == "ws" && !is_loopback(&url) && !insecure {
        let host = url.host_str().unwrap_or_default();
        return Err(UsageError(format!(
            "refusing plain ws:// to {host}: anyone on the network path could pose as the relay, \
             withhold your devices' changes, and see your account id and when and how much you \
             sync (commands stay encrypted); use wss://{host} (the relay behind a TLS proxy, see \
             the README), or add {INSECURE_FLAG} if you trust every network between you and it"
        ))
        .into());
    }
    Ok(())
}

/// Whether something accepts TCP connections at `url`'s host and port: when
/// the daemon could not open a WebSocket there, this tells "nothing is
/// listening" from "something that is not a caro relay answered".
pub fn something_listens(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    let Ok(addrs) = url.socket_addrs(|| None) else {
        return false;
    };
    addrs
        .iter()
        .any(|addr| TcpStream::connect_timeout(addr, PROBE_TIMEOUT).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_relay_urls_and_trims_the_slash() {
        assert_eq!(
            parse("ws://127.0.0.1:4200/").unwrap(),
            "ws://127.0.0.1:4200"
        );
        assert_eq!(
            parse("wss://relay.example/?token=abc").unwrap(),
            "wss://relay.example/?token=abc"
        );
        assert!(parse("ws://[::1]:4200").is_ok());
    }

    #[test]
    fn parse_refuses_what_no_relay_can_be() {
        for (url, why) in [
            ("ws://", "not a relay URL (empty host)"),
            ("ws://:4200", "not a relay URL (empty host)"),
            ("http://relay.example", "starts with http://"),
            ("relay.example:4200", "starts with relay.example://"),
            ("ws://relay.example:99999", "invalid port number"),
            ("wss://me:secret@relay.example", "user name or password"),
            ("wss://relay.example/#x", "#fragment"),
        ] {
            let err = parse(url).unwrap_err();
            assert!(err.contains(why), "{url}: {err}");
        }
    }

    #[test]
    fn plain_ws_only_to_this_machine() {
        for url in [
            "ws://127.0.0.1:4200",
            "ws://127.8.9.10",
            "ws://localhost:4200",
            "ws://LOCALHOST",
            "ws://[::1]:4200",
            "ws://[::ffff:127.0.0.1]",
            "wss://relay.example",
        ] {
            assert!(check_transport(url, false).is_ok(), "{url}");
        }
        for url in [
            "ws://relay.example:4200",
            "ws://192.168.1.2",
            "ws://128.0.0.1",
            "ws://localhost.evil.example",
            "ws://[::2]",
        ] {
            let err = check_transport(url, false).unwrap_err();
            assert!(err.to_string().contains("refusing plain ws://"), "{url}");
            assert!(err.is::<UsageError>());
            assert!(check_transport(url, true).is_ok(), "{url}");
        }
    }

    #[test]
    fn the_token_is_never_shown() {
        assert_eq!(
            for_display("ws://127.0.0.1:4200/?token=s3cr3t"),
            "ws://127.0.0.1:4200/?token=…"
        );
        assert_eq!(
            for_display("wss://relay.example/?a=1&token=s3cr3t"),
            "wss://relay.example/?a=1&token=…"
        );
        assert_eq!(for_display("ws://127.0.0.1:4200"), "ws://127.0.0.1:4200");
        assert_eq!(for_display("not a url"), "not a url");
    }
}
