//! The origin and client address of a request, and the proxies whose word on
//! them is taken. `X-Forwarded-Host`, `-Proto`, `-For` (and `Forwarded`) are
//! headers any client can send: they are honoured only when the connection
//! comes from a configured trusted proxy, so a client cannot make the server
//! write another host into `meta.location`, `$ref` or `Location`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header;

/// A network whose peers are trusted proxies, written as CIDR (`10.0.0.0/8`,
/// `fd00::/8`) or as one address (`127.0.0.1`, a `/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix_len: u8,
}

/// Why a trusted proxy's CIDR does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustedProxyError {
    /// The address part is no IPv4 or IPv6 address.
    #[error("'{0}' is not an IP address or CIDR network (such as 10.0.0.0/8)")]
    Address(String),
    /// The prefix length is not a number within the address's bits.
    #[error("'{0}': the prefix length must be 0 to {1}")]
    PrefixLength(String, u8),
    /// Bits beyond the prefix are set, which usually means a typo.
    #[error("'{given}' has bits set beyond its prefix; the network is {network}")]
    HostBits {
        /// What was given.
        given: String,
        /// The network it most likely means.
        network: String,
    },
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

/// The mask of the first `prefix_len` of `width` bits, in the low `width` bits.
fn mask(prefix_len: u8, width: u8) -> u128 {
    if prefix_len == 0 {
        return 0;
    }
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    all & !((1u128 << (width - prefix_len)) - 1)
}

impl TrustedProxy {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (network, width) = bits(self.network);
        let (candidate, candidate_width) = bits(ip.to_canonical());
        width == candidate_width && (candidate & mask(self.prefix_len, width)) == network
    }
}

impl FromStr for TrustedProxy {
    type Err = TrustedProxyError;

    fn from_str(s: &str) -> Result<TrustedProxy, TrustedProxyError> {
        let text = s.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| TrustedProxyError::Address(text.to_owned()))?;
        let (value, width) = bits(network);
        let prefix_len = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| TrustedProxyError::PrefixLength(text.to_owned(), width))?,
        };
        let masked = value & mask(prefix_len, width);
        if masked != value {
            let network = match network {
                IpAddr::V4(_) => {
                    IpAddr::from(Ipv4Addr::from(u32::try_from(masked).unwrap_or_default()))
                }
                IpAddr::V6(_) => IpAddr::from(Ipv6Addr::from(masked)),
            };
            return Err(TrustedProxyError::HostBits {
                given: text.to_owned(),
                network: format!("{network}/{prefix_len}"),
            });
        }
        Ok(TrustedProxy {
            network,
            prefix_len,
        })
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

fn trusted(proxies: &[TrustedProxy], ip: IpAddr) -> bool {
    proxies.iter().any(|p| p.contains(ip))
}

/// Whether the connection comes from a trusted proxy.
fn from_trusted_proxy(req: &HttpRequest, proxies: &[TrustedProxy]) -> bool {
    req.peer_addr()
        .is_some_and(|peer| trusted(proxies, peer.ip()))
}

/// The origin (`https://host[:port]`) the request was addressed to: from the
/// forwarded headers when a trusted proxy sent it, else from the connection
/// (TLS or not) and the `Host` header.
pub fn origin(req: &HttpRequest, proxies: &[TrustedProxy]) -> String {
    if from_trusted_proxy(req, proxies) {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            req.uri()
                .authority()
                .map(actix_web::http::uri::Authority::as_str)
        })
        .unwrap_or_else(|| req.app_config().host());
    format!("{scheme}://{host}")
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy
/// (entries further left could have been written by the client).
pub fn client_address(req: &HttpRequest, proxies: &[TrustedProxy]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted(proxies, peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted(proxies, *ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, SocketAddr};

    use actix_web::test::TestRequest;

    use super::*;

    fn proxy(s: &str) -> TrustedProxy {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let ten = proxy("10.0.0.0/8");
        assert!(ten.contains(ip("10.1.2.3")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(!ten.contains(ip("::1")));
        let one = proxy("127.0.0.1");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        assert!(proxy("0.0.0.0/0").contains(ip("192.0.2.1")));
        assert!(proxy("fd00::/8").contains(ip("fd12::1")));
        assert!(!proxy("fd00::/8").contains(ip("fe80::1")));
        assert!(proxy("::/0").contains(ip("2001:db8::1")));
        assert_eq!(proxy("192.168.0.0/16").to_string(), "192.168.0.0/16");
    }

    #[test]
    fn bad_networks_are_refused_with_the_reason() {
        assert_eq!(
            "10.0.0.1/8".parse::<TrustedProxy>(),
            Err(TrustedProxyError::HostBits {
                given: "10.0.0.1/8".into(),
                network: "10.0.0.0/8".into()
            })
        );
        assert!(matches!(
            "10.0.0.0/33".parse::<TrustedProxy>(),
            Err(TrustedProxyError::PrefixLength(_, 32))
        ));
        assert!(matches!(
            "example.com".parse::<TrustedProxy>(),
            Err(TrustedProxyError::Address(_))
        ));
        assert!(matches!(
            "10.0.0.0/x".parse::<TrustedProxy>(),
            Err(TrustedProxyError::PrefixLength(_, 32))
        ));
    }

    fn from(peer: &str) -> TestRequest {
        TestRequest::default()
            .peer_addr(SocketAddr::new(ip(peer), 4000))
            .insert_header(("host", "scim.example.com"))
            .insert_header(("x-forwarded-host", "evil.example"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let proxies = [proxy("10.0.0.0/8")];
        let direct = from("192.0.2.1").to_http_request();
        assert_eq!(origin(&direct, &proxies), "http://scim.example.com");
        assert_eq!(client_address(&direct, &proxies), Some(ip("192.0.2.1")));
        let proxied = from("10.0.0.5").to_http_request();
        assert_eq!(origin(&proxied, &proxies), "https://evil.example");
        // The nearest untrusted hop, not what the client wrote first.
        assert_eq!(client_address(&proxied, &proxies), Some(ip("198.51.100.7")));
        let chain = [proxy("10.0.0.0/8"), proxy("198.51.100.7")];
        assert_eq!(client_address(&proxied, &chain), Some(ip("203.0.113.9")));
        assert_eq!(origin(&direct, &[]), "http://scim.example.com");
    }
}
