//! Which addresses Ferry's own outbound requests may reach: webhook deliveries
//! (`notifications/try_webhook` too) and `workspaces/sync_from_remote`. A workspace admin names
//! those URLs, so without a rule they could make Ferry probe the cloud metadata service,
//! `localhost` or the private network and report what answered.
//!
//! Loopback, link-local, private, shared (CGNAT), unspecified, broadcast and multicast
//! addresses are refused unless `outbound.allow` lists them (a CIDR range or an address) or
//! names the host. The rule holds for the address actually connected to: an IP literal in any
//! spelling (`0x7f000001`, `2130706433` and `[::ffff:127.0.0.1]` are read as the URL standard
//! reads them) is checked as given, and a name is checked on every address it resolves to at
//! connection time, so a name that later resolves elsewhere (DNS rebinding) gains nothing.
//! Requests through an HTTP proxy (`HTTPS_PROXY`) are resolved by the proxy, not here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// The outbound rule, from `outbound.allow`. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    allowed: Arc<Allowed>,
}

#[derive(Debug, Default)]
struct Allowed {
    hosts: Vec<String>,
    ranges: Vec<(IpAddr, u8)>,
}

impl OutboundPolicy {
    /// From `outbound.allow`: host names, addresses and CIDR ranges (`127.0.0.0/8`, `::1`,
    /// `hooks.internal`).
    pub fn new(allow: &[String]) -> Result<Self, String> {
        let mut allowed = Allowed::default();
        for entry in allow {
            let entry = entry.trim();
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry, None),
            };
            match address.parse::<IpAddr>() {
                Ok(ip) => {
                    let max = if ip.is_ipv4() { 32 } else { 128 };
                    let bits = match bits {
                        None => max,
                        Some(bits) => {
                            bits.parse::<u8>()
                                .ok()
                                .filter(|b| *b <= max)
                                .ok_or_else(|| {
                                    format!("outbound.allow: {entry:?} is not a CIDR range")
                                })?
                        }
                    };
                    allowed.ranges.push((ip, bits));
                }
                Err(_) if bits.is_none() && !entry.is_empty() => {
                    allowed
                        .hosts
                        .push(entry.trim_end_matches('.').to_ascii_lowercase());
                }
                Err(_) => {
                    return Err(format!(
                        "outbound.allow: {entry:?} is neither a host, an address nor a CIDR range"
                    ))
                }
            }
        }
        Ok(OutboundPolicy {
            allowed: Arc::new(allowed),
        })
    }

    /// Everything allowed (tests that post to receivers on this machine, say).
    pub fn allow_all() -> Self {
        let everything = ["0.0.0.0/0", "::/0"].map(String::from);
        Self::new(&everything).unwrap_or_default()
    }

    /// Refuses a URL whose host is an internal address or an internal name (`localhost`) that
    /// the rule does not allow. A name's addresses are checked when it is resolved.
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("is not a valid URL ({e})"))?;
        match parsed.host() {
            None => Err("has no host".to_string()),
            Some(url::Host::Ipv4(ip)) => self.check_address(None, IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check_address(None, IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let local = name == "localhost" || name.ends_with(".localhost");
                match local && !self.allows_host(&name) {
                    true => Err(format!(
                        "names {name}, this machine, which outbound.allow does not list"
                    )),
                    false => Ok(()),
                }
            }
        }
    }

    fn allows_host(&self, name: &str) -> bool {
        self.allowed.hosts.iter().any(|host| host == name)
    }

    fn check_address(&self, host: Option<&str>, ip: IpAddr) -> Result<(), String> {
        let ip = canonical(ip);
        let allowed = host.is_some_and(|h| self.allows_host(h))
            || self
                .allowed
                .ranges
                .iter()
                .any(|(range, bits)| in_range(ip, *range, *bits));
        match internal(ip) {
            Some(kind) if !allowed => Err(format!(
                "reaches {ip}, a {kind} address, which outbound.allow does not list"
            )),
            _ => Ok(()),
        }
    }

    /// The addresses of `host` that may be connected to; an error naming them when none may.
    pub fn permitted(&self, host: &str, found: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let (permitted, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
            .into_iter()
            .partition(|addr| self.check_address(Some(&host), addr.ip()).is_ok());
        match (permitted.is_empty(), refused.first()) {
            (true, Some(first)) => Err(format!(
                "{host} resolves only to internal addresses ({}), which outbound.allow does not list",
                internal(canonical(first.ip())).unwrap_or("internal")
            )),
            _ => Ok(permitted),
        }
    }

    /// A resolver for reqwest that connects only to permitted addresses.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver(self.clone()))
    }
}

