//! A `.CHECKSUM` file beside a kline file (`BTCUSDT-1m-2026-01.zip.CHECKSUM`, the sha256sum
//! line Binance's public data publishes with each archive): when it is there, the file must
//! match it. `sim data fetch` checks each download; `sim data verify` and `import` check a
//! file a user downloaded by hand the same way.
//! Must never live here: downloading (`fetch`), reading klines (`file`).

use std::path::{Path, PathBuf};

use crate::cache::sha256_file;
use crate::error::{DatasetError, Result};
use crate::fetch::parse_checksum;

/// The `.CHECKSUM` path beside `file`.
fn sidecar_of(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".CHECKSUM");
    PathBuf::from(name)
}

/// Checks `file` against its `.CHECKSUM` sibling if there is one: `Ok(Some(sha256))` when it
/// matches, `Ok(None)` when there is no sibling, an error naming both files otherwise.
pub fn check_beside(file: &Path) -> Result<Option<String>> {
    let sidecar = sidecar_of(file);
    if !sidecar.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&sidecar).map_err(|e| DatasetError::io("read", &sidecar, e))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = parse_checksum(&text, &name, &sidecar.display().to_string())?;
    let actual = sha256_file(file)?;
    if actual != expected {
        return Err(DatasetError::ChecksumMismatch {
            file: file.display().to_string(),
            expected,
            actual,
            fix: format!(
                "the file does not match {}: it is corrupt or cut short; download it again (or delete the .CHECKSUM if you changed the file on purpose)",
                sidecar.display()
            ),
        });
    }
    Ok(Some(actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_must_match_its_checksum_sibling() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.zip");
        std::fs::write(&file, b"klines").expect("write");
        assert_eq!(check_beside(&file).expect("no sibling"), None);
        let sum = crate::cache::sha256_hex(b"klines");
        std::fs::write(sidecar_of(&file), format!("{sum}  a.zip\n")).expect("write");
        assert_eq!(check_beside(&file).expect("matches"), Some(sum));
        std::fs::write(&file, b"klines, cut").expect("write");
        let e = check_beside(&file).expect_err("mismatch").to_string();
        assert!(e.contains("a.zip") && e.contains(".CHECKSUM"), "{e}");
    }
}
