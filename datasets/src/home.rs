//! The data home (`SIM_HOME`, else `$HOME/.sim`): where user catalog entries, downloads and the
//! Parquet cache live, and `AtomicFile`, the only way this crate writes a file there.
//!
//! Layout:
//! - `catalog/<name>.toml`: user datasets (imported, synthesised, fetched);
//! - `cache/<key>.parquet`: the Parquet cache (see `crate::cache` for the keys);
//! - `downloads/<binance path>`: zips fetched from data.binance.vision, verified.
//!
//! Architecture Invariant: nothing here writes inside the repository, and every file is written
//! to a temporary sibling and renamed into place, so a reader never sees half a file.
//! Must never live here: parsing or validation of data.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{DatasetError, Result};

/// The data home chosen by the environment: `SIM_HOME` if set and non-empty, else `$HOME/.sim`
/// (and, on a machine with no `HOME`, `.sim` in the system temp folder).
pub fn sim_home() -> PathBuf {
    if let Some(dir) = std::env::var_os("SIM_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(".sim"),
        None => std::env::temp_dir().join(".sim"),
    }
}

/// A data home folder. Library calls take one explicitly, so tests point it at a temp dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataHome {
    root: PathBuf,
}

impl DataHome {
    /// The data home of [`sim_home`].
    pub fn from_env() -> Self {
        Self::at(sim_home())
    }

    /// A data home at an explicit folder (created on first write).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where user catalog entries live.
    pub fn catalog_dir(&self) -> PathBuf {
        self.root.join("catalog")
    }

    /// Where the Parquet cache lives.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// Where downloaded archives live.
    pub fn downloads_dir(&self) -> PathBuf {
        self.root.join("downloads")
    }
}

/// Creates `dir` and its parents, naming the folder on failure.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| DatasetError::io("create the folder", dir, e))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file being written next to its final path. `commit` renames it into place; dropping it
/// without committing deletes the temporary file, so an error leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
}

impl AtomicFile {
    /// Starts writing `target` (its folder is created if needed).
    pub fn create(target: &Path) -> Result<Self> {
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            ensure_dir(dir)?;
        }
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = target.with_file_name(format!(".{name}.{}.{n}.part", std::process::id()));
        let file =
            File::create(&temp).map_err(|e| DatasetError::io("create the file", &temp, e))?;
        Ok(Self {
            file: Some(file),
            temp,
            target: target.to_path_buf(),
        })
    }

    /// The temporary path being written (for tools that need a path rather than a writer).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .map_err(|e| DatasetError::io("write", &self.temp, e))?;
        }
        fs::rename(&self.temp, &self.target)
            .map_err(|e| DatasetError::io("move the finished file to", &self.target, e))?;
        Ok(self.target.clone())
    }

    /// Writes `bytes` to `target` atomically.
    pub fn write_all(target: &Path, bytes: &[u8]) -> Result<PathBuf> {
        let mut f = Self::create(target)?;
        f.write_all(bytes)
            .map_err(|e| DatasetError::io("write", target, e))?;
        f.commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.file.as_mut() {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            // Not committed: remove the partial file. Failure to remove is only logged.
            if let Err(e) = fs::remove_file(&self.temp) {
                tracing::warn!(path = %self.temp.display(), error = %e, "could not remove a partial file");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_files_vanish_and_committed_ones_appear() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("sub/out.txt");
        {
            let mut f = AtomicFile::create(&target).expect("create");
            f.write_all(b"half").expect("write");
        }
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path().join("sub")).expect("ls").count(), 0);
        AtomicFile::write_all(&target, b"whole").expect("write");
        assert_eq!(fs::read(&target).expect("read"), b"whole");
        assert_eq!(fs::read_dir(dir.path().join("sub")).expect("ls").count(), 1);
    }

    #[test]
    fn home_layout() {
        let h = DataHome::at("/x/h");
        assert_eq!(h.catalog_dir(), PathBuf::from("/x/h/catalog"));
        assert_eq!(h.cache_dir(), PathBuf::from("/x/h/cache"));
        assert!(sim_home().is_absolute() || std::env::var_os("SIM_HOME").is_some());
    }
}
