//! `fetch` against a loopback HTTP server this test starts on 127.0.0.1:0, serving fixture zips
//! built here in Binance's layout. No test reaches the internet.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use common::*;
use datasets::text::write_binance_csv;
use datasets::{
    DataKind, DatasetError, FetchOptions, LoadOptions, fetch, generate, load_with, sha256_hex,
};
use pipeline::{Interval, Symbol, TimestampMs};

const DIR: &str = "/data/futures/um/monthly/klines/BTCUSDT/1m";
const FUNDING_DIR: &str = "/data/futures/um/monthly/fundingRate/BTCUSDT";
const TRADES_DIR: &str = "/data/futures/um/monthly/aggTrades/BTCUSDT";
const MARKS_DIR: &str = "/data/futures/um/monthly/markPriceKlines/BTCUSDT/1m";

/// A tiny HTTP/1.1 server: GET of a known path gives 200 and the bytes, anything else 404.
struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    hits: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(files: BTreeMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(Vec::new()));
        let (stop2, hits2) = (stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = stream {
                    serve(s, &files, &hits2);
                }
            }
        });
        Server {
            addr,
            stop,
            hits,
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut s: TcpStream, files: &BTreeMap<String, Vec<u8>>, hits: &Mutex<Vec<String>>) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req);
    let path = text.split_whitespace().nth(1).unwrap_or("").to_string();
    hits.lock().expect("lock").push(path.clone());
    let (status, body): (&str, &[u8]) = match files.get(&path) {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let _ = s.flush();
}

/// Adds `<name>` and `<name>.CHECKSUM` (sha256sum format) to the served files.
fn add_zip(files: &mut BTreeMap<String, Vec<u8>>, name: &str, zip: Vec<u8>, checksum_of: &[u8]) {
    let sum = format!("{}  {name}\n", sha256_hex(checksum_of));
    files.insert(format!("{DIR}/{name}.CHECKSUM"), sum.into_bytes());
    files.insert(format!("{DIR}/{name}"), zip);
}

/// Adds the month's funding zip in Binance's layout (`BTCUSDT-fundingRate-2026-MM.zip` holding
/// the CSV of the same name) and its `.CHECKSUM` of `checksum_of` (the zip itself when `None`).
/// January and March settle every 8 h at 0.0001, February every 4 h at -0.00005; `skip` drops
/// one settlement (a gap).
fn add_funding(
    files: &mut BTreeMap<String, Vec<u8>>,
    m: u32,
    skip: Option<i64>,
    checksum_of: Option<&[u8]>,
) {
    let (start, end) = month(m);
    let (hours, rate) = if m == 2 {
        (4, "-0.00005000")
    } else {
        (8, "0.00010000")
    };
    let mut csv = String::from("calc_time,funding_interval_hours,last_funding_rate\n");
    let mut t = start.0;
    while t <= end.0 {
        if Some(t) != skip {
            csv.push_str(&format!("{t},{hours},{rate}\n"));
        }
        t += hours * 3_600_000;
    }
    let name = format!("BTCUSDT-fundingRate-2026-{m:02}");
    let zip = zip_bytes(&format!("{name}.csv"), csv.as_bytes());
    let sum = format!("{}  {name}.zip\n", sha256_hex(checksum_of.unwrap_or(&zip)));
    files.insert(
        format!("{FUNDING_DIR}/{name}.zip.CHECKSUM"),
        sum.into_bytes(),
    );
    files.insert(format!("{FUNDING_DIR}/{name}.zip"), zip);
}

/// Adds the month's aggTrades zip in Binance's layout (with its header line), one trade at
/// 00:00:30 of every day at 87,000 + the day, and its `.CHECKSUM` of `checksum_of` (the zip
/// itself when `None`).
fn add_agg_trades(files: &mut BTreeMap<String, Vec<u8>>, m: u32, checksum_of: Option<&[u8]>) {
    let (start, end) = month(m);
    let mut csv = String::from(datasets::agg_trades::parse::CSV_HEADER);
    csv.push('\n');
    let (mut t, mut id) = (start.0 + 30_000, 1);
    while t <= end.0 {
        csv.push_str(&format!(
            "{id},{}.5,0.010,{id},{id},{t},true\n",
            87_000 + id
        ));
        (t, id) = (t + 86_400_000, id + 1);
    }
    let name = format!("BTCUSDT-aggTrades-2026-{m:02}");
    let zip = zip_bytes(&format!("{name}.csv"), csv.as_bytes());
    let sum = format!("{}  {name}.zip\n", sha256_hex(checksum_of.unwrap_or(&zip)));
    files.insert(
        format!("{TRADES_DIR}/{name}.zip.CHECKSUM"),
        sum.into_bytes(),
    );
    files.insert(format!("{TRADES_DIR}/{name}.zip"), zip);
}

