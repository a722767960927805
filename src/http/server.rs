//! The server loop every role uses instead of `axum::serve`, which has no timeouts and no
//! connection bound. Each edge has a limit:
//! - a new or kept-alive connection that sends nothing for `idle_timeout` is closed;
//! - request headers must be complete within `header_read_timeout` of their first byte;
//! - a body must arrive within the body timeout (`body::read_json`), and a declared
//!   `Content-Length` over `max_body_bytes` is answered 413 without waiting for the body
//!   (what the client sends anyway is read and dropped for a moment, so that it sees the
//!   answer instead of a reset);
//! - a request is answered within `request_timeout` (503 `timeout` otherwise), and a client
//!   that reads nothing of its answer for `request_timeout` is disconnected (a slow reader is
//!   not idle: only a stall that long counts);
//! - at most `max_connections` are served at once; past that a connection is answered 503
//!   `busy` and closed, never silently dropped;
//! - on shutdown no connection is accepted, idle ones are closed, and whatever is still open
//!   after `grace` is closed.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use super::body::declared_too_large;
use super::response::{error, request_id};
use crate::models::{ApiError, ErrorKind};

/// Connections answered "busy" at once; past this, excess connections are closed unanswered
/// (a flood must not cost a task each).
const MAX_REFUSALS: usize = 64;
/// How often each connection checks its idle and header deadlines.
const WATCH_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_body_bytes: usize,
    /// Largest body of an upload (`POST` [`UPLOAD_PATH`]), which its handler streams to
    /// storage; 0 where the role takes no uploads.
    pub max_upload_bytes: u64,
    /// After shutdown is asked, connections still open after this are closed.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` turns true, then drains within `grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let max_connections = connection_budget(limits.max_connections);
    let connections = Arc::new(Semaphore::new(max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let (drain, draining) = watch::channel(false);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match Arc::clone(&connections).try_acquire_owned() {
                    Ok(permit) => {
                        tasks.spawn(connection(stream, app.clone(), limits, draining.clone(), permit));
                    }
                    Err(_) => {
                        tracing::warn!(max = max_connections, "connection limit reached; refusing a connection");
                        if let Ok(permit) = Arc::clone(&refusals).try_acquire_owned() {
                            tasks.spawn(refuse(stream, permit));
                        }
                    }
                },
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the listener itself is fine. Pause so a full fd table can drain.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = async { let _ = shutdown.wait_for(|stop| *stop).await; } => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    drop(listener);
    let _ = drain.send(true);
    let deadline = tokio::time::sleep(limits.grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { break },
            () = &mut deadline => {
                tracing::warn!(open = tasks.len(), "closing connections still open after the grace period");
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                break;
            }
        }
    }
    Ok(())
}

/// File descriptors kept out of the connection budget: sandbox slots' pipes, files, the
/// listener, refused connections and what the process opens for itself.
const FD_RESERVE: u64 = 256;

/// How many connections may be open at once: `configured`, but never so many that their
/// sockets would exhaust the process's file descriptors (then `accept` fails and health no
/// longer answers). The soft fd limit is raised to the hard one first.
fn connection_budget(configured: usize) -> usize {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let soft = match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(_) => soft,
        },
        Ok((soft, _)) => soft,
        Err(_) => return configured.max(1),
    };
    let fits = usize::try_from(soft.saturating_sub(FD_RESERVE)).unwrap_or(usize::MAX);
    if fits < configured {
        tracing::warn!(
            configured,
            fd_limit = soft,
            effective = fits.max(1),
            "server.max_connections lowered to fit the file descriptor limit"
        );
    }
    configured.min(fits).max(1)
}

