//! `--mirror-redis URL [--mirror-prefix sim:] [--mirror-maxlen N]`, the flags `sim backtest`
//! and `sim live` share to publish a run's stage outputs to Redis, and the line each prints
//! about what the mirror wrote.
//! Must never live here: what a record becomes in Redis (`deployment::mirror`) or how a run
//! hands records to the mirror (`sim::backtest::mirror_sink`).

use anyhow::Context;
use clap::Args;
use deployment::mirror::{MirrorConfig, MirrorReport, RedisMirror};

#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Publish each stage's output to this Redis (e.g. redis://127.0.0.1:6379) as the original
    /// system's messages, on streams named as [topology] names them under --mirror-prefix, for
    /// `sim watch --prefix`, dashboards and redis-cli.
    #[arg(long, value_name = "URL")]
    pub mirror_redis: Option<String>,
    /// Put before every mirrored stream's name, so the deployment's own streams are never
    /// touched (must not be empty).
    #[arg(long, default_value = "sim:", requires = "mirror_redis")]
    pub mirror_prefix: String,
    /// Each mirrored stream is trimmed to about this many entries (XADD MAXLEN ~ N).
    #[arg(long, default_value_t = 100_000, requires = "mirror_redis")]
    pub mirror_maxlen: u64,
}

impl MirrorArgs {
    /// The mirror's config for `topology`'s streams, if one was asked for (the URL checked).
    pub fn config(&self, topology: &sim::config::Topology) -> anyhow::Result<Option<MirrorConfig>> {
        let Some(url) = &self.mirror_redis else {
            return Ok(None);
        };
        let parsed = deployment::resp::RedisUrl::parse(url)
            .with_context(|| format!("--mirror-redis {url}"))?;
        Ok(Some(sim::backtest::mirror_sink::mirror_config(
            parsed,
            &self.mirror_prefix,
            self.mirror_maxlen,
            topology,
        )))
    }

    /// Connects the mirror, if one was asked for: an unreachable Redis is an error naming it.
    pub fn start(&self, topology: &sim::config::Topology) -> anyhow::Result<Option<RedisMirror>> {
        let (Some(url), Some(cfg)) = (&self.mirror_redis, self.config(topology)?) else {
            return Ok(None);
        };
        let mirror = RedisMirror::start(cfg)
            .with_context(|| format!("--mirror-redis {url}: cannot mirror to this Redis"))?;
        Ok(Some(mirror))
    }
}

/// The mirror's line for the summary: what it wrote, and what it dropped and why.
pub fn mirror_line(r: &MirrorReport) -> String {
    let total: u64 = r.written.values().sum();
    let streams = r.written.len();
    let dropped = match r.dropped {
        0 => String::new(),
        n => format!(", {n} dropped"),
    };
    match &r.stopped {
        None if r.dropped == 0 => format!(
            "mirrored {total} messages to {streams} streams under '{}' at {}\n",
            r.prefix, r.address
        ),
        None => format!(
            "WARNING: the mirror to {} was behind: {total} messages written under '{}'{dropped} (not waited for)\n",
            r.address, r.prefix
        ),
        Some(why) => format!(
            "WARNING: the mirror to {} stopped early ({why}); {total} messages were written under '{}'{dropped}; the folder is complete\n",
            r.address, r.prefix
        ),
    }
}
