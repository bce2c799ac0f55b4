//! Decoding version 1 (see the module above): [`Decoder`] turns each stored line into the
//! record's full JSON line, keeping the last plan and governed records to expand the records
//! that follow them up; [`DecodingReader`] does it over a compressed file as it is read.
//! Must never live here: the writer (`sim::backtest::journal_compact`).

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use super::{FORMAT, JournalFile, VERSION};

const PLAN: &str = r#"{"kind":"plan","#;
const GOVERNED: &str = r#"{"kind":"governed","#;
const PERMIT: &str = r#"{"kind":"permit","#;
const FOLLOWS: &str = r#""follows":"#;

/// Expands stored lines into full records. Keeps the body (the text between `"kind"` and the
/// closing brace) of the last plan and the last governed record.
#[derive(Debug, Default)]
pub struct Decoder {
    last_plan: Option<String>,
    last_governed: Option<String>,
}

/// A follow-up record split into what it names and what it adds: the plan id and the added
/// field's text (`,"kill":...`), without the closing brace.
struct FollowUp<'a> {
    plan_id: String,
    added: &'a str,
}

/// `rest` (a stored line after its `{"kind":"...",`) as a follow-up record, if it is one.
fn follow_up<'a>(rest: &'a str, field: &str) -> Result<Option<FollowUp<'a>>, String> {
    let Some(after) = rest.strip_prefix(FOLLOWS) else {
        return Ok(None);
    };
    let mut ids = serde_json::Deserializer::from_str(after).into_iter::<String>();
    let plan_id = match ids.next() {
        Some(Ok(id)) => id,
        _ => return Err("`follows` is not a plan id string".to_string()),
    };
    let added = &after[ids.byte_offset()..];
    let Some(added) = added.strip_suffix('}') else {
        return Err("a follow-up record does not end with `}`".to_string());
    };
    if !added.starts_with(&format!(",\"{field}\":")) {
        return Err(format!(
            "a follow-up record has no `{field}` after `follows`"
        ));
    }
    Ok(Some(FollowUp { plan_id, added }))
}

/// Checks that `body` (a plan's fields) is the plan `plan_id`'s.
fn names_plan(body: &str, plan_id: &str) -> bool {
    serde_json::to_string(plan_id)
        .map(|id| body.starts_with(&format!("\"plan_id\":{id},")))
        .unwrap_or(false)
}

impl Decoder {
    /// Appends the full record of the stored record `line` (without its newline) to `out`.
    /// Errors say what is wrong with the line.
    pub fn decode(&mut self, line: &str, out: &mut String) -> Result<(), String> {
        if let Some(rest) = line.strip_prefix(GOVERNED) {
            let body = match follow_up(rest, "kill")? {
                Some(f) => {
                    let plan = self.last_plan.as_deref().ok_or_else(|| {
                        format!(
                            "a governed record follows plan {} but no plan came before it",
                            f.plan_id
                        )
                    })?;
                    if !names_plan(plan, &f.plan_id) {
                        return Err(format!(
                            "a governed record follows plan {} but the last plan is another",
                            f.plan_id
                        ));
                    }
                    format!("{plan}{}", f.added)
                }
                None => body_of(rest)?.to_string(),
            };
            push_record(out, GOVERNED, &body);
            self.last_governed = Some(body);
        } else if let Some(rest) = line.strip_prefix(PERMIT) {
            match follow_up(rest, "permit")? {
                Some(f) => {
                    let governed = self.last_governed.as_deref().ok_or_else(|| {
                        format!(
                            "a permit record follows plan {} but no governed record came before it",
                            f.plan_id
                        )
                    })?;
                    if !names_plan(governed, &f.plan_id) {
                        return Err(format!(
                            "a permit record follows plan {} but the last governed record is another plan's",
                            f.plan_id
                        ));
                    }
                    out.push_str(PERMIT);
                    out.push_str(governed);
                    out.push_str(f.added);
                    out.push('}');
                }
                None => out.push_str(line),
            }
        } else {
            if let Some(rest) = line.strip_prefix(PLAN) {
                self.last_plan = Some(body_of(rest)?.to_string());
            }
            out.push_str(line);
        }
        Ok(())
    }
}

