//! A real one-node Slurm cluster for end-to-end tests, started and stopped by the test.
//!
//! Debian's `slurm-wlm` and `munge` packages (`.ci/run` installs them) provide the daemons; this
//! module gives them a private world in a temporary folder and nothing else:
//!
//! - its own `munged` (a fresh key, socket, pid, log and seed file in the folder), so a munged
//!   of the machine is neither needed nor touched;
//! - a minimal `slurm.conf` (one node, one `debug` partition; state, spool, pid and log files in
//!   the folder; facts in the project's `design/slurm-local.md`);
//! - `slurmctld` and `slurmd` started inside a network namespace of their own
//!   (`unshare --net`) that holds only the loopback interface: Slurm 22.05 binds its ports on
//!   every address and has no setting to bind loopback only, so the namespace is what keeps
//!   them off the machine's network. glibc resolves nothing (not even `127.0.0.1`) while only
//!   loopback addresses exist, so the namespace's `lo` also carries `10.253.0.1/32`, reachable
//!   from inside that namespace only. Client commands (`sbatch`, `sinfo`) enter the namespace
//!   with `nsenter`.
//!
//! Every wait is bounded; when the node does not come up, the panic shows the tails of the
//! daemons' logs. Dropping the cluster stops `slurmd`, `slurmctld` and `munged` by their pid
//! files and removes the folder. One cluster runs at a time per test process (a lock), so
//! tests may use it from any thread.
//!
//! # Use
//!
//! ```ignore
//! use crate::slurm_cluster::SlurmCluster;
//! let Some(cluster) = SlurmCluster::start_or_skip("my_test") else { return };
//! // A batch script; each array task sees SLURM_ARRAY_TASK_ID (0..tasks) and
//! // SLURM_ARRAY_TASK_COUNT, and runs as root with the submitter's environment.
//! let job = cluster.run_array(&script_path, 3, Duration::from_secs(120));
//! // job.task_logs[i] holds task i's stdout and stderr (`%A_%a.out`).
//! ```
//!
//! `start_or_skip` returns `None` (after a loud message on stderr) only when `sbatch` is not
//! installed and `CI` is not set; with `CI` set a missing Slurm fails the test. Everything else
//! that goes wrong (not root, a daemon that does not start) fails the test with the reason.
//! `sim sweep run --plan PLAN --shard` is meant to run as such an array task: write a script
//! that calls it with `SLURM_ARRAY_TASK_ID`, `run_array` it, then merge.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One cluster at a time per test process.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

/// The ports inside the private network namespace (nothing else listens there).
const SLURMCTLD_PORT: u16 = 6817;
const SLURMD_PORT: u16 = 6818;
/// The namespace's only non-loopback-range address, on `lo` (see the module doc).
const NAMESPACE_ADDRESS: &str = "10.253.0.1/32";
/// How long a daemon gets to write its pid file, and the node to become idle.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a daemon gets to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running one-node cluster; stopped and removed on drop.
#[derive(Debug)]
pub struct SlurmCluster {
    dir: tempfile::TempDir,
    conf: PathBuf,
    /// `/proc/<slurmctld pid>/ns/net`: the namespace client commands enter.
    netns: PathBuf,
    _one_at_a_time: MutexGuard<'static, ()>,
}

/// An array job that ran to its end.
#[derive(Debug)]
pub struct ArrayJob {
    pub job_id: String,
    /// Task i's stdout and stderr, in task order.
    pub task_logs: Vec<String>,
}

