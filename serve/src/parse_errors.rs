//! Binance's `{code,msg}` body on the answers hyper writes by itself. A request whose line and
//! headers outgrow hyper's buffer (431) or whose URI is over 65,534 bytes (414) never reaches
//! the router: hyper answers it with an empty body and closes the connection. [`JsonErrors`]
//! wraps the connection's socket and replaces exactly those answers (a write that starts with
//! their status line) with the same status, a JSON body and `connection: close`, so a client
//! that parses every 4xx as Binance JSON (the official connector raises otherwise) gets one.
//! Binance does not document its answer to an oversized request; the body uses -1101
//! TOO_MANY_PARAMETERS, the code of its list nearest to "too much request".
//! Must never live here: answers the router can give (those are built where they are decided).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The JSON answer replacing hyper's empty one starting `head`, if it is one of those.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (status, msg) = if head.starts_with(b"HTTP/1.1 431 ") {
        (
            "431 Request Header Fields Too Large",
            "Too many parameters sent for this endpoint. (the request line and headers are over sim serve's limit of about 400 KB)",
        )
    } else if head.starts_with(b"HTTP/1.1 414 ") {
        (
            "414 URI Too Long",
            "Too many parameters sent for this endpoint. (the request line is over 65534 bytes)",
        )
    } else {
        return None;
    };
    let body = serde_json::json!({ "code": -1101, "msg": msg }).to_string();
    Some(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// A socket whose hyper-made 431/414 answers are rewritten with a JSON body.
#[derive(Debug)]
pub(crate) struct JsonErrors<S> {
    inner: S,
    /// A replacement being written, and how much of it is written; the length of the write
    /// it replaces is reported once it is all out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> JsonErrors<S> {
    pub fn new(inner: S) -> Self {
        JsonErrors {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    /// Writes the rest of a pending replacement.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.pending {
            if *written == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.is_none() {
            match replacement(buf) {
                Some(bytes) => self.pending = Some((bytes, 0)),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        ready!(self.poll_pending(cx))?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_431_and_414_are_replaced_and_keep_their_status() {
        for (head, status) in [
            (
                &b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n"[..],
                "431",
            ),
            (&b"HTTP/1.1 414 URI Too Long\r\n\r\n"[..], "414"),
        ] {
            let text = String::from_utf8(replacement(head).expect("replaced")).expect("utf8");
            assert!(text.starts_with(&format!("HTTP/1.1 {status} ")));
            let body = text.split("\r\n\r\n").nth(1).expect("a body");
            let v: serde_json::Value = serde_json::from_str(body).expect("json");
            assert_eq!(v["code"], -1101);
            assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
        }
        assert!(replacement(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        assert!(replacement(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 40\r\n\r\n").is_none());
    }
}