/// A record's fields after its `"kind"`, without the closing brace.
fn body_of(rest: &str) -> Result<&str, String> {
    rest.strip_suffix('}')
        .ok_or_else(|| "a record does not end with `}`".to_string())
}

fn push_record(out: &mut String, kind_prefix: &str, body: &str) {
    out.push_str(kind_prefix);
    out.push_str(body);
    out.push('}');
}

/// Checks a file's header line: this format, a version this reader knows, the expected file.
fn check_header(line: &str, file: JournalFile) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| format!("the first line is not this format's header: {e}"))?;
    if v["format"] != FORMAT {
        return Err(format!(
            "the first line is not a `{FORMAT}` header (found {line:.80})"
        ));
    }
    match v["version"].as_u64() {
        Some(VERSION) => {}
        Some(other) => {
            return Err(format!(
                "written in journal format version {other}; this sim reads version {VERSION}: read it with the sim that wrote it, or a newer one"
            ));
        }
        None => return Err("the header has no version number".to_string()),
    }
    if v["file"] != file.stem() {
        return Err(format!(
            "the header says this is the {} journal, expected {}",
            v["file"],
            file.stem()
        ));
    }
    Ok(())
}

/// A compressed journal file read as today's JSON lines. Errors are I/O errors whose message
/// names the file and line.
pub struct DecodingReader<R: BufRead> {
    lines: R,
    path: PathBuf,
    decoder: Decoder,
    line: String,
    out: String,
    pos: usize,
    line_no: usize,
}

impl<R: BufRead> std::fmt::Debug for DecodingReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodingReader")
            .field("path", &self.path)
            .field("line_no", &self.line_no)
            .finish()
    }
}

/// A compressed journal's lines, decompressed as they are read.
pub type CompressedLines<R> = std::io::BufReader<zstd::stream::read::Decoder<'static, R>>;

impl<R: BufRead> DecodingReader<CompressedLines<R>> {
    /// Reads the compressed `file` (stored at `path`) from `compressed`, checking its header.
    pub fn new(path: &Path, file: JournalFile, compressed: R) -> std::io::Result<Self> {
        let lines = zstd::stream::read::Decoder::with_buffer(compressed)?;
        DecodingReader::from_lines(path, file, std::io::BufReader::new(lines))
    }
}

impl<R: BufRead> DecodingReader<R> {
    /// Reads the stored (already decompressed) lines of `file`, checking the header.
    pub fn from_lines(path: &Path, file: JournalFile, lines: R) -> std::io::Result<Self> {
        let mut reader = DecodingReader {
            lines,
            path: path.to_path_buf(),
            decoder: Decoder::default(),
            line: String::new(),
            out: String::new(),
            pos: 0,
            line_no: 0,
        };
        reader.read_header(file)?;
        Ok(reader)
    }

    fn error(&self, message: impl std::fmt::Display) -> std::io::Error {
        std::io::Error::other(format!(
            "{}:{}: {message}",
            self.path.display(),
            self.line_no
        ))
    }

    /// Reads the next stored line into `self.line`; false at the end.
    fn next_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        let n = self
            .lines
            .read_line(&mut self.line)
            .map_err(|e| self.error(e))?;
        self.line_no += 1;
        Ok(n > 0)
    }

    fn read_header(&mut self, file: JournalFile) -> std::io::Result<()> {
        if !self.next_line()? {
            return Err(self.error("empty: no header line; the run did not finish writing it"));
        }
        check_header(self.line.trim_end(), file).map_err(|e| self.error(e))
    }

    /// Decodes the next record into `self.out`; false at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        loop {
            if !self.next_line()? {
                return Ok(false);
            }
            let line = self.line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                continue;
            }
            if let Err(e) = self.decoder.decode(line, &mut self.out) {
                return Err(self.error(e));
            }
            self.out.push('\n');
            return Ok(true);
        }
    }
}

impl<R: BufRead> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let pending = &self.out.as_bytes()[self.pos..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.pos += n;
        Ok(n)
    }
}