impl SlurmCluster {
    /// Starts a cluster, or returns `None` when Slurm is not installed and `CI` is not set
    /// (printing why the test `test` did not run). Panics on any other failure.
    pub fn start_or_skip(test: &str) -> Option<SlurmCluster> {
        if find_program("sbatch").is_none() {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "{test}: CI is set but Slurm's `sbatch` is not installed; .ci/run installs \
                     it with `apt-get install -y slurm-wlm munge`"
                );
            }
            eprintln!(
                "\n!!!!!!!! SKIPPED {test}: Slurm is not installed (no `sbatch` on PATH). \
                 Install it with `apt-get install -y slurm-wlm munge` (as root) to run this \
                 test; with CI set it fails instead of skipping. !!!!!!!!\n"
            );
            return None;
        }
        Some(SlurmCluster::start())
    }

    /// Starts munged, slurmctld and slurmd and waits for the node to be idle.
    pub fn start() -> SlurmCluster {
        let guard = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
        for name in ["munged", "slurmctld", "slurmd", "unshare", "nsenter", "ip"] {
            program(name);
        }
        assert!(
            is_root(),
            "the Slurm test cluster must run as root (slurmd runs jobs as their user, and the \
             daemons get a network namespace of their own)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().to_path_buf();
        // munged refuses a socket in a folder others cannot traverse.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        for sub in ["state", "spool", "logs"] {
            fs::create_dir(path.join(sub)).expect("mkdir");
        }
        start_munged(&path);
        let conf = path.join("slurm.conf");
        fs::write(&conf, slurm_conf(&path)).expect("write slurm.conf");

        // The daemons daemonise; the shell returns once both have forked away, and the
        // namespace lives as long as they do.
        let start = format!(
            "{ip} link set lo up && {ip} addr add {NAMESPACE_ADDRESS} dev lo && \
             {slurmctld} -f {c} && {slurmd} -f {c}",
            ip = program("ip").display(),
            slurmctld = program("slurmctld").display(),
            slurmd = program("slurmd").display(),
            c = conf.display()
        );
        let mut starter = Command::new(program("unshare"));
        starter.args(["--net", "--", "sh", "-c", &start]);
        if let Err(why) = run_bounded(&mut starter, START_TIMEOUT, &path.join("start.log")) {
            fail_to_start(&path, &format!("starting the daemons failed: {why}"));
        }
        let Some(ctld_pid) = wait_for_pid(&path.join("slurmctld.pid")) else {
            fail_to_start(&path, "slurmctld wrote no pid file");
        };
        let cluster = SlurmCluster {
            dir,
            conf,
            netns: PathBuf::from(format!("/proc/{ctld_pid}/ns/net")),
            _one_at_a_time: guard,
        };
        cluster.wait_until_idle();
        cluster
    }

    /// The folder holding the config, the daemons' files and the job logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A Slurm client command (`sbatch`, `sinfo`, `squeue`, ...) run inside the cluster's
    /// network namespace with `SLURM_CONF` pointing at the cluster's config.
    pub fn client(&self, name: &str) -> Command {
        let mut cmd = Command::new(program("nsenter"));
        cmd.arg(format!("--net={}", self.netns.display()))
            .arg("--")
            .arg(name)
            .env("SLURM_CONF", &self.conf);
        cmd
    }

    /// Submits `script` as an array job of `tasks` tasks (ids 0 to tasks - 1) with
    /// `sbatch --wait` and returns when every task has ended. Panics, with the tasks' logs and
    /// the daemons' log tails, when a task fails or the job outlasts `timeout`.
    pub fn run_array(&self, script: &Path, tasks: u32, timeout: Duration) -> ArrayJob {
        assert!(tasks > 0, "an array job needs at least one task");
        let jobs = self.dir().join("jobs");
        fs::create_dir_all(&jobs).expect("mkdir jobs");
        let mut sbatch = self.client("sbatch");
        sbatch
            .arg("--wait")
            .arg("--parsable")
            .arg(format!("--array=0-{}", tasks - 1))
            .arg(format!("--output={}/%A_%a.out", jobs.display()))
            .arg(format!("--chdir={}", jobs.display()))
            .arg(script);
        let log = self.dir().join("sbatch.log");
        let result = run_bounded(&mut sbatch, timeout, &log);
        let printed = fs::read_to_string(&log).unwrap_or_default();
        let job_id = printed
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()))
            .map(str::to_string);
        let task_logs: Vec<String> = (0..tasks)
            .map(|i| match &job_id {
                Some(id) => fs::read_to_string(jobs.join(format!("{id}_{i}.out")))
                    .unwrap_or_else(|e| format!("(no log: {e})")),
                None => "(no job id)".to_string(),
            })
            .collect();
        if let Err(why) = result {
            panic!(
                "sbatch --wait --array=0-{} {}: {why}\nsbatch printed:\n{printed}\n{}\n{}",
                tasks - 1,
                script.display(),
                numbered_task_logs(&task_logs),
                log_tails(self.dir())
            );
        }
        ArrayJob {
            job_id: job_id.unwrap_or_else(|| panic!("no job id in sbatch's output: {printed}")),
            task_logs,
        }
    }

    /// Polls `sinfo` until the node is idle.
    fn wait_until_idle(&self) {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            let out = self.client("sinfo").args(["-h", "-o", "%T"]).output();
            if let Ok(out) = out {
                last = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                if out.status.success() && last.trim() == "idle" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "the Slurm node was not idle after {START_TIMEOUT:?} (sinfo: {:?})\n{}",
            last.trim(),
            log_tails(self.dir())
        );
    }
}

impl Drop for SlurmCluster {
    fn drop(&mut self) {
        stop_daemons(self.dir.path());
    }
}

/// Stops whatever started and panics with the reason and the daemons' log tails (the
/// temporary folder is removed as the panic unwinds).
fn fail_to_start(dir: &Path, why: &str) -> ! {
    let tails = log_tails(dir);
    stop_daemons(dir);
    panic!("the Slurm test cluster did not start: {why}\n{tails}");
}

