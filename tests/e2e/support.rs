//! Running the `sim` binary in a sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary data home and working folder for one test.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `sim ARGS` with SIM_HOME inside the sandbox and the sandbox as working folder.
    pub fn sim(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(args)
            .env("SIM_HOME", self.path("home"))
            .env_remove("SIM_LOG")
            .current_dir(self.dir.path())
            .output()
            .expect("sim runs");
        Run::from(out)
    }
}

/// What one invocation did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "sim failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The repository's top folder (for fixtures).
pub fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}
