//! The writer's side of the journal format (version 1; the format and its reader are
//! `reports::journal_format`): records become [`CompactEntry`]s, which refer to the plan or
//! governed record they follow up instead of copying it ([`FollowUps`]), are serialised as
//! JSON lines ([`SerializedLines`]) and written zstd-compressed, one frame per MiB of lines
//! ([`CompactFiles`]).
//!
//! The decision to refer is made as records come (on the run's thread), so an entry
//! serialises the same wherever it is serialised: the writer thread or the run when the writer
//! falls behind (`journal_thread.rs`).
//! Must never live here: what a record holds (`pipeline::stages::journal`), the threads.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use pipeline::SharedText;
use pipeline::stages::journal::{JournalEntry, JournalRecord};
use pipeline::stages::{ApplyPlan, KillScore, PermitInfo, PlanMessage};
use reports::journal_format::JournalFile;

use super::zstd_frames::FramedZstd;

/// One record as stored: whole, or as what it adds to the record it follows up.
// Unboxed on purpose: most entries are whole, and boxing them would allocate once per record
// on the run's thread; the batches the writer takes hold entries of this size either way.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum CompactEntry {
    Whole(JournalEntry),
    /// The governor's decision on the last plan recorded.
    Governed {
        plan_id: SharedText,
        kill: Option<KillScore>,
    },
    /// The permit of the last governed plan recorded.
    Permit {
        plan_id: SharedText,
        permit: PermitInfo,
    },
}

impl CompactEntry {
    /// The journal file the entry goes to.
    fn file(&self) -> JournalFile {
        match self {
            CompactEntry::Whole(JournalEntry::Result(_) | JournalEntry::Mismatch(_)) => {
                JournalFile::Results
            }
            _ => JournalFile::Orders,
        }
    }

    /// Appends the entry's line (without its newline) to `out`.
    fn write_line(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        match self {
            CompactEntry::Whole(e) => serde_json::to_writer(&mut *out, &e.record()),
            CompactEntry::Governed { plan_id, kill } => {
                follow_up(out, "governed", plan_id, "kill", kill)
            }
            CompactEntry::Permit { plan_id, permit } => {
                follow_up(out, "permit", plan_id, "permit", permit)
            }
        }
    }
}

/// `{"kind":KIND,"follows":PLAN_ID,"FIELD":VALUE}`.
fn follow_up(
    out: &mut Vec<u8>,
    kind: &str,
    plan_id: &SharedText,
    field: &str,
    value: &impl serde::Serialize,
) -> serde_json::Result<()> {
    out.extend_from_slice(br#"{"kind":""#);
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(br#"","follows":"#);
    serde_json::to_writer(&mut *out, plan_id)?;
    out.extend_from_slice(b",\"");
    out.extend_from_slice(field.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *out, value)?;
    out.push(b'}');
    Ok(())
}

/// Decides which records follow up the one before them: keeps the last plan recorded, and
/// the kill score of the last governed record when that record was about this plan.
#[derive(Debug, Default)]
pub struct FollowUps {
    plan: Option<ApplyPlan>,
    /// `Some` while the last governed record is the last plan with this kill score (what a
    /// permit may then follow up).
    governed_kill: Option<Option<KillScore>>,
}

impl FollowUps {
    /// The entry to store for `record`.
    pub fn entry(&mut self, record: &JournalRecord<'_>) -> CompactEntry {
        match *record {
            JournalRecord::Plan(p) => {
                self.plan = Some(p.clone());
                self.governed_kill = None;
            }
            JournalRecord::Governed(g) => {
                if self.plan.as_ref() == Some(g.plan()) {
                    let kill = g.kill().copied();
                    self.governed_kill = Some(kill);
                    return CompactEntry::Governed {
                        plan_id: g.plan_id().clone(),
                        kill,
                    };
                }
                self.governed_kill = None;
            }
            JournalRecord::Permit(p) => {
                let g = p.governed();
                let follows = self.governed_kill == Some(g.kill().copied())
                    && self.plan.as_ref() == Some(g.plan());
                if follows {
                    return CompactEntry::Permit {
                        plan_id: p.plan_id().clone(),
                        permit: p.permit().clone(),
                    };
                }
            }
            _ => {}
        }
        CompactEntry::Whole(JournalEntry::from(record))
    }
}

/// Stored lines serialised into memory, each to its file's buffer. After an entry fails to
/// serialise, nothing more is taken (the error is reported when the journals are finished).
#[derive(Debug, Default)]
pub struct SerializedLines {
    pub orders: Vec<u8>,
    pub results: Vec<u8>,
    pub lines: u64,
    pub error: Option<String>,
}

impl SerializedLines {
    pub fn clear(&mut self) {
        self.orders.clear();
        self.results.clear();
        self.lines = 0;
        self.error = None;
    }

    /// Serialises `entry` after the lines taken so far.
    pub fn push(&mut self, entry: &CompactEntry) {
        if self.error.is_some() {
            return;
        }
        let out = match entry.file() {
            JournalFile::Orders => &mut self.orders,
            JournalFile::Results => &mut self.results,
        };
        let mark = out.len();
        match entry.write_line(out) {
            Ok(()) => {
                out.push(b'\n');
                self.lines += 1;
            }
            Err(e) => {
                out.truncate(mark);
                self.error = Some(format!("a journal record could not be serialised: {e}"));
            }
        }
    }
}

type FrameFile = FramedZstd<BufWriter<File>>;

fn create(dir: &Path, file: JournalFile) -> std::io::Result<FrameFile> {
    let mut z = FramedZstd::new(BufWriter::new(File::create(dir.join(file.compact_name()))?))?;
    z.write_all(file.header().as_bytes())?;
    z.write_all(b"\n")?;
    Ok(z)
}

/// `orders.journal.zst` and `results.journal.zst`, each starting with its header line. The
/// first error is kept and reported by [`CompactFiles::finish`].
pub struct CompactFiles {
    orders: FrameFile,
    results: FrameFile,
    lines: u64,
    error: Option<std::io::Error>,
}

impl std::fmt::Debug for CompactFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactFiles")
            .field("lines", &self.lines)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl CompactFiles {
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        Ok(CompactFiles {
            orders: create(dir, JournalFile::Orders)?,
            results: create(dir, JournalFile::Results)?,
            lines: 0,
            error: None,
        })
    }

    /// Compresses lines serialised by [`SerializedLines`], after those written so far.
    pub fn write(&mut self, lines: &SerializedLines) {
        if self.error.is_some() {
            return;
        }
        let res = self
            .orders
            .write_all(&lines.orders)
            .and_then(|()| self.results.write_all(&lines.results));
        match (res, &lines.error) {
            (Err(e), _) => self.error = Some(e),
            (Ok(()), Some(e)) => {
                self.lines += lines.lines;
                self.error = Some(std::io::Error::other(e.clone()));
            }
            (Ok(()), None) => self.lines += lines.lines,
        }
    }

    /// Compresses what is left and flushes the files; the number of records or the first
    /// error.
    pub fn finish(self) -> std::io::Result<u64> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.orders.finish()?;
        self.results.finish()?;
        Ok(self.lines)
    }
}

#[cfg(test)]
#[path = "journal_compact_tests.rs"]
mod tests;
