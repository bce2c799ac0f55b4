//! [`MirrorWriter`]: the only type in `sim` that writes to Redis, and all it can write is
//! `XADD <prefix><stream> MAXLEN ~ N * field value ...`, pipelined in batches.
//!
//! Every key it writes starts with its prefix (the writer prepends it; an empty prefix is
//! refused), so a mirror cannot touch the deployment's own streams. It connects through the
//! read-only [`Connection`] (AUTH and SELECT are read commands there) and takes over its socket
//! only after a `PING` has answered: the reader keeps its read-only vocabulary.

use std::io::{BufReader, Write};
use std::net::TcpStream;

use crate::DeploymentError;
use crate::resp::{self, Connection, ReadCommand, RedisUrl, Reply};

/// One `XADD`: the stream's name without the prefix, and the entry's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Xadd {
    pub stream: String,
    pub fields: Vec<(String, String)>,
}

/// Writes entries under one prefix, each stream bounded to about `maxlen` entries.
#[derive(Debug)]
pub struct MirrorWriter {
    socket: BufReader<TcpStream>,
    address: String,
    prefix: String,
    maxlen: u64,
    buf: Vec<u8>,
}

impl MirrorWriter {
    /// Connects (AUTH and SELECT as the URL says), checks the server answers `PING`.
    pub fn open(url: &RedisUrl, prefix: &str, maxlen: u64) -> Result<Self, DeploymentError> {
        if prefix.is_empty() {
            return Err(DeploymentError::EmptyPrefix);
        }
        let mut conn = Connection::open(url)?;
        conn.query(&ReadCommand::Ping)?;
        let (socket, address) = conn.into_socket();
        Ok(MirrorWriter {
            socket,
            address,
            prefix: prefix.to_string(),
            maxlen: maxlen.max(1),
            buf: Vec::new(),
        })
    }

    /// The key an entry of `stream` is written to.
    pub fn key(&self, stream: &str) -> String {
        format!("{}{stream}", self.prefix)
    }

    /// Sends every entry in one pipelined write and reads the replies; returns how many were
    /// added. A refused entry (an error reply) is an `Err` once all replies are read.
    pub fn write_batch(&mut self, batch: &[Xadd]) -> Result<u64, DeploymentError> {
        self.buf.clear();
        let maxlen = self.maxlen.to_string();
        for x in batch {
            let key = self.key(&x.stream);
            let mut words: Vec<&str> = Vec::with_capacity(5 + 2 * x.fields.len());
            words.extend_from_slice(&["XADD", &key, "MAXLEN", "~", &maxlen, "*"]);
            for (k, v) in &x.fields {
                words.push(k);
                words.push(v);
            }
            resp::encode(&words, &mut self.buf);
        }
        let address = self.address.clone();
        let io = |e: std::io::Error| DeploymentError::Io {
            address: address.clone(),
            err: e.to_string(),
        };
        self.socket.get_mut().write_all(&self.buf).map_err(io)?;
        let mut refused = None;
        for _ in batch {
            if let Reply::Error(message) = resp::read_reply(&mut self.socket).map_err(io)? {
                refused.get_or_insert(message);
            }
        }
        match refused {
            Some(message) => Err(DeploymentError::Server {
                command: "XADD".into(),
                message,
            }),
            None => Ok(batch.len() as u64),
        }
    }
}
