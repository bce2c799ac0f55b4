//! A real `redis-server` for the `sim watch` tests, and a fixture writer that plays the
//! original system's services into it.
//!
//! Debian's `redis-server` (`.ci/run` installs it) runs on a free 127.0.0.1 port with no
//! persistence (`--save '' --appendonly no`) in a temporary folder; every wait is bounded and
//! dropping the server kills it. [`RedisServer::start_or_skip`] returns `None` (after a loud
//! message) only when `redis-server` is not installed and `CI` is not set.
//! The writer speaks RESP over a plain socket: it is the test's, never `sim`'s (the
//! `deployment` crate cannot send a write command at all).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the server gets to answer PING after starting.
const START_TIMEOUT: Duration = Duration::from_secs(15);

pub struct RedisServer {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("addr").port()
}

impl RedisServer {
    pub fn start_or_skip(test: &str) -> Option<RedisServer> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: CI is set but redis-server is not installed; .ci/run installs it (apt-get install redis-server)"
            );
            eprintln!(
                "SKIPPED {test}: redis-server is not installed (apt-get install redis-server)"
            );
            return None;
        }
        Some(Self::start_on(free_port()))
    }

    /// Starts a server on `port` (again on the same port to test a comeback).
    pub fn start_on(port: u16) -> RedisServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--daemonize", "no", "--protected-mode", "yes"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let server = RedisServer {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(mut w) = Writer::try_connect(port)
                && w.cmd(&["PING"]) == "PONG"
            {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING within {START_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn writer(&self) -> Writer {
        Writer::try_connect(self.port).expect("connect to the test's redis-server")
    }

    /// Kills the server now (a Redis that goes away).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A plain RESP client for the fixtures.
pub struct Writer {
    r: BufReader<TcpStream>,
}

impl Writer {
    fn try_connect(port: u16) -> std::io::Result<Writer> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Writer {
            r: BufReader::new(s),
        })
    }

    fn encode(words: &[&str], buf: &mut Vec<u8>) {
        buf.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for w in words {
            buf.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
        }
    }

    /// Reads one reply as text: bulk/status/integer as is, arrays joined by spaces.
    fn read(&mut self) -> String {
        let mut line = String::new();
        self.r.read_line(&mut line).expect("reply");
        let line = line.trim_end().to_string();
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" | ":" => rest.to_string(),
            "-" => panic!("redis error: {rest}"),
            "$" => {
                let n: i64 = rest.parse().expect("len");
                if n < 0 {
                    return String::new();
                }
                let mut b = vec![0; n as usize + 2];
                self.r.read_exact(&mut b).expect("bulk");
                String::from_utf8_lossy(&b[..n as usize]).into_owned()
            }
            "*" => {
                let n: i64 = rest.parse().expect("len");
                (0..n.max(0))
                    .map(|_| self.read())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => panic!("unexpected reply {line}"),
        }
    }

    pub fn cmd(&mut self, words: &[&str]) -> String {
        let mut buf = Vec::new();
        Self::encode(words, &mut buf);
        self.r.get_mut().write_all(&buf).expect("send");
        self.read()
    }

    /// `XADD stream * k v ...`; returns the entry id.
    pub fn xadd(&mut self, stream: &str, fields: &[(&str, &str)]) -> String {
        let mut words = vec!["XADD", stream, "*"];
        for (k, v) in fields {
            words.push(k);
            words.push(v);
        }
        self.cmd(&words)
    }

    /// `n` entries made by `fields(i)`, pipelined in batches (for the 1 M entry stream).
    pub fn xadd_many(
        &mut self,
        stream: &str,
        n: usize,
        fields: impl Fn(usize) -> Vec<(String, String)>,
    ) {
        let batch = 10_000;
        let mut i = 0;
        while i < n {
            let end = (i + batch).min(n);
            let mut buf = Vec::new();
            for j in i..end {
                let f = fields(j);
                let mut words = vec!["XADD", stream, "*"];
                for (k, v) in &f {
                    words.push(k);
                    words.push(v);
                }
                Self::encode(&words, &mut buf);
            }
            self.r.get_mut().write_all(&buf).expect("send");
            for _ in i..end {
                self.read();
            }
            i = end;
        }
    }

    /// The `cmdstat_*` names of `INFO commandstats` with their call counts.
    pub fn command_stats(&mut self) -> Vec<(String, u64)> {
        self.cmd(&["INFO", "commandstats"])
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = rest
                    .split(',')
                    .find_map(|p| p.strip_prefix("calls="))?
                    .parse()
                    .ok()?;
                Some((name.to_string(), calls))
            })
            .collect()
    }
}
