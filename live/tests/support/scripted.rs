//! A scripted HTTP/1.1 server on 127.0.0.1:0 for the client's fault tests: each request is
//! answered by a closure (status, headers, body, or a hang / a dropped connection), and every
//! request line is recorded. Std only; one connection at a time, `Connection: close`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One received request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub api_key: Option<String>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }
}

/// What to send back.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(u16, String, Vec<(String, String)>),
    /// Wait this long, then close without answering (a client timeout).
    Hang(Duration),
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply::Json(200, body.into(), Vec::new())
    }
    pub fn status(code: u16, body: impl Into<String>) -> Reply {
        Reply::Json(code, body.into(), Vec::new())
    }
    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Json(c, b, mut h) => {
                h.push((name.to_string(), value.to_string()));
                Reply::Json(c, b, h)
            }
            other => other,
        }
    }
}

pub type Handler = Box<dyn FnMut(&Seen) -> Reply + Send>;

/// The running server; requests are kept in `seen`.
pub struct Scripted {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    pub fn start(handler: Handler) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let handler = Arc::new(Mutex::new(handler));
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (log, handler) = (log.clone(), handler.clone());
                thread::spawn(move || serve(stream, &log, &handler));
            }
        });
        Scripted { url, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .count()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Seen>>, handler: &Mutex<Handler>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let mut api_key = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("x-mbx-apikey")
        {
            api_key = Some(v.trim().to_string());
        }
    }
    let seen = Seen {
        method,
        path: path.to_string(),
        query: query.to_string(),
        api_key,
    };
    log.lock().expect("lock").push(seen.clone());
    let reply = (handler.lock().expect("lock"))(&seen);
    let mut stream = stream;
    match reply {
        Reply::Hang(d) => thread::sleep(d),
        Reply::Json(code, body, headers) => {
            let mut head = format!(
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
        }
    }
}
