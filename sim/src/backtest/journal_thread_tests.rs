use std::io::Read;

use super::*;
use crate::backtest::journal_files::FileJournal;
use pipeline::signal::{Action, Signal};
use pipeline::{Symbol, TimestampMs};
use reports::journal_format::{self, JournalFile};

fn signal(k: u64) -> Signal {
    Signal {
        time: TimestampMs(1_735_689_600_000 + i64::try_from(k).unwrap_or(0) * 60_000),
        symbol: Symbol::new("BTCUSDT").expect("symbol"),
        action: if k.is_multiple_of(2) {
            Action::Buy
        } else {
            Action::Sell
        },
        confidence: 0.75,
        source: "test \"quoted\"".into(),
    }
}

/// The journal `file` of `dir` decoded to today's JSON lines.
fn decoded(dir: &Path, file: JournalFile) -> Vec<u8> {
    let (_, mut lines) = journal_format::open(dir, file)
        .expect("opens")
        .expect("a journal");
    let mut out = Vec::new();
    lines.read_to_end(&mut out).expect("decodes");
    out
}

/// Decoded, the compressed journals are the bytes the JSON-lines journal writes, in the same
/// order, across chunk boundaries, with chunks serialised on either side, and with a last,
/// partial chunk.
#[test]
fn the_background_journal_decodes_to_what_the_file_journal_writes() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).expect("a");
    std::fs::create_dir_all(&b).expect("b");
    let mut direct = FileJournal::create(&a).expect("direct");
    let mut background = BackgroundJournal::create(&b).expect("background");
    let n = CHUNK * CHUNKS_IN_FLIGHT * 40 + 7;
    let mut serialised_here = 0;
    for k in 0..n {
        let s = signal(k as u64);
        direct.record(&JournalRecord::Signal(&s));
        background.record(&JournalRecord::Signal(&s));
        serialised_here += usize::from(matches!(background.chunk, Chunk::Lines(_)));
    }
    assert_eq!(direct.finish().expect("direct"), n as u64);
    assert_eq!(background.finish().expect("background"), n as u64);
    for f in JournalFile::BOTH {
        let x = std::fs::read(a.join(f.jsonl_name())).expect("read a");
        assert_eq!(x, decoded(&b, f), "{}", f.stem());
    }
    // Not asserted (it depends on the machine's load): how much the run serialised itself.
    eprintln!("records taken while serialising here: {serialised_here} of {n}");
}

/// Lines serialised here are written after the entries sent before them.
#[test]
fn serialised_chunks_keep_their_place() {
    let dir = tempfile::tempdir().expect("dir");
    let mut j = BackgroundJournal::create(dir.path()).expect("journal");
    let mut want = Vec::new();
    for k in 0..(CHUNK as u64 * 5) {
        if k == CHUNK as u64 * 2 {
            // As if the writer had fallen behind: the third chunk is serialised here.
            j.send_chunk();
            j.chunk = Chunk::Lines(SerializedLines::default());
        }
        let s = signal(k);
        j.record(&JournalRecord::Signal(&s));
        want.extend(serde_json::to_vec(&JournalRecord::Signal(&s)).expect("json"));
        want.push(b'\n');
    }
    assert_eq!(j.finish().expect("finish"), CHUNK as u64 * 5);
    assert_eq!(decoded(dir.path(), JournalFile::Orders), want);
}

/// A run that fails drops its journal without `finish`: the drop waits for the writer, so
/// when it returns every chunk handed over is on disk, the compressed streams ended, and
/// nothing writes into the folder any more. Enough records that the writer is behind at the
/// drop (up to `CHUNKS_IN_FLIGHT` chunks still queued): a drop that did not wait would return
/// with them unwritten, and the line count read at once would fall short.
#[test]
fn dropping_the_background_journal_waits_for_the_writer() {
    let dir = tempfile::tempdir().expect("dir");
    let mut j = BackgroundJournal::create(dir.path()).expect("journal");
    let n = CHUNK * CHUNKS_IN_FLIGHT * 40;
    for k in 0..n {
        let s = signal(k as u64);
        j.record(&JournalRecord::Signal(&s));
    }
    // Every chunk is full, so each was handed over; none is left in the journal.
    assert_eq!(j.chunk.len(), 0);
    drop(j);
    let lines = decoded(dir.path(), JournalFile::Orders)
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    assert_eq!(lines, n, "every handed-over line is written by the drop");
}
