//! Where the harvester may connect. A coordinator types the catalogue URL, and a node's
//! catalogue names its next pages and may redirect, so each of them could point the portal
//! at itself, at the cloud's metadata service (169.254.169.254) or at the hospital network
//! behind it. Only public addresses are reached, checked after the name is resolved (so
//! a name that resolves inward is refused too), on the first URL, every redirect and every
//! page link; hosts an administrator lists in `harvest_allowed_hosts` are the exception.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The hosts that may be reached although they resolve to a private address. Loopback and
/// link-local addresses (the portal itself, the metadata service) only in development,
/// where the demo and test catalogues are served on loopback.
#[derive(Debug, Clone, Default)]
pub struct OutboundPolicy {
    allowed_hosts: Arc<Vec<String>>,
    development: bool,
}

/// Why a URL may not be fetched; the same message whether or not anything listens there.
pub fn refused(url: &str) -> String {
    format!("{url} is not on a public address; the portal does not fetch from it")
}

impl OutboundPolicy {
    pub fn allowing<S: AsRef<str>>(hosts: &[S], development: bool) -> OutboundPolicy {
        OutboundPolicy {
            allowed_hosts: Arc::new(
                hosts.iter().map(|h| h.as_ref().trim().trim_end_matches('.').to_ascii_lowercase()).collect(),
            ),
            development,
        }
    }

    /// May this address be reached for this host?
    fn permits(&self, host_allowed: bool, ip: IpAddr) -> bool {
        if is_public(ip) {
            return true;
        }
        let local = ip.is_loopback()
            || ip.is_unspecified()
            || match ip {
                IpAddr::V4(v4) => v4.is_link_local() || v4.octets()[0] == 0,
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80 || v6.to_ipv4_mapped().is_some(),
            };
        host_allowed && (self.development || !local)
    }

    fn allows_host(&self, host: &str) -> bool {
        let host =
            host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
        self.allowed_hosts.contains(&host)
    }

    /// A URL the harvester may request: http or https, and when its host is an address,
    /// a public one (names are checked when they are resolved, see [`GuardedResolver`]).
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let parsed = reqwest::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{url}: only http and https catalogues are harvested"));
        }
        let host = parsed.host_str().ok_or_else(|| format!("{url} names no host"))?;
        // The URL parser writes every form of an address (0x7f000001, 2130706433) canonically.
        match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) if !self.permits(self.allows_host(host), ip) => Err(refused(url)),
            _ => Ok(()),
        }
    }

    /// The client's resolver: answers only public addresses for names not allowed.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver { policy: self.clone() })
    }

    /// The client's redirect policy: at most three, each to a URL [`Self::check_url`] accepts.
    pub fn redirects(&self) -> reqwest::redirect::Policy {
        let policy = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                return attempt.error("too many redirects");
            }
            match policy.check_url(attempt.url().as_str()) {
                Ok(()) => attempt.follow(),
                Err(reason) => attempt.error(reason),
            }
        })
    }
}

/// A public unicast address: not loopback, private, link-local, unique-local, shared
/// (carrier-grade NAT), documentation, benchmarking, multicast, broadcast or unspecified,
/// nor an IPv6 form of any of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = ip.segments()[0];
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
                || (first == 0x0064 && ip.segments()[1] == 0xff9b && is_embedded_private(ip)) // NAT64
                || ip == Ipv6Addr::from([0u16, 0, 0, 0, 0, 0, 0, 1]))
        }
    }
}

fn is_embedded_private(ip: Ipv6Addr) -> bool {
    let [.., a, b] = ip.segments();
    !is_public_v4(Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8))
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// Resolves names as the system does, then keeps only the addresses the policy allows.
pub struct GuardedResolver {
    policy: OutboundPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.policy.allows_host(&host);
        let policy = self.policy.clone();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> =
                addresses.into_iter().filter(|a| policy.permits(allowed, a.ip())).collect();
            if usable.is_empty() {
                let refusal: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} is not on a public address").into();
                return Err(refusal);
            }
            Ok(Box::new(usable.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["130.238.7.10", "8.8.8.8", "2001:6b0:e:2a18::118", "64:ff9b::808:808"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_with_inward_addresses_are_refused_unless_allowed() {
        let policy = OutboundPolicy::default();
        assert!(policy.check_url("https://catalogue.example.se/dcat.ttl").is_ok());
        for url in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/x",
            "http://0x7f000001/",
            "http://2130706433/",
        ] {
            assert_eq!(policy.check_url(url), Err(refused(url)), "{url}");
        }
        assert!(policy.check_url("file:///etc/passwd").is_err());
        assert!(policy.check_url("gopher://example.org/").is_err());
        let demo = OutboundPolicy::allowing(&["127.0.0.1"], true);
        assert!(demo.check_url("http://127.0.0.1:3000/demo-catalogues/uppsala/catalog.ttl").is_ok());
        assert!(demo.check_url("http://169.254.169.254/").is_err(), "only the hosts listed");
        let production = OutboundPolicy::allowing(&["127.0.0.1", "10.0.0.5"], false);
        assert!(production.check_url("http://127.0.0.1:3000/").is_err(), "never loopback in production");
        assert!(production.check_url("http://10.0.0.5/catalog.ttl").is_ok(), "a listed internal host");
    }

    #[tokio::test]
    async fn names_that_resolve_inward_are_refused() {
        use reqwest::dns::Resolve;
        let resolver = OutboundPolicy::default().resolver();
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(resolver.resolve(name).await.is_err(), "localhost resolves to loopback");
        let allowed = OutboundPolicy::allowing(&["localhost"], true).resolver();
        assert!(allowed.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