/// reqwest's resolver, filtered by the rule (see the module's comment).
pub struct GuardedResolver(OutboundPolicy);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted = policy
                .permitted(&host, found)
                .map_err(std::io::Error::other)?;
            let addresses: reqwest::dns::Addrs = Box::new(permitted.into_iter());
            Ok(addresses)
        })
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is that IPv4
/// address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let segments = v6.segments();
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = segments[6].to_be_bytes();
                let [c, d] = segments[7].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        IpAddr::V4(_) => ip,
    }
}

/// What kind of internal address this is, if it is one.
fn internal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (CGNAT)")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

fn in_range(ip: IpAddr, range: IpAddr, bits: u8) -> bool {
    match (ip, canonical(range)) {
        (IpAddr::V4(ip), IpAddr::V4(range)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(range) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(range)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(range) & mask
        }
        // An IPv4 range of ::/0 still covers every IPv6 address, and the reverse.
        (_, range) => range.is_unspecified() && bits == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow: &[&str]) -> OutboundPolicy {
        OutboundPolicy::new(&allow.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_in_every_spelling() {
        let none = policy(&[]);
        for url in [
            "http://127.0.0.1:9/x",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://localhost:8001/",
            "http://LOCALHOST./",
            "http://api.localhost/",
        ] {
            let refusal = none.check_url(url).unwrap_err();
            assert!(refusal.contains("outbound.allow"), "{url}: {refusal}");
        }
        for url in [
            "https://hooks.example.com/x",
            "http://93.184.216.34/",
            "http://[2606:4700::1]/",
        ] {
            assert!(none.check_url(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn allow_lists_ranges_addresses_and_hosts() {
        let some = policy(&["127.0.0.0/8", "fd00::/8", "10.9.9.9", "localhost"]);
        assert!(some.check_url("http://127.0.0.2:9/").is_ok());
        assert!(some.check_url("http://[::ffff:127.0.0.1]/").is_ok());
        assert!(some.check_url("http://[fd12::1]/").is_ok());
        assert!(some.check_url("http://10.9.9.9/").is_ok());
        assert!(some.check_url("http://10.9.9.8/").is_err());
        assert!(some.check_url("http://localhost/").is_ok());
        assert!(some.check_url("http://169.254.169.254/").is_err());
        assert!(policy(&["0.0.0.0/0", "::/0"])
            .check_url("http://[::1]/")
            .is_ok());
        assert!(OutboundPolicy::new(&["10.0.0.0/33".to_string()]).is_err());
        assert!(OutboundPolicy::new(&["a b/8".to_string()]).is_err());
    }

    #[test]
    fn a_name_is_checked_on_the_addresses_it_resolves_to() {
        let none = policy(&[]);
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        // A public name that resolves to the metadata service (DNS rebinding) is refused ...
        let refusal = none
            .permitted("rebind.example.com", vec![addr("169.254.169.254:0")])
            .unwrap_err();
        assert!(refusal.contains("link-local"), "{refusal}");
        // ... its public addresses are kept and its internal ones dropped ...
        let kept = none
            .permitted(
                "mixed.example.com",
                vec![addr("10.0.0.1:0"), addr("93.184.216.34:0")],
            )
            .unwrap();
        assert_eq!(kept, [addr("93.184.216.34:0")]);
        // ... and a host the rule names may resolve anywhere.
        let named = policy(&["hooks.internal"]);
        assert_eq!(
            named
                .permitted("hooks.internal.", vec![addr("10.0.0.1:0")])
                .unwrap(),
            [addr("10.0.0.1:0")]
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        use reqwest::dns::Resolve;
        // `localhost` passes as a name only when allowed; its address is checked anyway.
        let resolver = policy(&[]).resolver();
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let refusal = match resolver.resolve(name).await {
            Ok(addresses) => panic!("resolved to {:?}", addresses.collect::<Vec<_>>()),
            Err(error) => error.to_string(),
        };
        assert!(refusal.contains("loopback"), "{refusal}");
        let allowed = policy(&["127.0.0.0/8", "::1"]).resolver();
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(allowed.resolve(name).await.unwrap().next().is_some());
    }
}
