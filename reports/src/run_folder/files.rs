//! A run folder's tables, plain or compressed: `equity.csv` or `equity.csv.zst` (what `sim
//! backtest` writes now: zstd-compressed CSV, which pandas and polars read directly), read as
//! the same text either way. Errors name the file.
//! Must never live here: parsing the rows (`tables`), the journals (`journal_format`).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::ReportError;

/// The compressed name of the table `name`: `equity.csv.zst`.
pub fn compressed_name(name: &str) -> String {
    format!("{name}.zst")
}

/// The text of the table `name` (e.g. `equity.csv`) of `dir`, from `name` or its compressed
/// form, with the path read; `None` when the folder has neither.
pub fn read_table(dir: &Path, name: &str) -> Result<Option<(PathBuf, String)>, ReportError> {
    let plain = dir.join(name);
    match std::fs::read_to_string(&plain) {
        Ok(text) => return Ok(Some((plain, text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(ReportError::Read {
                path: plain,
                source,
            });
        }
    }
    let packed = dir.join(compressed_name(name));
    let file = match std::fs::File::open(&packed) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ReportError::Read {
                path: packed,
                source,
            });
        }
    };
    let mut text = String::new();
    zstd::stream::read::Decoder::new(file)
        .and_then(|mut d| d.read_to_string(&mut text))
        .map_err(|source| ReportError::Read {
            path: packed.clone(),
            source,
        })?;
    Ok(Some((packed, text)))
}

/// [`read_table`], a missing table an error naming the plain file.
pub fn require_table(dir: &Path, name: &str) -> Result<(PathBuf, String), ReportError> {
    read_table(dir, name)?.ok_or_else(|| ReportError::Read {
        path: dir.join(name),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("neither {name} nor {} exists", compressed_name(name)),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_reads_the_same_plain_or_compressed() {
        let dir = tempfile::tempdir().expect("tmp");
        let text = "time,equity,in_market\n1970-01-01T00:01:00.000Z,10000.00000000,false\n";
        assert!(
            read_table(dir.path(), "equity.csv")
                .expect("none")
                .is_none()
        );
        let e = require_table(dir.path(), "equity.csv").expect_err("missing");
        assert!(e.to_string().contains("equity.csv.zst"), "{e}");
        let packed = zstd::encode_all(text.as_bytes(), 1).expect("zstd");
        std::fs::write(dir.path().join("equity.csv.zst"), packed).expect("write");
        let (path, got) = require_table(dir.path(), "equity.csv").expect("reads");
        assert!(path.ends_with("equity.csv.zst"));
        assert_eq!(got, text);
        std::fs::write(dir.path().join("equity.csv.zst"), b"not zstd").expect("write");
        let e = read_table(dir.path(), "equity.csv").expect_err("damaged");
        assert!(e.to_string().contains("equity.csv.zst"), "{e}");
    }
}
