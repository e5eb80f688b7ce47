//! The HTTP/1.1 server around [`Endpoint::handle`]: hyper on tokio.
//!
//! - at most [`Config::max_connections`](crate::Config::max_connections) connections at once; the next ones wait in the
//!   listen backlog until one ends;
//! - a connection has [`Config::header_timeout`](crate::Config::header_timeout) to send each request head (hyper's header
//!   read timeout, which also bounds the idle time between requests), and a request
//!   [`Config::body_timeout`](crate::Config::body_timeout) to send its body;
//! - a body is read up to [`Config::max_body_bytes`](crate::Config::max_body_bytes) (a larger `Content-Length` is refused
//!   before anything is read);
//! - the handler, validation and file writes run on tokio's blocking pool, never on the
//!   threads that drive the sockets;
//! - on shutdown the listener closes, idle connections close, and requests in flight have
//!   [`Config::shutdown_grace`](crate::Config::shutdown_grace) to finish.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use xseg_batch::Batch;

use crate::endpoint::{Endpoint, Refusal};

/// A bound listener and the endpoint it serves.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    endpoint: Arc<Endpoint>,
    local: SocketAddr,
}

thread_local! {
    /// One sequential batch per blocking-pool thread, kept between requests so that its
    /// validator's buffers are reused.
    static BATCH: std::cell::RefCell<Option<Batch>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's batch for `options`.
fn with_batch<R>(options: xseg::Options, f: impl FnOnce(&mut Batch) -> R) -> R {
    BATCH.with(|cell| {
        let mut slot = cell.borrow_mut();
        let batch = match &mut *slot {
            Some(batch) if *batch.options() == options => batch,
            _ => slot.insert(Batch::sequential(options)),
        };
        f(batch)
    })
}

/// Whether serving `addr` without credentials is allowed: only on a loopback address.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

impl Server {
    /// Binds `addr`. Must be called within a tokio runtime.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound, or is not a loopback address while the endpoint
    /// verifies no signature (anyone who can reach it could fill `--out`).
    pub async fn bind(addr: SocketAddr, endpoint: Arc<Endpoint>) -> io::Result<Server> {
        if !is_loopback(&addr) && endpoint.config().credentials.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{addr} is not a loopback address, and without --access-key-id and \
                     --secret-access-key anyone who can reach it could send documents; \
                     bind 127.0.0.1 or set credentials"
                ),
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        Ok(Server {
            listener,
            endpoint,
            local,
        })
    }

    /// The bound address (with the port chosen when port 0 was asked for).
    pub const fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Arc<Endpoint> {
        &self.endpoint
    }

    /// Serves until `shutdown` completes, then stops accepting, lets the requests in flight
    /// finish (for at most [`Config::shutdown_grace`](crate::Config::shutdown_grace)) and returns. Accept errors (such as
    /// running out of file descriptors) are reported to `on_error` and never stop the server.
    pub async fn run(self, shutdown: impl Future<Output = ()>, on_error: impl Fn(&io::Error)) {
        let config = self.endpoint.config().clone();
        let permits = Arc::new(Semaphore::new(config.max_connections.max(1)));
        let graceful = GracefulShutdown::new();
        let timer = TokioTimer::new();
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                p = Arc::clone(&permits).acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        on_error(&e);
                        // e.g. EMFILE: give connections time to end
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let endpoint = Arc::clone(&self.endpoint);
            let service = service_fn(move |request| {
                let endpoint = Arc::clone(&endpoint);
                async move { Ok::<_, Infallible>(serve_request(endpoint, peer, request).await) }
            });
            let connection = http1::Builder::new()
                .timer(timer.clone())
                .header_read_timeout(config.header_timeout)
                .max_buf_size(64 * 1024)
                .serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                let _ = connection.await;
                drop(permit);
            });
        }
        drop(self.listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(config.shutdown_grace) => {}
        }
    }
}

/// Reads the body within the limits, then answers on the blocking pool.
async fn serve_request(
    endpoint: Arc<Endpoint>,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let config = endpoint.config();
    let (max_body_bytes, body_timeout, options) =
        (config.max_body_bytes, config.body_timeout, config.options);
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        return refuse(endpoint, peer, Refusal::too_large(max_body_bytes)).await;
    }
    let read = Limited::new(body, max_body_bytes).collect();
    let body = match tokio::time::timeout(body_timeout, read).await {
        Err(_) => {
            let refusal = Refusal::body_timeout(body_timeout);
            return refuse(endpoint, peer, refusal).await;
        }
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            let refusal = Refusal::too_large(max_body_bytes);
            return refuse(endpoint, peer, refusal).await;
        }
        Ok(Err(e)) => return refuse(endpoint, peer, Refusal::unreadable(e)).await,
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
    };
    let request = http::Request::from_parts(parts, body);
    let handler = Arc::clone(&endpoint);
    let answered = tokio::task::spawn_blocking(move || {
        with_batch(options, |batch| handler.handle(batch, request, Some(peer)))
    })
    .await;
    match answered {
        Ok(response) => convert(response),
        Err(e) => {
            let refusal = Refusal::internal(format!("the request handler failed: {e}"));
            refuse(endpoint, peer, refusal).await
        }
    }
}

/// Answers a request refused before the handler. On the blocking pool too, since the event
/// callback may wait (for a reader of the events, say).
async fn refuse(
    endpoint: Arc<Endpoint>,
    peer: SocketAddr,
    refusal: Refusal,
) -> hyper::Response<Full<Bytes>> {
    let fallback = refusal.clone();
    let handler = Arc::clone(&endpoint);
    let answered = tokio::task::spawn_blocking(move || {
        let number = handler.next_request();
        handler.refuse(number, Some(peer), refusal)
    })
    .await;
    match answered {
        Ok(response) => convert(response),
        // the blocking pool is shut down: answer without reporting
        Err(_) => {
            let mut response = hyper::Response::new(Full::new(Bytes::from(fallback.message)));
            *response.status_mut() = fallback.status;
            response
        }
    }
}

fn convert(response: http::Response<Vec<u8>>) -> hyper::Response<Full<Bytes>> {
    response.map(|body| Full::new(Bytes::from(body)))
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A tokio runtime for the server: `workers` threads drive the sockets (at least one), and
/// blocking threads validate.
///
/// # Errors
///
/// When the system refuses to start the threads.
pub fn runtime(workers: usize) -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .thread_name("xseg-serve")
        .enable_all()
        .build()
}