/// Writes a fresh munge key and starts a munged that uses only files in `dir`.
fn start_munged(dir: &Path) {
    let key = dir.join("munge.key");
    let mut bytes = [0u8; 128];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("random bytes for the munge key");
    fs::write(&key, bytes).expect("write munge key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o400)).expect("chmod munge key");
    let mut munged = Command::new(program("munged"));
    munged
        .arg(format!("--key-file={}", key.display()))
        .arg(format!("--socket={}", dir.join("munge.socket").display()))
        .arg(format!("--pid-file={}", dir.join("munged.pid").display()))
        .arg(format!(
            "--log-file={}",
            dir.join("logs/munged.log").display()
        ))
        .arg(format!("--seed-file={}", dir.join("munged.seed").display()));
    if let Err(why) = run_bounded(&mut munged, START_TIMEOUT, &dir.join("munged.out")) {
        fail_to_start(dir, &format!("munged: {why}"));
    }
    if wait_for_pid(&dir.join("munged.pid")).is_none() {
        fail_to_start(dir, "munged wrote no pid file");
    }
}

/// The minimal one-node config (see `design/slurm-local.md`).
fn slurm_conf(dir: &Path) -> String {
    let host = short_hostname();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let d = dir.display();
    format!(
        "# Written by the sim e2e tests' Slurm harness (tests/e2e/slurm_cluster.rs).\n\
         ClusterName=simtest\n\
         SlurmctldHost={host}(127.0.0.1)\n\
         AuthType=auth/munge\n\
         CredType=cred/munge\n\
         AuthInfo=socket={d}/munge.socket\n\
         ProctrackType=proctrack/linuxproc\n\
         TaskPlugin=task/none\n\
         JobAcctGatherType=jobacct_gather/none\n\
         MpiDefault=none\n\
         SelectType=select/cons_tres\n\
         SelectTypeParameters=CR_Core\n\
         SlurmUser=root\n\
         SlurmdUser=root\n\
         StateSaveLocation={d}/state\n\
         SlurmdSpoolDir={d}/spool\n\
         SlurmctldPidFile={d}/slurmctld.pid\n\
         SlurmdPidFile={d}/slurmd.pid\n\
         SlurmctldLogFile={d}/logs/slurmctld.log\n\
         SlurmdLogFile={d}/logs/slurmd.log\n\
         SlurmctldPort={SLURMCTLD_PORT}\n\
         SlurmdPort={SLURMD_PORT}\n\
         ReturnToService=2\n\
         NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=2000 State=UNKNOWN\n\
         PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP\n"
    )
}

/// Stops slurmd, slurmctld and munged by their pid files (SIGTERM, then SIGKILL).
fn stop_daemons(dir: &Path) {
    for daemon in ["slurmd", "slurmctld", "munged"] {
        let Some(pid) = read_pid(&dir.join(format!("{daemon}.pid"))) else {
            continue;
        };
        signal(pid, "TERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        while is_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if is_alive(pid) {
            signal(pid, "KILL");
        }
    }
}

/// Runs `cmd` to its end with stdout and stderr in `log`; an error on a non-zero exit (with
/// the log's text) or after `timeout` (the process is killed).
fn run_bounded(cmd: &mut Command, timeout: Duration, log: &Path) -> Result<(), String> {
    let file = fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .spawn()
        .map_err(|e| format!("{cmd:?} did not start: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => {
                let text = fs::read_to_string(log).unwrap_or_default();
                return Err(format!("{cmd:?} exited with {status}:\n{text}"));
            }
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{cmd:?} still running after {timeout:?}; killed"));
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Waits (bounded) for a daemon's pid file and returns the pid.
fn wait_for_pid(file: &Path) -> Option<u32> {
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Some(pid) = read_pid(file) {
            return Some(pid);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

fn read_pid(file: &Path) -> Option<u32> {
    fs::read_to_string(file).ok()?.trim().parse().ok()
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// True while the process exists and is not a zombie waiting to be reaped.
fn is_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name: "pid (comm) S ...".
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with(['Z', 'X'])),
        Err(_) => false,
    }
}

/// The last lines of every log in the cluster folder, for failure messages.
fn log_tails(dir: &Path) -> String {
    let mut out = String::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.extend(["start.log", "munged.out"].map(|f| dir.join(f)));
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(20)..];
        out.push_str(&format!(
            "--- last lines of {} ---\n{}\n",
            file.display(),
            tail.join("\n")
        ));
    }
    out
}

fn numbered_task_logs(logs: &[String]) -> String {
    logs.iter()
        .enumerate()
        .map(|(i, l)| format!("--- task {i} ---\n{l}\n"))
        .collect()
}

/// The program's path on PATH, or in the sbin folders a non-login root shell may lack.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The program's path; panics naming the packages when it is not installed.
fn program(name: &str) -> PathBuf {
    find_program(name).unwrap_or_else(|| {
        panic!(
            "`{name}` is not installed: the Slurm test cluster needs slurm-wlm, munge, \
             util-linux and iproute2"
        )
    })
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().next().map(|uid| uid == "0"))
            .unwrap_or(false)
    })
}

/// `hostname -s`: slurmd finds its node by the machine's short name.
fn short_hostname() -> String {
    let name = fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    name.trim()
        .split('.')
        .next()
        .unwrap_or("localhost")
        .to_string()
}
