//! The address of the client behind a request, from trusted inputs only.
//!
//! The TCP peer is the client unless the operator said otherwise: a reverse proxy in front of
//! duluan is named with `--trusted-proxies` (`DULUAN_TRUSTED_PROXIES`, addresses or networks
//! such as `127.0.0.1,10.0.0.0/8`). Only when the peer is one of them is `X-Forwarded-For`
//! read, from the right: each proxy appends the address it saw, so the right-most address that
//! is not a trusted proxy is the client; everything to its left was written by the client and
//! proves nothing. Without the setting the header is ignored, so a client cannot pick its own
//! address (and its own rate-limit bucket). The `Host` header never plays a part.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;

/// A trusted proxy: one address (`10.1.2.3`, `::1`) or a network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    net: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    /// Whether `ip` lies in this address or network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an IP address or a network such as 10.0.0.0/8");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let net = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(TrustedProxy { net, prefix })
    }
}

impl fmt::Debug for TrustedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) is the
/// IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry: a bare address, or one with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .or_else(|_| s.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(canonical)
}

/// The client's address: the TCP `peer`, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` address that is not a trusted proxy (the left-most one when all are
/// trusted). An entry that is not an address stops the walk at the last proxy that wrote a
/// valid one.
pub fn client_addr(peer: SocketAddr, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let mut client = canonical(peer.ip());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// The part of an address that identifies one client for limits: the whole IPv4 address, the
/// /64 network of an IPv6 address (one subscriber usually holds a whole /64 and could otherwise
/// take a fresh address for every request).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u128::MAX >> 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(peer: &str, xff: &[&str], trusted: &[&str], expected: &str) {
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        let trusted: Vec<TrustedProxy> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        let peer: SocketAddr = peer.parse().unwrap();
        assert_eq!(
            client_addr(peer, &headers, &trusted),
            expected.parse::<IpAddr>().unwrap(),
            "peer {peer}, X-Forwarded-For {xff:?}, trusted {trusted:?}"
        );
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        // No setting: the header is ignored.
        check("203.0.113.5:1000", &["1.2.3.4"], &[], "203.0.113.5");
        // A peer that is not the trusted proxy: ignored too.
        check(
            "203.0.113.5:1000",
            &["1.2.3.4"],
            &["10.0.0.1"],
            "203.0.113.5",
        );
        // Behind the proxy: the right-most untrusted address, whatever the client prepended.
        check(
            "10.0.0.1:1000",
            &["6.6.6.6, 198.51.100.7"],
            &["10.0.0.1"],
            "198.51.100.7",
        );
        check(
            "10.0.0.1:1000",
            &["6.6.6.6", "198.51.100.7"],
            &["10.0.0.0/8"],
            "198.51.100.7",
        );
        check(
            "10.0.0.1:1000",
            &["6.6.6.6, 198.51.100.7, 10.0.0.9"],
            &["10.0.0.0/8"],
            "198.51.100.7",
        );
        // All trusted: the left-most.
        check(
            "10.0.0.1:1000",
            &["10.0.0.3, 10.0.0.2"],
            &["10.0.0.0/8"],
            "10.0.0.3",
        );
        // No header, or garbage: the nearest hop we can vouch for.
        check("10.0.0.1:1000", &[], &["10.0.0.1"], "10.0.0.1");
        check("10.0.0.1:1000", &["nonsense"], &["10.0.0.1"], "10.0.0.1");
        check(
            "10.0.0.1:1000",
            &["1.2.3.4, nonsense"],
            &["10.0.0.1"],
            "10.0.0.1",
        );
        // Ports, IPv6 and IPv4 written as IPv6.
        check(
            "[::1]:1000",
            &["[2001:db8::5]:443"],
            &["::1"],
            "2001:db8::5",
        );
        check(
            "[::ffff:10.0.0.1]:1000",
            &["198.51.100.7:80"],
            &["10.0.0.1"],
            "198.51.100.7",
        );
    }

    #[test]
    fn proxies_parse_and_match() {
        let net: TrustedProxy = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.200.1.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        let all: TrustedProxy = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!(!all.contains("::2".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert!("proxy".parse::<TrustedProxy>().is_err());
        assert_eq!(
            limit_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
    }
}