/// The three months of btc_2026q1's klines and funding, and aggTrades whose February
/// checksum is `feb_checksum_of` when given.
fn quarter_with_trades(feb_checksum_of: Option<&[u8]>) -> BTreeMap<String, Vec<u8>> {
    let sym = Symbol::new("BTCUSDT").expect("sym");
    let mut files = BTreeMap::new();
    for m in 1..=3 {
        let (start, end) = month(m);
        let s = generate(&sym, Interval::M1, start, end, 900 + u64::from(m)).expect("fixture");
        let name = format!("BTCUSDT-1m-2026-{m:02}");
        let zip = zip_bytes(
            &format!("{name}.csv"),
            write_binance_csv(&s, true, false).as_bytes(),
        );
        add_zip(&mut files, &format!("{name}.zip"), zip.clone(), &zip);
        add_funding(&mut files, m, None, None);
        add_agg_trades(&mut files, m, feb_checksum_of.filter(|_| m == 2));
        // The mark: the trade klines 1 % lower, in the same layout and file name.
        let s = generate(&sym, Interval::M1, start, end, 900 + u64::from(m)).expect("fixture");
        let marks = scaled_prices(&write_binance_csv(&s, true, false), 0.99);
        let zip = zip_bytes(&format!("{name}.csv"), marks.as_bytes());
        let sum = format!("{}  {name}.zip\n", sha256_hex(&zip));
        files.insert(format!("{MARKS_DIR}/{name}.zip.CHECKSUM"), sum.into_bytes());
        files.insert(format!("{MARKS_DIR}/{name}.zip"), zip);
    }
    files
}

/// A Binance kline CSV with its four price columns times `factor` (rounded to 0.1).
fn scaled_prices(csv: &str, factor: f64) -> String {
    let mut out = String::new();
    for line in csv.lines() {
        let mut cols: Vec<String> = line.split(',').map(str::to_string).collect();
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            for c in &mut cols[1..5] {
                let p: f64 = c.parse().expect("price");
                *c = format!("{:.1}", (p * factor * 10.0).round() / 10.0);
            }
        }
        out.push_str(&cols.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn mark_price_klines_are_fetched_when_asked_and_loaded_beside_the_klines() {
    let server = Server::start(quarter_with_trades(None));
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: true,
    };
    let out = fetch(&home, "btc_2026q1", &opts).expect("fetch");
    assert_eq!(out.mark_price_files.len(), 3);
    assert!(out.mark_price_files[0].path.ends_with(
        "downloads/data/futures/um/monthly/markPriceKlines/BTCUSDT/1m/BTCUSDT-1m-2026-01.zip"
    ));
    let series = &out.dataset.series()[0];
    let marks = series.marks().expect("marks");
    assert_eq!(marks.len(), 129_600);
    let first = series.bar(0);
    let (_, _, _, close) = marks.bar(first.open_time.0).expect("mark bar");
    assert!(
        (close - first.close * 0.99).abs() < 0.11,
        "{close} vs {}",
        first.close
    );
    let loaded = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("load");
    assert_eq!(loaded.entry().mark_price.len(), 3);
    assert!(!server.hits().iter().any(|h| h.contains("aggTrades")));
}

#[test]
fn agg_trades_are_fetched_when_asked_checksummed_and_loaded_beside_the_klines() {
    let server = Server::start(quarter_with_trades(None));
    let (_tmp, home) = temp_home();
    let mut opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: false,
    };
    // Not asked: no aggTrades request at all.
    let out = fetch(&home, "btc_2026q1", &opts).expect("fetch");
    assert!(out.agg_trades_files.is_empty());
    assert!(out.dataset.series()[0].trades().is_none());
    assert!(!server.hits().iter().any(|h| h.contains("aggTrades")));
    opts.agg_trades = true;
    let out = fetch(&home, "btc_2026q1", &opts).expect("fetch");
    assert_eq!(out.agg_trades_files.len(), 3);
    assert!(out.agg_trades_files[1].path.ends_with(
        "downloads/data/futures/um/monthly/aggTrades/BTCUSDT/BTCUSDT-aggTrades-2026-02.zip"
    ));
    let tape = out.dataset.series()[0].trades().expect("trades").clone();
    assert_eq!(tape.len(), 31 + 28 + 31, "one trade a day");
    let feb1 = TimestampMs::from_utc(2026, 2, 1, 0, 0, 30).0;
    assert_eq!(tape.between(feb1, feb1), &[87_001.5]);
    let loaded = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("load");
    assert_eq!(loaded.entry().agg_trades.len(), 3);
    assert_eq!(loaded.series()[0].trades(), Some(&tape));
    // Each file's parse is cached by its sha256; a damaged cache file is read again from the
    // source and rewritten.
    let sha = &out.agg_trades_files[1].sha256;
    let cached = datasets::agg_trades::cache::path(&home, sha);
    let whole = std::fs::read(&cached).expect("cache written");
    assert_eq!(whole.len(), 16 + 16 * 28, "28 February trades");
    std::fs::write(&cached, &whole[..20]).expect("damage");
    let again = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("load");
    assert_eq!(again.series()[0].trades(), Some(&tape));
    assert_eq!(std::fs::read(&cached).expect("rewritten"), whole);
}

