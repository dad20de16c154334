//! Turning what a caller passes (`"localhost:80"`, a `SocketAddr`, a
//! `(host, port)` pair) into socket addresses; names are resolved on the
//! blocking pool.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that can be turned into one or more socket addresses.
///
/// Implemented for the same types as in Tokio. Host names are resolved with
/// the system resolver on the blocking pool; literal addresses are parsed
/// without it.
pub trait ToSocketAddrs: sealed::Resolve {}

pub(crate) mod sealed {
    use super::*;

    /// How a [`ToSocketAddrs`] value becomes addresses.
    pub trait Resolve {
        #[doc(hidden)]
        fn resolve(&self) -> Resolution;
    }

    /// Addresses known now, or a name to look up.
    #[doc(hidden)]
    #[derive(Debug)]
    pub enum Resolution {
        Ready(io::Result<Vec<SocketAddr>>),
        Lookup(String),
    }
}

use sealed::{Resolution, Resolve};

/// Resolves `addr` (on the blocking pool if it needs a lookup).
pub(crate) async fn to_socket_addrs<A: ToSocketAddrs>(addr: A) -> io::Result<Vec<SocketAddr>> {
    match addr.resolve() {
        Resolution::Ready(result) => result,
        Resolution::Lookup(name) => {
            let lookup = crate::task::spawn_blocking(move || {
                std::net::ToSocketAddrs::to_socket_addrs(&name).map(Iterator::collect)
            });
            match lookup.await {
                Ok(result) => result,
                Err(err) => Err(io::Error::other(err)),
            }
        }
    }
}

/// Looks up the addresses of `host` (`"name:port"` or any
/// [`ToSocketAddrs`]), on the blocking pool.
///
/// ```
/// # #[zokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let addrs: Vec<_> = zokio::net::lookup_host("127.0.0.1:80").await?.collect();
/// assert_eq!(addrs, ["127.0.0.1:80".parse().unwrap()]);
/// # Ok(())
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the future abandons the lookup, which finishes on
/// its blocking thread and is discarded.
pub fn lookup_host<A: ToSocketAddrs>(
    host: A,
) -> impl Future<Output = io::Result<std::vec::IntoIter<SocketAddr>>> {
    let resolution = host.resolve();
    async move {
        let addrs = match resolution {
            Resolution::Ready(result) => result?,
            Resolution::Lookup(name) => to_socket_addrs(name.as_str()).await?,
        };
        Ok(addrs.into_iter())
    }
}

fn parse_or_lookup(s: &str) -> Resolution {
    match s.parse::<SocketAddr>() {
        Ok(addr) => Resolution::Ready(Ok(vec![addr])),
        Err(_) => Resolution::Lookup(s.to_owned()),
    }
}

fn host_port(host: &str, port: u16) -> Resolution {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Resolution::Ready(Ok(vec![SocketAddr::new(ip, port)]));
    }
    Resolution::Lookup(format!("{host}:{port}"))
}

macro_rules! ready_impl {
    ($($t:ty => |$v:ident| $e:expr;)*) => {$(
        impl ToSocketAddrs for $t {}
        impl Resolve for $t {
            fn resolve(&self) -> Resolution {
                let $v = self;
                Resolution::Ready(Ok($e))
            }
        }
    )*};
}

ready_impl! {
    SocketAddr => |a| vec![*a];
    SocketAddrV4 => |a| vec![SocketAddr::V4(*a)];
    SocketAddrV6 => |a| vec![SocketAddr::V6(*a)];
    (IpAddr, u16) => |a| vec![SocketAddr::new(a.0, a.1)];
    (Ipv4Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V4(a.0), a.1)];
    (Ipv6Addr, u16) => |a| vec![SocketAddr::new(IpAddr::V6(a.0), a.1)];
    [SocketAddr] => |a| a.to_vec();
    Vec<SocketAddr> => |a| a.clone();
}

impl<const N: usize> ToSocketAddrs for [SocketAddr; N] {}
impl<const N: usize> Resolve for [SocketAddr; N] {
    fn resolve(&self) -> Resolution {
        Resolution::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Resolve for str {
    fn resolve(&self) -> Resolution {
        parse_or_lookup(self)
    }
}

impl ToSocketAddrs for String {}
impl Resolve for String {
    fn resolve(&self) -> Resolution {
        parse_or_lookup(self)
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Resolve for (&str, u16) {
    fn resolve(&self) -> Resolution {
        host_port(self.0, self.1)
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Resolve for (String, u16) {
    fn resolve(&self) -> Resolution {
        host_port(&self.0, self.1)
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Resolve + ?Sized> Resolve for &T {
    fn resolve(&self) -> Resolution {
        (**self).resolve()
    }
}

/// Tries `f` on each address in turn; returns the first success or the
/// last error.
pub(crate) async fn each_addr<T, F, Fut>(addrs: Vec<SocketAddr>, mut f: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match f(addr).await {
            Ok(value) => return Ok(value),
            Err(err) => last = Some(err),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
