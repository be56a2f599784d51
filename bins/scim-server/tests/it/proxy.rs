//! A TCP proxy between a server under test and its PostgreSQL, which a test
//! cuts and restores: a database outage without stopping the database server
//! (other tests share it). Cut, it closes every connection it carries and
//! closes each new one as soon as it is accepted, so the client sees the
//! server go away; restored, it carries new connections again.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// The two sockets of one carried connection: the client's and the database's.
type Link = (TcpStream, TcpStream);

#[derive(Default)]
struct Shared {
    cut: AtomicBool,
    stopping: AtomicBool,
    links: Mutex<HashMap<u64, Link>>,
    next_link: AtomicU64,
    /// Connections closed by a cut, and connections refused while cut.
    killed: AtomicU64,
    refused: AtomicU64,
}

impl Shared {
    fn links(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Link>> {
        self.links.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn close(&self, id: u64) {
        if let Some((client, database)) = self.links().remove(&id) {
            let _ = client.shutdown(Shutdown::Both);
            let _ = database.shutdown(Shutdown::Both);
        }
    }
}

pub(crate) struct Proxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A proxy on a free local port to `upstream`.
    pub(crate) fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let state = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if state.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                if state.cut.load(Ordering::SeqCst) {
                    state.refused.fetch_add(1, Ordering::SeqCst);
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                if let Err(e) = carry(&state, client, upstream) {
                    eprintln!("proxy: cannot reach {upstream}: {e}");
                }
            }
        });
        Proxy {
            address,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The proxy to the host and port of a PostgreSQL URL.
    pub(crate) fn to_url(database_url: &str) -> Proxy {
        let (_, authority, _) = split_authority(database_url);
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host_port = if host_port.contains(':') {
            host_port.to_owned()
        } else {
            format!("{host_port}:5432")
        };
        Proxy::start(host_port.to_socket_addrs().unwrap().next().unwrap())
    }

    /// `database_url` with its host and port replaced by the proxy's.
    pub(crate) fn url(&self, database_url: &str) -> String {
        let (scheme, authority, rest) = split_authority(database_url);
        let user = authority
            .rsplit_once('@')
            .map_or(String::new(), |(user, _)| format!("{user}@"));
        format!("{scheme}{user}{}{rest}", self.address)
    }

    /// Cuts the database off: closes every carried connection, and every new
    /// one, until [`Proxy::restore`]. Returns how many it closed.
    pub(crate) fn cut(&self) -> usize {
        self.shared.cut.store(true, Ordering::SeqCst);
        let ids: Vec<u64> = self.shared.links().keys().copied().collect();
        for id in &ids {
            self.shared.close(*id);
        }
        self.shared
            .killed
            .fetch_add(ids.len() as u64, Ordering::SeqCst);
        ids.len()
    }

    /// Carries new connections again.
    pub(crate) fn restore(&self) {
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// Connections carried now.
    pub(crate) fn open_connections(&self) -> usize {
        self.shared.links().len()
    }

    /// Connections closed by cuts, and connections refused while cut.
    pub(crate) fn faults(&self) -> (u64, u64) {
        (
            self.shared.killed.load(Ordering::SeqCst),
            self.shared.refused.load(Ordering::SeqCst),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees `stopping`.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.cut();
    }
}

/// `scheme://`, the authority, and the rest (path and query) of a URL.
fn split_authority(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    (&url[..start], &url[start..end], &url[end..])
}

/// Connects `client` to `upstream` and copies bytes both ways on two threads;
/// when either side closes, both are closed.
fn carry(state: &Arc<Shared>, client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
    let database = TcpStream::connect(upstream)?;
    client.set_nodelay(true)?;
    database.set_nodelay(true)?;
    let id = state.next_link.fetch_add(1, Ordering::SeqCst);
    state
        .links()
        .insert(id, (client.try_clone()?, database.try_clone()?));
    if state.cut.load(Ordering::SeqCst) {
        // Cut between the accept and now.
        state.close(id);
        state.killed.fetch_add(1, Ordering::SeqCst);
        return Ok(());
    }
    for (mut from, mut to) in [
        (client.try_clone()?, database.try_clone()?),
        (database, client),
    ] {
        let state = Arc::clone(state);
        std::thread::spawn(move || {
            let _ = io::copy(&mut from, &mut to);
            state.close(id);
        });
    }
    Ok(())
}