#[test]
fn an_agg_trades_file_whose_checksum_differs_is_refused_and_nothing_registered() {
    let server = Server::start(quarter_with_trades(Some(b"what Binance published")));
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: true,
        mark_price: false,
    };
    let e = fetch(&home, "btc_2026q1", &opts).expect_err("mismatch");
    let text = e.to_string();
    assert!(matches!(e, DatasetError::ChecksumMismatch { .. }), "{text}");
    assert!(
        text.starts_with("BTCUSDT-aggTrades-2026-02.zip: sha256 is "),
        "{text}"
    );
    let feb = home.downloads_dir().join(format!(
        "{}/BTCUSDT-aggTrades-2026-02.zip",
        &TRADES_DIR[1..]
    ));
    assert!(!feb.exists());
    assert!(no_partial_files(home.root()));
    let still = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("stand-in");
    assert!(still.is_synthetic() && still.entry().agg_trades.is_empty());
}

fn month(m: u32) -> (TimestampMs, TimestampMs) {
    let start = TimestampMs::from_utc(2026, m, 1, 0, 0, 0);
    let end = TimestampMs::from_utc(2026, m + 1, 1, 0, 0, 0).plus_ms(-60_000);
    (start, end)
}

fn no_partial_files(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return true;
    };
    rd.filter_map(Result::ok).all(|e| {
        let p = e.path();
        if p.is_dir() {
            no_partial_files(&p)
        } else {
            !p.to_string_lossy().ends_with(".part")
        }
    })
}

#[test]
fn fetch_btc_2026q1_verifies_registers_real_data_and_reuses_downloads() {
    let sym = Symbol::new("BTCUSDT").expect("sym");
    let mut files = BTreeMap::new();
    let mut expected_closes = Vec::new();
    for m in 1..=3 {
        let (start, end) = month(m);
        let s = generate(&sym, Interval::M1, start, end, 900 + u64::from(m)).expect("fixture");
        expected_closes.extend_from_slice(s.closes());
        let name = format!("BTCUSDT-1m-2026-{m:02}");
        let zip = zip_bytes(
            &format!("{name}.csv"),
            write_binance_csv(&s, true, false).as_bytes(),
        );
        add_zip(&mut files, &format!("{name}.zip"), zip.clone(), &zip);
    }
    // March 2026-03-10 08:00 is missing from its funding file.
    let missing = TimestampMs::from_utc(2026, 3, 10, 8, 0, 0);
    for m in 1..=3 {
        add_funding(&mut files, m, (m == 3).then_some(missing.0), None);
    }
    let server = Server::start(files);
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: false,
    };

    let out = fetch(&home, "btc_2026q1", &opts).expect("fetch");
    assert_eq!(out.files.len(), 3);
    assert_eq!(out.funding_files.len(), 3);
    assert!(out.funding_files[1].path.ends_with(
        "downloads/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2026-02.zip"
    ));
    // 31 x 3 + 28 x 6 + 31 x 3 - 1 settlements; the 8 h -> 4 h -> 8 h changes are no gap,
    // the missing March settlement is one.
    let f = out.dataset.series()[0].funding().expect("recorded funding");
    assert_eq!(f.records.len(), 93 + 168 + 93 - 1);
    assert_eq!(f.intervals(), vec![4, 8]);
    assert_eq!(f.gaps.len(), 1);
    assert_eq!((f.gaps[0].start, f.gaps[0].missing), (missing, 1));
    let feb = TimestampMs::from_utc(2026, 2, 1, 4, 0, 0);
    let rec = f.records.iter().find(|r| r.time == feb).expect("Feb 04:00");
    assert_eq!(rec.rate.to_string(), "-0.00005000");
    assert!(
        out.files
            .iter()
            .all(|f| !f.reused && f.path.starts_with(home.downloads_dir()))
    );
    assert!(!out.dataset.is_synthetic());
    assert_eq!(out.dataset.series()[0].len(), 129_600);
    assert_eq!(out.dataset.series()[0].closes(), expected_closes.as_slice());
    assert!(out.entry_path.starts_with(home.catalog_dir()));

    let loaded = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("load");
    assert_eq!(loaded.kind(), DataKind::Real);
    assert_eq!(loaded.entry().funding.len(), 3);
    assert_eq!(loaded.series()[0].funding(), Some(f));
    assert!(!loaded.is_synthetic());
    assert!(loaded.from_cache());
    assert_eq!(
        loaded
            .entry()
            .sources
            .iter()
            .filter(|s| s.sha256.is_some())
            .count(),
        3
    );

    let before = server.hits().len();
    let again = fetch(&home, "btc_2026q1", &opts).expect("fetch again");
    assert!(again.files.iter().all(|f| f.reused));
    assert!(again.funding_files.iter().all(|f| f.reused));
    let new_hits = server.hits()[before..].to_vec();
    assert!(
        new_hits.iter().all(|h| h.ends_with(".CHECKSUM")),
        "{new_hits:?}"
    );
    assert!(no_partial_files(home.root()));
}

