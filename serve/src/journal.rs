//! `sim serve --journal FILE`: every event of the simulated exchange (fills, order updates,
//! funding payments, liquidations) appended to a JSON-lines file as it happens, one
//! `{"seq":N,"wall_ms":T,"event":{...}}` object per line, `event` in `pipeline::VenueEvent`'s
//! serde shape (e.g. `{"Fill":{...}}`). It is the server's own record of what it did, to hold a
//! client's trade list against (tests/e2e/freqtrade.rs does). Each line is flushed when written,
//! so a reader sees it while the server runs.
//! Must never live here: anything a request can read (the journal is write-only for serve).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use pipeline::venue::VenueEvent;
use serde_json::json;

/// An open journal file.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    out: BufWriter<File>,
    seq: u64,
    /// After the first write error: logged once, then the journal stops (the server does not).
    broken: bool,
}

impl Journal {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> Result<Journal, String> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|e| {
                format!(
                    "cannot create the journal {}: {e}; pass a writable path to --journal",
                    path.display()
                )
            })?;
        Ok(Journal {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            seq: 0,
            broken: false,
        })
    }

    /// Appends `events` (in order) and flushes.
    pub fn write(&mut self, events: &[VenueEvent], wall_ms: i64) {
        if self.broken || events.is_empty() {
            return;
        }
        let result = events
            .iter()
            .try_for_each(|event| {
                self.seq += 1;
                let line = json!({"seq": self.seq, "wall_ms": wall_ms, "event": event});
                writeln!(self.out, "{line}")
            })
            .and_then(|()| self.out.flush());
        if let Err(e) = result {
            self.broken = true;
            tracing::error!(
                path = %self.path.display(),
                error = %e,
                "cannot write the journal; it stops here and the server keeps serving"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::{Symbol, TimestampMs};
    use rust_decimal::Decimal;

    #[test]
    fn events_become_numbered_json_lines() {
        let path = std::env::temp_dir().join(format!("serve-journal-{}.jsonl", std::process::id()));
        let mut j = Journal::create(&path).expect("created");
        let funding = |amount: i64| VenueEvent::Funding {
            symbol: Symbol::new("BTCUSDT").expect("symbol"),
            rate: Decimal::new(1, 4),
            amount: Decimal::new(amount, 2),
            time: TimestampMs::from_utc(2026, 1, 1, 8, 0, 0),
        };
        j.write(&[funding(-150), funding(25)], 7);
        j.write(&[], 8);
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["seq"], 1);
        assert_eq!(lines[1]["seq"], 2);
        assert_eq!(lines[1]["wall_ms"], 7);
        assert_eq!(lines[0]["event"]["Funding"]["amount"], "-1.50");
        let back: VenueEvent =
            serde_json::from_value(lines[1]["event"].clone()).expect("a VenueEvent");
        assert_eq!(back, funding(25));
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let err = Journal::create(Path::new("/nonexistent-dir/j.jsonl")).expect_err("refused");
        assert!(
            err.contains("/nonexistent-dir/j.jsonl") && err.contains("--journal"),
            "{err}"
        );
    }
}
