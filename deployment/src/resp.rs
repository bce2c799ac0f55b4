//! A minimal RESP2 client that can only send read commands.
//!
//! [`ReadCommand`] is the whole vocabulary: `PING`, `TIME`, `AUTH`, `SELECT` (connection state,
//! no data), `XINFO STREAM/GROUPS/CONSUMERS`, `XRANGE` and `XREVRANGE` with `COUNT`. There is
//! no way to send anything else through a [`Connection`], so `sim watch` cannot write, ack or
//! join a group by construction (a test checks the server's `INFO commandstats` as well).
//! Every socket operation has a timeout, so a Redis that goes away is an error, never a hang.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::DeploymentError;

/// A command `sim watch` may send. Keys and ids are borrowed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadCommand<'a> {
    Ping,
    Time,
    Auth {
        user: Option<&'a str>,
        password: &'a str,
    },
    Select(u32),
    XinfoStream(&'a str),
    XinfoGroups(&'a str),
    XinfoConsumers {
        stream: &'a str,
        group: &'a str,
    },
    /// `XRANGE key start end COUNT n` (start may be exclusive: `(id`).
    XRange {
        stream: &'a str,
        start: &'a str,
        end: &'a str,
        count: usize,
    },
    /// `XREVRANGE key end start COUNT n`.
    XRevRange {
        stream: &'a str,
        end: &'a str,
        start: &'a str,
        count: usize,
    },
}

impl ReadCommand<'_> {
    /// The words sent on the wire.
    pub fn words(&self) -> Vec<String> {
        let w = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match self {
            ReadCommand::Ping => w(&["PING"]),
            ReadCommand::Time => w(&["TIME"]),
            ReadCommand::Auth {
                user: Some(u),
                password,
            } => w(&["AUTH", u, password]),
            ReadCommand::Auth {
                user: None,
                password,
            } => w(&["AUTH", password]),
            ReadCommand::Select(db) => vec!["SELECT".into(), db.to_string()],
            ReadCommand::XinfoStream(s) => w(&["XINFO", "STREAM", s]),
            ReadCommand::XinfoGroups(s) => w(&["XINFO", "GROUPS", s]),
            ReadCommand::XinfoConsumers { stream, group } => {
                w(&["XINFO", "CONSUMERS", stream, group])
            }
            ReadCommand::XRange {
                stream,
                start,
                end,
                count,
            } => {
                let mut v = w(&["XRANGE", stream, start, end, "COUNT"]);
                v.push(count.to_string());
                v
            }
            ReadCommand::XRevRange {
                stream,
                end,
                start,
                count,
            } => {
                let mut v = w(&["XREVRANGE", stream, end, start, "COUNT"]);
                v.push(count.to_string());
                v
            }
        }
    }

    /// The command's name, for errors (never the password).
    pub fn name(&self) -> String {
        match self {
            ReadCommand::Auth { .. } => "AUTH".into(),
            other => {
                let words = other.words();
                let n = if words[0] == "XINFO" { 3 } else { 2 };
                words.into_iter().take(n).collect::<Vec<_>>().join(" ")
            }
        }
    }
}

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// Text of a status or bulk reply (lossy UTF-8), or of an integer.
    pub fn text(&self) -> Option<String> {
        match self {
            Reply::Status(s) => Some(s.clone()),
            Reply::Bulk(Some(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            Reply::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Reply::Int(i) => Some(*i),
            other => other.text()?.trim().parse().ok(),
        }
    }

    /// The items of an array reply (a null array is empty).
    pub fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(v)) => v,
            _ => &[],
        }
    }

    /// A flat `[key, value, key, value, ...]` reply (XINFO's RESP2 maps) looked up by key.
    pub fn field(&self, key: &str) -> Option<&Reply> {
        self.items()
            .chunks(2)
            .find(|kv| kv[0].text().as_deref() == Some(key))
            .and_then(|kv| kv.get(1))
    }
}

/// Where to connect: parsed from `redis://[[user]:password@]host:port[/db]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisUrl {
    pub host: String,
    pub port: u16,
    pub db: u32,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl RedisUrl {
    pub fn parse(url: &str) -> Result<Self, DeploymentError> {
        let bad = |why: &str| DeploymentError::BadUrl {
            url: url.to_string(),
            why: why.to_string(),
        };
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| bad("it must start with redis:// (TLS rediss:// is not supported)"))?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (hostport, db) = match rest.split_once('/') {
            Some((h, d)) if !d.is_empty() => (
                h,
                d.parse()
                    .map_err(|_| bad("the database after / must be a number"))?,
            ),
            Some((h, _)) => (h, 0),
            None => (rest, 0),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| bad("the port must be a number"))?),
            None => (hostport, 6379),
        };
        if host.is_empty() {
            return Err(bad("it names no host"));
        }
        let (user, password) = match auth {
            Some(a) => match a.split_once(':') {
                Some((u, p)) => ((!u.is_empty()).then(|| u.to_string()), Some(p.to_string())),
                None => (None, Some(a.to_string())),
            },
            None => (None, None),
        };
        Ok(RedisUrl {
            host: host.to_string(),
            port,
            db,
            user,
            password,
        })
    }

    /// `host:port`, for messages (never the password).
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// One connection to Redis that only sends [`ReadCommand`]s.
#[derive(Debug)]
pub struct Connection {
    reader: BufReader<TcpStream>,
    address: String,
}

