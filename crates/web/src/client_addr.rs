//! The client's address behind a reverse proxy.
//!
//! In production the server sits behind nginx or another TLS terminator, so every connection
//! comes from the proxy. The per-address limits (sign-in attempts, the public hotline form)
//! would then count the whole province as one client, and the audit log would record the
//! proxy. With `--trusted-proxies`, a request arriving from one of those addresses takes its
//! client from `X-Forwarded-For`: the rightmost address that is not itself a trusted proxy
//! (the entries to its left were written by the client and prove nothing). A request from
//! anywhere else keeps its peer address, whatever headers it sends.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// Addresses and networks of trusted reverse proxies ("127.0.0.1", "10.0.0.0/8", "::1").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies(Vec<(IpAddr, u8)>);

impl Proxies {
    /// A comma-separated list of addresses or CIDR networks; an empty list trusts none.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, bits) = match entry.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (entry, None),
            };
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("\"{entry}\" is not an IP address or a network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("\"{entry}\": the prefix must be 0–{max}"))?,
            };
            nets.push((ip, bits));
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|&(net, bits)| match (canonical(net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(
                    u128::from(u32::from(n)) << 96,
                    u128::from(u32::from(a)) << 96,
                    bits,
                ),
                (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(u128::from(n), u128::from(a), bits),
                _ => false,
            })
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`, as dual-stack sockets report it) is
/// the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: u128, b: u128, bits: u8) -> bool {
    bits == 0 || (a ^ b) >> (128 - u32::from(bits)) == 0
}

/// The client of a request from `peer` carrying `forwarded_for` (the `X-Forwarded-For`
/// values, in order).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl DoubleEndedIterator<Item = &'a str>,
    proxies: &Proxies,
) -> IpAddr {
    if !proxies.contains(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for
        .rev()
        .flat_map(|v| v.rsplit(','))
        .map(str::trim)
    {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            // Garbage where an address should be: stop at the last address trusted so far.
            break;
        };
        client = canonical(ip);
        if !proxies.contains(client) {
            break;
        }
    }
    client
}

/// The client's address, when the request came through a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client's address: the one a trusted proxy forwarded, else the peer's; None for a
/// request that came through no socket (in-process tests).
pub fn client_ip(extensions: &axum::http::Extensions) -> Option<String> {
    if let Some(ClientAddr(ip)) = extensions.get() {
        return Some(ip.to_string());
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Puts the request's [`ClientAddr`] in its extensions for everything after it.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let proxies = &state.settings.trusted_proxies;
        let values = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let client = client_address(peer.ip(), values, proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn lists_of_addresses_and_networks_are_read_and_bad_ones_named() {
        let p = Proxies::parse(" 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,").unwrap();
        assert!(p.contains(ip("127.0.0.1")));
        assert!(!p.contains(ip("127.0.0.2")));
        assert!(p.contains(ip("10.200.3.4")));
        assert!(!p.contains(ip("11.0.0.1")));
        assert!(p.contains(ip("::1")));
        assert!(p.contains(ip("fd12::5")));
        assert!(!p.contains(ip("fe80::1")));
        // A dual-stack socket reports IPv4 peers as IPv6.
        assert!(p.contains(ip("::ffff:127.0.0.1")));
        assert!(Proxies::parse("").unwrap().is_empty());
        assert!(Proxies::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/x"] {
            let e = Proxies::parse(bad).unwrap_err();
            assert!(e.contains(bad.split('/').next().unwrap()), "{bad}: {e}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_address_not_a_trusted_proxy() {
        let proxies = Proxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let client =
            |peer: &str, xff: &[&str]| client_address(ip(peer), xff.iter().copied(), &proxies);
        // Through the local nginx.
        assert_eq!(client("127.0.0.1", &["203.0.113.7"]), ip("203.0.113.7"));
        // Through a load balancer too; what the client claimed on the left is ignored.
        assert_eq!(
            client("127.0.0.1", &["1.2.3.4, 203.0.113.7", "10.1.1.1"]),
            ip("203.0.113.7")
        );
        // A direct connection keeps its own address, whatever it claims.
        assert_eq!(client("198.51.100.9", &["1.2.3.4"]), ip("198.51.100.9"));
        // From a proxy without the header, or with garbage: the proxy (or the last trusted hop).
        assert_eq!(client("127.0.0.1", &[]), ip("127.0.0.1"));
        assert_eq!(client("127.0.0.1", &["unknown"]), ip("127.0.0.1"));
        assert_eq!(
            client("127.0.0.1", &["203.0.113.7, junk, 10.0.0.5"]),
            ip("10.0.0.5")
        );
        // Every hop trusted: the leftmost one.
        assert_eq!(client("127.0.0.1", &["10.0.0.1, 10.0.0.2"]), ip("10.0.0.1"));
        // Nothing trusted: the peer, always.
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                ["203.0.113.7"].into_iter(),
                &Proxies::default()
            ),
            ip("127.0.0.1")
        );
    }
}