/// What a connection has done lately, for its idle and header deadlines.
struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` (plus one, so that 0 means "never") of the last byte read
    /// or written, or of the last answer.
    last_io: AtomicU64,
    /// When the first byte of a request arrived while no request was being served (0: none).
    header_since: AtomicU64,
    /// Since when an answer waits for the client to read (the socket is full; 0: it is not).
    /// Such a connection is not idle: a slow reader gets `request_timeout` per stall.
    write_blocked_since: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        let activity = Self {
            epoch: Instant::now(),
            last_io: AtomicU64::new(0),
            header_since: AtomicU64::new(0),
            write_blocked_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        };
        activity.last_io.store(activity.now(), Ordering::Relaxed);
        activity
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    fn read(&self) {
        let now = self.now();
        self.last_io.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::SeqCst) == 0 {
            let _ = self
                .header_since
                .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
        }
    }

    fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::Relaxed);
        self.write_blocked_since.store(0, Ordering::Relaxed);
    }

    fn write_blocked(&self) {
        let _ = self.write_blocked_since.compare_exchange(
            0,
            self.now(),
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }

    /// Why the connection must be closed now, if it must.
    fn expired(&self, limits: &ServerLimits) -> Option<&'static str> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None; // the request timeout covers it
        }
        let now = self.now();
        let header_since = self.header_since.load(Ordering::SeqCst);
        let elapsed = |since: u64| Duration::from_millis(now.saturating_sub(since));
        let blocked = self.write_blocked_since.load(Ordering::Relaxed);
        if blocked != 0 {
            (elapsed(blocked) > limits.request_timeout)
                .then_some("the client read nothing of its answer within the request timeout")
        } else if header_since != 0 {
            (elapsed(header_since) > limits.header_read_timeout)
                .then_some("request headers not complete within the header read timeout")
        } else {
            (elapsed(self.last_io.load(Ordering::Relaxed)) > limits.idle_timeout)
                .then_some("idle past the keep-alive timeout")
        }
    }
}

/// Marks a request as being served until it is answered.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        activity.header_since.store(0, Ordering::SeqCst);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.wrote();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A stream that records its activity.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        poll
    }
}

impl Tracked {
    fn record(&self, poll: &Poll<std::io::Result<usize>>) {
        match poll {
            Poll::Ready(Ok(n)) if *n > 0 => self.activity.wrote(),
            Poll::Pending => self.activity.write_blocked(),
            _ => {}
        }
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.record(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.record(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn connection(
    stream: TcpStream,
    app: Router,
    limits: ServerLimits,
    mut draining: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        stream,
        activity: Arc::clone(&activity),
    });
    let served = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let app = app.clone();
        let in_flight = InFlight::new(Arc::clone(&served));
        async move {
            let response = answer(app, request, &limits).await;
            drop(in_flight);
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Our own watch below times headers from their first byte, and idle connections
        // separately; hyper's timer would run from the end of the previous answer.
        .header_read_timeout(None)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut watch = tokio::time::interval(WATCH_EVERY);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                return;
            }
            () = async { let _ = draining.wait_for(|d| *d).await; }, if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = watch.tick() => {
                if let Some(reason) = activity.expired(&limits) {
                    tracing::debug!(reason, "closing connection");
                    return;
                }
            }
        }
    }
}

/// The path whose `POST` takes an upload: its body is streamed to storage by its handler,
/// under `max_upload_bytes` rather than `max_body_bytes`.
pub const UPLOAD_PATH: &str = "/api/v1/files";

impl ServerLimits {
    /// These limits, taking uploads of up to `bytes` at [`UPLOAD_PATH`].
    pub fn with_uploads(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = bytes;
        self
    }

    /// The largest body `request` may declare.
    fn body_cap<B>(&self, request: &Request<B>) -> u64 {
        let upload = request.method() == axum::http::Method::POST
            && request.uri().path() == UPLOAD_PATH
            && self.max_upload_bytes > 0;
        if upload {
            self.max_upload_bytes
        } else {
            self.max_body_bytes as u64
        }
    }
}

async fn answer(app: Router, request: Request<Incoming>, limits: &ServerLimits) -> Response<Body> {
    let cap = limits.body_cap(&request);
    if declared_too_large(request.headers(), cap) {
        let message = format!("request body is over the limit of {cap} bytes");
        let id = request_id(request.headers()).unwrap_or_else(crate::telemetry::new_request_id);
        linger(request.into_body()).await;
        let mut response = error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(ErrorKind::PayloadTooLarge, message),
            &id,
        );
        // The body is not read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let id = request_id(request.headers());
    let request = request.map(Body::new);
    match tokio::time::timeout(limits.request_timeout, app.oneshot(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let message = format!(
                "the request was not answered within {:?} (server.request_timeout_secs)",
                limits.request_timeout
            );
            let id = id.unwrap_or_else(crate::telemetry::new_request_id);
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(ErrorKind::Timeout, message),
                &id,
            )
        }
    }
}

/// Reads (and drops) what a client that declared a body over the limit is sending anyway, for
/// a bounded time and size, so that closing after the 413 does not reset the connection
/// before the client reads it. A client that sends nothing is answered after one pause.
async fn linger(body: Incoming) {
    use futures_util::StreamExt as _;
    const PAUSE: Duration = Duration::from_millis(50);
    const MOST_BYTES: usize = 8 << 20;
    const MOST_TIME: Duration = Duration::from_secs(2);
    let mut stream = Body::new(body).into_data_stream();
    let started = Instant::now();
    let mut read = 0;
    while read < MOST_BYTES && started.elapsed() < MOST_TIME {
        match tokio::time::timeout(PAUSE, stream.next()).await {
            Ok(Some(Ok(chunk))) => read += chunk.len(),
            _ => break,
        }
    }
}

/// Answers a connection over the limit with 503 and closes it.
async fn refuse(mut stream: TcpStream, _permit: OwnedSemaphorePermit) {
    const BODY: &str =
        r#"{"error":{"kind":"busy","message":"too many open connections; retry shortly"}}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut scratch = [0u8; 8192];
    // Take what the client already sent, so that closing does not reset the connection
    // before it reads the answer; then answer and close at once (a refusal must not hold its
    // place for long: there are at most MAX_REFUSALS at a time).
    let _ = tokio::time::timeout(Duration::from_millis(20), stream.read(&mut scratch)).await;
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        stream.write_all(response.as_bytes()),
    )
    .await;
    let _ = stream.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_millis(50), async {
        while matches!(stream.read(&mut scratch).await, Ok(n) if n > 0) {}
    })
    .await;
}