/// How long a connect, a read or a write may take before the server counts as gone.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

impl Connection {
    /// Connects, authenticates and selects the database the URL names.
    pub fn open(url: &RedisUrl) -> Result<Self, DeploymentError> {
        let address = url.address();
        let io = |e: std::io::Error| DeploymentError::Io {
            address: address.clone(),
            err: e.to_string(),
        };
        let addr = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(io)?
            .next()
            .ok_or_else(|| DeploymentError::Io {
                address: address.clone(),
                err: "the host name resolves to no address".into(),
            })?;
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(io)?;
        stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut conn = Connection {
            reader: BufReader::new(stream),
            address: address.clone(),
        };
        if let Some(password) = &url.password {
            conn.query(&ReadCommand::Auth {
                user: url.user.as_deref(),
                password,
            })?;
        }
        if url.db != 0 {
            conn.query(&ReadCommand::Select(url.db))?;
        }
        Ok(conn)
    }

    /// Sends one command and reads its reply; a Redis error reply is an `Err`.
    pub fn query(&mut self, cmd: &ReadCommand<'_>) -> Result<Reply, DeploymentError> {
        let mut buf = Vec::new();
        encode(&cmd.words(), &mut buf);
        let address = self.address.clone();
        let io = |e: std::io::Error| DeploymentError::Io {
            address: address.clone(),
            err: e.to_string(),
        };
        self.reader.get_mut().write_all(&buf).map_err(io)?;
        match read_reply(&mut self.reader).map_err(io)? {
            Reply::Error(message) => Err(DeploymentError::Server {
                command: cmd.name(),
                message,
            }),
            reply => Ok(reply),
        }
    }
}

impl Connection {
    /// The open socket and its address, for the mirror's writer (`crate::mirror::writer`), a
    /// type of its own: this `Connection` itself never sends anything but a [`ReadCommand`].
    pub(crate) fn into_socket(self) -> (BufReader<TcpStream>, String) {
        (self.reader, self.address)
    }
}

/// Appends one command, as a RESP array of bulk strings, to `buf`.
pub(crate) fn encode<W: AsRef<[u8]>>(words: &[W], buf: &mut Vec<u8>) {
    buf.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
    for w in words {
        let w = w.as_ref();
        buf.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        buf.extend_from_slice(w);
        buf.extend_from_slice(b"\r\n");
    }
}

fn protocol(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

fn read_line(r: &mut impl BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Reads one reply (RESP2; nested arrays by recursion).
pub fn read_reply(r: &mut impl BufRead) -> std::io::Result<Reply> {
    let line = read_line(r)?;
    let (kind, rest) = line
        .split_at_checked(1)
        .ok_or_else(|| protocol("empty reply line"))?;
    let number = || -> std::io::Result<i64> {
        rest.parse()
            .map_err(|_| protocol("a reply length is not a number"))
    };
    Ok(match kind {
        "+" => Reply::Status(rest.to_string()),
        "-" => Reply::Error(rest.to_string()),
        ":" => Reply::Int(number()?),
        "$" => {
            let n = number()?;
            if n < 0 {
                Reply::Bulk(None)
            } else {
                let mut data = vec![0; n as usize + 2];
                r.read_exact(&mut data)?;
                data.truncate(n as usize);
                Reply::Bulk(Some(data))
            }
        }
        "*" => {
            let n = number()?;
            if n < 0 {
                Reply::Array(None)
            } else {
                let mut items = Vec::with_capacity(n.min(4096) as usize);
                for _ in 0..n {
                    items.push(read_reply(r)?);
                }
                Reply::Array(Some(items))
            }
        }
        _ => return Err(protocol("unknown reply type (RESP3 is not supported)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = RedisUrl::parse("redis://127.0.0.1:6390").expect("url");
        assert_eq!((u.host.as_str(), u.port, u.db), ("127.0.0.1", 6390, 0));
        let u = RedisUrl::parse("redis://:pw@host/2").expect("url");
        assert_eq!((u.port, u.db, u.password.as_deref()), (6379, 2, Some("pw")));
        assert_eq!(u.address(), "host:6379");
        let e = RedisUrl::parse("http://x").expect_err("scheme");
        assert!(e.to_string().contains("redis://"), "{e}");
        assert!(RedisUrl::parse("redis://h:port").is_err());
    }

    #[test]
    fn nested_replies() {
        let wire = b"*2\r\n$4\r\nname\r\n*3\r\n:7\r\n$-1\r\n+OK\r\n";
        let r = read_reply(&mut &wire[..]).expect("reply");
        assert_eq!(r.field("name").map(|v| v.items().len()), Some(3));
        assert_eq!(r.items()[1].items()[0].int(), Some(7));
        assert!(read_reply(&mut &b"*3\r\n:1\r\n"[..]).is_err());
    }

    #[test]
    fn command_words() {
        let c = ReadCommand::XRange {
            stream: "s",
            start: "(1-0",
            end: "+",
            count: 500,
        };
        assert_eq!(c.words().join(" "), "XRANGE s (1-0 + COUNT 500");
        assert_eq!(c.name(), "XRANGE s");
        let a = ReadCommand::Auth {
            user: None,
            password: "secret",
        };
        assert_eq!(a.name(), "AUTH");
    }
}