#[test]
fn checksum_mismatch_names_file_and_hashes_and_keeps_nothing() {
    let mut files = BTreeMap::new();
    let jan = zip_bytes("BTCUSDT-1m-2026-01.csv", b"not used");
    add_zip(&mut files, "BTCUSDT-1m-2026-01.zip", jan.clone(), &jan);
    let feb = zip_bytes("BTCUSDT-1m-2026-02.csv", b"tampered in transit");
    add_zip(
        &mut files,
        "BTCUSDT-1m-2026-02.zip",
        feb.clone(),
        b"what Binance published",
    );
    let server = Server::start(files);
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: false,
    };

    let e = fetch(&home, "btc_2026q1", &opts).expect_err("mismatch");
    let text = e.to_string();
    assert!(matches!(e, DatasetError::ChecksumMismatch { .. }), "{text}");
    assert!(
        text.starts_with("BTCUSDT-1m-2026-02.zip: sha256 is "),
        "{text}"
    );
    assert!(
        text.contains(&sha256_hex(&feb)),
        "actual hash missing: {text}"
    );
    assert!(
        text.contains(&sha256_hex(b"what Binance published")),
        "expected hash missing: {text}"
    );
    assert!(text.contains("re-download"), "{text}");
    let feb_path = home
        .downloads_dir()
        .join(format!("{}/BTCUSDT-1m-2026-02.zip", &DIR[1..]));
    assert!(!feb_path.exists());
    assert!(no_partial_files(home.root()));
    let still = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("stand-in");
    assert!(
        still.is_synthetic(),
        "a failed fetch must not register anything"
    );
}

#[test]
fn a_funding_file_whose_checksum_differs_is_refused_and_nothing_registered() {
    let sym = Symbol::new("BTCUSDT").expect("sym");
    let mut files = BTreeMap::new();
    for m in 1..=3 {
        let (start, end) = month(m);
        let s = generate(&sym, Interval::M1, start, end, 900 + u64::from(m)).expect("fixture");
        let name = format!("BTCUSDT-1m-2026-{m:02}");
        let zip = zip_bytes(
            &format!("{name}.csv"),
            write_binance_csv(&s, true, false).as_bytes(),
        );
        add_zip(&mut files, &format!("{name}.zip"), zip.clone(), &zip);
        let published: &[u8] = b"what Binance published";
        add_funding(&mut files, m, None, (m == 2).then_some(published));
    }
    let server = Server::start(files);
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: false,
    };
    let e = fetch(&home, "btc_2026q1", &opts).expect_err("mismatch");
    let text = e.to_string();
    assert!(matches!(e, DatasetError::ChecksumMismatch { .. }), "{text}");
    assert!(
        text.starts_with("BTCUSDT-fundingRate-2026-02.zip: sha256 is "),
        "{text}"
    );
    assert!(
        text.contains(&sha256_hex(b"what Binance published")),
        "{text}"
    );
    let feb = home.downloads_dir().join(format!(
        "{}/BTCUSDT-fundingRate-2026-02.zip",
        &FUNDING_DIR[1..]
    ));
    assert!(!feb.exists());
    assert!(no_partial_files(home.root()));
    let still = load_with(&home, "btc_2026q1", &LoadOptions::default()).expect("stand-in");
    assert!(still.is_synthetic() && still.entry().funding.is_empty());
}

#[test]
fn a_missing_month_is_a_clear_error() {
    let server = Server::start(BTreeMap::new());
    let (_tmp, home) = temp_home();
    let opts = FetchOptions {
        base_url: Some(server.base_url()),
        agg_trades: false,
        mark_price: false,
    };
    let e = fetch(&home, "btc_2026q1", &opts).expect_err("404");
    assert!(e.to_string().contains("404"), "{e}");
    assert!(
        e.to_string().contains("BTCUSDT-1m-2026-01.zip.CHECKSUM"),
        "{e}"
    );
    let e = fetch(&home, "bench_2025_top10", &opts).expect_err("no urls");
    assert!(e.to_string().contains("nothing to fetch"), "{e}");
}
