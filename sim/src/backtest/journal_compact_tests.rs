use std::io::Read;

use super::*;
use crate::backtest::journal_files::FileJournal;
use crate::backtest::journal_thread::BackgroundJournal;
use pipeline::exchange_info::{Environment, snapshot};
use pipeline::stages::journal::Journal;
use pipeline::{Interval, Symbol, TimestampMs};
use reports::journal_format;

/// Both sinks of one run: the JSON lines of today and the compressed journal.
struct Both(FileJournal, BackgroundJournal);

impl Journal for Both {
    fn record(&mut self, record: &JournalRecord<'_>) {
        self.0.record(record);
        self.1.record(record);
    }
}

/// A real run's records (signals, intents, plans, governor and permit decisions, orders,
/// answers, results, sizing traces) written both ways: the compressed journals decode to the
/// JSON lines byte for byte, the governor's and permit's records are stored as follow-ups, and
/// the stored orders are far smaller than the lines.
#[test]
fn a_runs_compressed_journals_decode_to_its_json_lines() {
    let sym = Symbol::new("BTCUSDT").expect("symbol");
    let bars = datasets::generate(
        &sym,
        Interval::M1,
        TimestampMs::from_utc(2025, 1, 1, 0, 0, 0),
        TimestampMs::from_utc(2025, 1, 4, 23, 59, 0),
        7,
    )
    .expect("bars");
    let spec = crate::config::load(
        None,
        &[
            "run.exchange_info=\"mainnet\"".to_string(),
            "strategy.name=\"sma_cross\"".to_string(),
            "strategy.fast=10".to_string(),
            "strategy.slow=30".to_string(),
        ],
    )
    .expect("config");
    let info = snapshot(Environment::Mainnet).expect("snapshot");
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (dir.path().join("lines"), dir.path().join("compact"));
    std::fs::create_dir_all(&a).expect("a");
    std::fs::create_dir_all(&b).expect("b");
    let journal = Both(
        FileJournal::create(&a).expect("lines"),
        BackgroundJournal::create(&b).expect("compact"),
    );
    let sim = crate::backtest::simulate(&spec, &[&bars], info, journal).expect("runs");
    let Both(lines, compact) = sim.journal;
    let n = lines.finish().expect("lines written");
    assert_eq!(compact.finish().expect("compact written"), n);
    for f in JournalFile::BOTH {
        let want = std::fs::read(a.join(f.jsonl_name())).expect("lines");
        let (_, mut r) = journal_format::open(&b, f).expect("open").expect("some");
        let mut got = Vec::new();
        r.read_to_end(&mut got).expect("decodes");
        assert!(
            got == want,
            "{} differs from {}",
            f.compact_name(),
            f.jsonl_name()
        );
    }
    let want = std::fs::read_to_string(a.join("orders.jsonl")).expect("orders");
    for kind in ["plan", "governed", "permit", "order", "result"] {
        let k = format!("\"kind\":\"{kind}\"");
        let in_either = want.contains(&k)
            || std::fs::read_to_string(a.join("results.jsonl"))
                .expect("results")
                .contains(&k);
        assert!(in_either, "the run records `{kind}`");
    }
    let stored = zstd::decode_all(
        std::fs::File::open(b.join("orders.journal.zst")).expect("compact orders"),
    )
    .expect("zstd");
    let stored = String::from_utf8(stored).expect("utf-8");
    let follow_ups = stored.matches("\"follows\":").count();
    let permits = want.matches("{\"kind\":\"permit\"").count();
    assert!(permits > 10, "{permits} permits");
    assert_eq!(
        follow_ups,
        2 * permits,
        "every governed and permit record follows up"
    );
    assert!(
        stored.len() * 10 < want.len() * 8,
        "follow-ups drop the copies"
    );
    let size = std::fs::metadata(b.join("orders.journal.zst"))
        .expect("size")
        .len();
    assert!(
        size * 10 < want.len() as u64,
        "{size} bytes stored for {}",
        want.len()
    );
}
