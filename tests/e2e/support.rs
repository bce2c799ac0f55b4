//! Running the `sim` binary in a sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary data home and working folder for one test.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `sim ARGS` with SIM_HOME inside the sandbox and the sandbox as working folder.
    pub fn sim(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(args)
            .env("SIM_HOME", self.path("home"))
            .env_remove("SIM_LOG")
            .current_dir(self.dir.path())
            .output()
            .expect("sim runs");
        Run::from(out)
    }
}

/// What one invocation did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "sim failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The repository's top folder (for fixtures).
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The text a run folder's file `name` holds as older run folders held it, whichever form this
/// folder has: `equity.csv` from `equity.csv.zst`, `orders.jsonl` decoded from
/// `orders.journal.zst` (or the plain files, as `sim live` writes them); `None` when neither.
pub fn run_text_opt(dir: &Path, name: &str) -> Option<String> {
    use reports::journal_format::{self, JournalFile};
    let journal = JournalFile::BOTH
        .into_iter()
        .find(|f| f.jsonl_name() == name);
    let found = match journal {
        Some(f) => journal_format::read_to_string(dir, f),
        None => reports::run_folder::files::read_table(dir, name),
    };
    found
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
        .map(|(_, text)| text)
}

/// [`run_text_opt`] of a file that must be there.
pub fn run_text(dir: &Path, name: &str) -> String {
    run_text_opt(dir, name)
        .unwrap_or_else(|| panic!("{} has no {name} in either form", dir.display()))
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

/// A process that is killed (and reaped) when dropped, so a failing test leaves none behind.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `sim serve ARGS --port 0` started in the sandbox; `url` is the base URL it printed. The
/// server stops when this is dropped.
pub struct Served {
    _server: Child,
    pub url: String,
}

impl Sandbox {
    /// Registers the synthetic 1m dataset `name` of `symbols` (comma-separated) from `start` to
    /// `end` (dates, inclusive) with `sim data synth`.
    pub fn synth(&self, symbols: &str, start: &str, end: &str, name: &str) {
        self.sim(&[
            "data",
            "synth",
            "--symbols",
            symbols,
            "--start",
            start,
            "--end",
            end,
            "--name",
            name,
        ])
        .ok();
    }

    /// Starts `sim serve` with `args` (plus `--port 0`) and waits for its URL.
    pub fn serve(&self, args: &[&str]) -> Served {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;
        let mut process = Child(
            Command::new(env!("CARGO_BIN_EXE_sim"))
                .arg("serve")
                .args(args)
                .args(["--port", "0"])
                .env("SIM_HOME", self.path("home"))
                .env_remove("SIM_LOG")
                .current_dir(self.dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("sim serve starts"),
        );
        let stdout = process.0.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a line").expect("utf8");
        // Keep reading, so the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        Served {
            _server: process,
            url,
        }
    }
}

/// The config of an in-process `sim serve` of 20,000 1m BTCUSDT bars from 2026-01-01 on the
/// testnet's exchange info, with one API key: bar `i` opens at `open_close(i).0` and closes at
/// `.1`, its high and low `spread` beyond them. The caller sets the clock and limits, then
/// `serve::Server::start`s it (on 127.0.0.1).
pub fn btc_serve_config(
    key: &str,
    secret: &str,
    spread: f64,
    open_close: impl Fn(i64) -> (f64, f64),
) -> ::serve::ServeConfig {
    let info = pipeline::exchange_info::snapshot(pipeline::exchange_info::Environment::Testnet)
        .expect("embedded info");
    let t0 = pipeline::TimestampMs::from_utc(2026, 1, 1, 0, 0, 0);
    let btc = pipeline::Symbol::new("BTCUSDT").expect("symbol");
    let bars = (0..20_000_i64)
        .map(|i| {
            let (o, c) = open_close(i);
            let bar = pipeline::Bar {
                open_time: t0.plus_ms(i * 60_000),
                open: o,
                high: o.max(c) + spread,
                low: o.min(c) - spread,
                close: c,
                volume: 100.0,
            };
            (btc.clone(), bar)
        })
        .collect();
    ::serve::ServeConfig::new(
        info,
        exchange_sim::SimConfig::default(),
        pipeline::Interval::M1,
        bars,
        vec![::serve::ApiKey {
            key: key.into(),
            secret: secret.into(),
        }],
    )
}

/// `POST path` with a JSON body to the server (a plain HTTP/1.1 request; no client needed).
pub fn post_json(server: &::serve::ServerHandle, path: &str, body: &str) -> String {
    http_request(server, "POST", path, body)
}

/// `GET path` from the server, its JSON body parsed (panics on anything else).
pub fn get_json(server: &::serve::ServerHandle, path: &str) -> serde_json::Value {
    let answer = http_request(server, "GET", path, "");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path}: {e}\n{answer}"))
}

fn http_request(server: &::serve::ServerHandle, method: &str, path: &str, body: &str) -> String {
    let addr = server.addr();
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}
