//! Frames written as Event Hubs writes them: every performative's field list in full.
//!
//! AMQP 1.0 lets an encoder leave out a composite's trailing null fields, and fe2o3-amqp
//! does (and leaves out fields equal to their default). The service does not, and
//! Microsoft's Python client (pyamqp) reads performative fields by position (a Transfer's
//! payload is taken as field 11), so it fails on shortened lists. This stream wrapper pads
//! each outgoing performative's list with nulls up to its arity, as the service sends it;
//! protocol headers, empty frames and payloads pass unchanged. Reading passes through.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Fields of each performative (and SASL frame) by descriptor code.
fn arity(code: u64) -> Option<usize> {
    Some(match code {
        0x10 => 10, // open
        0x11 => 8,  // begin
        0x12 => 14, // attach
        0x13 => 11, // flow
        0x14 => 11, // transfer
        0x15 => 6,  // disposition
        0x16 => 3,  // detach
        0x17 => 1,  // end
        0x18 => 1,  // close
        0x40 => 1,  // sasl-mechanisms
        0x44 => 2,  // sasl-outcome
        _ => return None,
    })
}

#[derive(Debug)]
pub struct FullFrames<S> {
    inner: S,
    /// Bytes written by the AMQP engine, not yet a whole frame.
    pending: Vec<u8>,
    /// Rewritten bytes waiting to go out.
    out: Vec<u8>,
}

impl<S> FullFrames<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Moves every whole frame (or protocol header) from `pending` to `out`, padded.
    fn rewrite(&mut self) {
        loop {
            if self.pending.starts_with(b"AMQP") {
                if self.pending.len() < 8 {
                    return;
                }
                self.out.extend(self.pending.drain(..8));
                continue;
            }
            if self.pending.len() < 8 {
                return;
            }
            let size = u32::from_be_bytes([
                self.pending[0],
                self.pending[1],
                self.pending[2],
                self.pending[3],
            ]) as usize;
            if size < 8 || self.pending.len() < size {
                if size < 8 {
                    // Not a frame we understand: pass it on as it is.
                    self.out.append(&mut self.pending);
                }
                return;
            }
            let frame: Vec<u8> = self.pending.drain(..size).collect();
            self.out.extend(pad(frame));
        }
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>
    where
        S: AsyncWrite + Unpin,
    {
        while !self.out.is_empty() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.out) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

/// `frame` with its performative's list padded to full arity (unchanged when it is not a
/// list we know).
fn pad(frame: Vec<u8>) -> Vec<u8> {
    let doff = usize::from(frame[4]) * 4;
    if frame.len() <= doff + 3 || frame[doff] != 0x00 {
        return frame;
    }
    let (code, descriptor_end) = match frame[doff + 1] {
        0x53 => (u64::from(frame[doff + 2]), doff + 3),
        0x80 if frame.len() >= doff + 10 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&frame[doff + 2..doff + 10]);
            (u64::from_be_bytes(b), doff + 10)
        }
        _ => return frame,
    };
    let Some(arity) = arity(code) else {
        return frame;
    };
    let mut at = descriptor_end;
    let (count, elements) = match frame.get(at) {
        Some(0x45) => {
            at += 1;
            (0usize, at..at)
        }
        Some(0xc0) if frame.len() >= at + 3 => {
            let size = usize::from(frame[at + 1]);
            let count = usize::from(frame[at + 2]);
            let start = at + 3;
            at = at + 2 + size;
            (count, start..at)
        }
        Some(0xd0) if frame.len() >= at + 9 => {
            let size =
                u32::from_be_bytes([frame[at + 1], frame[at + 2], frame[at + 3], frame[at + 4]])
                    as usize;
            let count =
                u32::from_be_bytes([frame[at + 5], frame[at + 6], frame[at + 7], frame[at + 8]])
                    as usize;
            let start = at + 9;
            at = at + 5 + size;
            (count, start..at)
        }
        _ => return frame,
    };
    if count >= arity || at > frame.len() {
        return frame;
    }
    let mut list = frame[elements].to_vec();
    list.extend(std::iter::repeat_n(0x40u8, arity - count));
    let mut body = frame[doff..descriptor_end].to_vec();
    body.push(0xd0);
    body.extend(((list.len() + 4) as u32).to_be_bytes());
    body.extend((arity as u32).to_be_bytes());
    body.extend(list);
    body.extend(&frame[at..]);
    let mut out = frame[..doff].to_vec();
    out.extend(body);
    let size = (out.len() as u32).to_be_bytes();
    out[..4].copy_from_slice(&size);
    out
}

impl<S: AsyncRead + Unpin> AsyncRead for FullFrames<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for FullFrames<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Take everything; what is whole goes out (as far as the socket takes it now, the
        // rest at the next write or flush).
        self.pending.extend_from_slice(buf);
        self.rewrite();
        if let Poll::Ready(Err(e)) = self.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.poll_drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}
