//! A run's exchange info over time, as the simulated exchange takes it (an `InfoSchedule`):
//! either one exchange info valid for all time (every name [`super::resolve`] takes), or a
//! venue's history, `testnet@history` (also `demo@history`, `mainnet@history`): every dated
//! snapshot `sim exchange-info fetch` saved for that venue, each valid from its `serverTime`
//! until the next one. The oldest is also valid before its own time, so bars older than the
//! history use it; the console line and the name in `summary.json` say where the history
//! starts. `testnet@history..2026-12-07T06-56-12Z` (any prefix of a stamp) stops at that
//! snapshot: it is the name a run's summary pins, so a later fetch does not change a rerun.
//! Must never live here: finding or saving snapshot files (that is `history.rs`), what a
//! version change does to orders and positions (that is `exchange_sim`).

use std::path::Path;

use anyhow::{Context, bail};
use exchange_sim::InfoSchedule;
use pipeline::TimestampMs;

use super::history::{self, Changes, Snapshot};
use super::provenance::{Origin, Resolved};

/// The pin that asks for a venue's whole history (`testnet@history`).
pub const HISTORY_PIN: &str = "history";

/// A run's exchange info as a schedule, with the name that pins it and what it is.
#[derive(Debug, Clone)]
pub struct ResolvedSchedule {
    pub schedule: InfoSchedule,
    /// What `summary.json` and the console name: a single info's pinning name, or for a
    /// history `testnet@history..<newest stamp> (3 snapshots 2026-10-01..2026-12-07)`.
    pub name: String,
    pub source: ScheduleSource,
}

/// Where the versions came from.
#[derive(Debug, Clone)]
pub enum ScheduleSource {
    /// One exchange info for the whole run.
    One(Resolved),
    /// A venue's dated snapshots, oldest first.
    History(HistoryUsed),
}

/// The snapshots of a history a run uses.
#[derive(Debug, Clone)]
pub struct HistoryUsed {
    pub environment: String,
    /// Oldest first; the first is also valid before its time.
    pub snapshots: Vec<Snapshot>,
    /// The newest as a single resolved info (its age decides the staleness warning).
    newest: Resolved,
}

/// Whether `name` asks for a venue's history (`ENV@history` or `ENV@history..STAMP`).
pub fn is_history_name(name: &str) -> bool {
    history_parts(name).is_some()
}

/// (`testnet`, `Some("2026-12-07")`) for `testnet@history..2026-12-07`.
fn history_parts(name: &str) -> Option<(&str, Option<&str>)> {
    let (env, pin) = name.split_once('@')?;
    if !history::ENVIRONMENTS.contains(&env) {
        return None;
    }
    let rest = pin.strip_prefix(HISTORY_PIN)?;
    match rest {
        "" => Some((env, None)),
        _ => rest.strip_prefix("..").map(|upto| (env, Some(upto))),
    }
}

/// Resolves `name` into a schedule: a history for `ENV@history[..STAMP]`, else the one info
/// [`super::resolve`] gives, valid for all time.
pub fn resolve_schedule(name: &str) -> anyhow::Result<ResolvedSchedule> {
    resolve_schedule_in(&super::store_dir(), name)
}

/// [`resolve_schedule`] with the snapshot histories read under `store` (for tests).
pub fn resolve_schedule_in(store: &Path, name: &str) -> anyhow::Result<ResolvedSchedule> {
    let Some((env, upto)) = history_parts(name) else {
        let one = super::resolve(name)?;
        return Ok(ResolvedSchedule {
            schedule: InfoSchedule::single(one.info.clone()),
            name: one.name.clone(),
            source: ScheduleSource::One(one),
        });
    };
    let dir = history::env_dir(store, env);
    let mut snapshots = history::list(store, env)?;
    if snapshots.is_empty() {
        bail!(
            "no {env} snapshots in {}: `{env}@history` replays every snapshot `sim exchange-info \
             fetch {env}` saved there; run it now (and again later, to build a history), or use \
             `{env}` for the shipped estimate",
            dir.display()
        );
    }
    if let Some(prefix) = upto {
        let Some(last) = snapshots.iter().rposition(|s| s.stamp.starts_with(prefix)) else {
            bail!(
                "no {env} snapshot in {} has a stamp starting '{prefix}': `sim exchange-info \
                 history {env}` lists them",
                dir.display()
            );
        };
        snapshots.truncate(last + 1);
    }
    let mut versions = Vec::with_capacity(snapshots.len());
    for (i, s) in snapshots.iter().enumerate() {
        let info = super::read_file(&s.path)?;
        // The oldest also stands for every earlier bar: a history starts somewhere, and a
        // run over older data is checked against the oldest rules known rather than none.
        let from = if i == 0 {
            TimestampMs(i64::MIN)
        } else {
            TimestampMs(s.meta.server_time_ms)
        };
        versions.push((from, info));
    }
    let newest_info = versions.last().map(|(_, info)| info.clone());
    let schedule = InfoSchedule::new(versions).with_context(|| {
        format!(
            "the {env} snapshots in {} are not in time order by their serverTime (in each \
             .meta.json); remove the one changed by hand or fetch again",
            dir.display()
        )
    })?;
    let (Some(first), Some(last), Some(newest_info)) =
        (snapshots.first(), snapshots.last(), newest_info)
    else {
        bail!("no {env} snapshots in {}", dir.display());
    };
    let count = match snapshots.len() {
        1 => "1 snapshot".to_string(),
        n => format!("{n} snapshots"),
    };
    let (from_day, to_day) = (day_of(first), day_of(last));
    let span = if from_day == to_day {
        from_day
    } else {
        format!("{from_day}..{to_day}")
    };
    let name = format!("{env}@{HISTORY_PIN}..{} ({count} {span})", last.stamp);
    let newest = Resolved {
        info: newest_info,
        name: format!("{env}@{}", last.stamp),
        origin: Origin::Fetched(last.clone()),
    };
    Ok(ResolvedSchedule {
        schedule,
        name,
        source: ScheduleSource::History(HistoryUsed {
            environment: env.to_string(),
            snapshots,
            newest,
        }),
    })
}

/// `2026-10-01`: the UTC day of a snapshot's server time.
fn day_of(s: &Snapshot) -> String {
    TimestampMs(s.meta.server_time_ms).to_minute_string()[..10].to_string()
}

fn minute_of(s: &Snapshot) -> String {
    TimestampMs(s.meta.server_time_ms).to_minute_string()
}

impl ResolvedSchedule {
    /// The one info this schedule is, when it is not a history.
    pub fn single(&self) -> Option<&Resolved> {
        match &self.source {
            ScheduleSource::One(r) => Some(r),
            ScheduleSource::History(_) => None,
        }
    }

    /// One line: for a single info the line [`Resolved::describe`] gives; for a history the
    /// snapshots, their sources and dates, where the history starts, and (read against
    /// `now_ms`) whether the newest is older than the staleness limit.
    pub fn describe(&self, now_ms: i64) -> String {
        let h = match &self.source {
            ScheduleSource::One(r) => return r.describe(now_ms),
            ScheduleSource::History(h) => h,
        };
        let mut sources: Vec<&str> = h
            .snapshots
            .iter()
            .map(|s| s.meta.source_url.as_str())
            .collect();
        sources.sort_unstable();
        sources.dedup();
        let (Some(first), Some(last)) = (h.snapshots.first(), h.snapshots.last()) else {
            return format!("exchange info {}", self.name);
        };
        let mut line = format!(
            "exchange info {}: {} of {} fetched from {}, each valid from its server time; \
             the history starts at {} UTC ({} symbols), bars before it use that oldest snapshot; \
             the newest is of {} UTC ({} symbols)",
            self.name,
            match h.snapshots.len() {
                1 => "1 snapshot".to_string(),
                n => format!("{n} snapshots"),
            },
            h.environment,
            sources.join(", "),
            minute_of(first),
            first.meta.symbols,
            minute_of(last),
            last.meta.symbols,
        );
        if let Some(stale) = h.newest.stale_note(now_ms) {
            line.push_str(&format!(", {stale}"));
        }
        line
    }

    /// For a history, one line per snapshot: its stamp, symbol count, from when it applies,
    /// and which symbols it lists, delists or changes the filters of against the one before.
    /// Empty for a single info. Reads the versions from the schedule, not the files.
    pub fn version_lines(&self) -> Vec<String> {
        let ScheduleSource::History(h) = &self.source else {
            return Vec::new();
        };
        let versions: Vec<_> = self.schedule.versions().collect();
        let mut out = Vec::with_capacity(versions.len());
        for (i, (s, (_, info))) in h.snapshots.iter().zip(&versions).enumerate() {
            let from = match i {
                0 => format!("from the start (its own time {} UTC)", minute_of(s)),
                _ => format!("from {} UTC", minute_of(s)),
            };
            let mut line = format!(
                "  {}@{}: {} symbols, {from}",
                h.environment,
                s.stamp,
                info.len()
            );
            if let Some((_, before)) = i.checked_sub(1).and_then(|p| versions.get(p)) {
                let c = Changes::between(before, info);
                let parts: Vec<String> = [
                    ("listed", &c.listed),
                    ("delisted", &c.delisted),
                    ("filters changed", &c.changed),
                ]
                .into_iter()
                .filter(|(_, names)| !names.is_empty())
                .map(|(what, names)| format!("{what} {}", names.join(", ")))
                .collect();
                if parts.is_empty() {
                    line.push_str("; no change");
                } else {
                    line.push_str(&format!("; {}", parts.join("; ")));
                }
            }
            out.push(line);
        }
        out
    }

    /// For a history whose oldest snapshot is younger than the data's first bar (open time
    /// `data_start_ms`), the sentence saying those bars use the oldest snapshot.
    pub fn start_note(&self, data_start_ms: i64) -> Option<String> {
        let ScheduleSource::History(h) = &self.source else {
            return None;
        };
        let first = h.snapshots.first()?;
        (data_start_ms < first.meta.server_time_ms).then(|| {
            format!(
                "note: the data starts at {} UTC, before the oldest {} snapshot ({} UTC): bars \
                 until then are checked against that oldest snapshot",
                TimestampMs(data_start_ms).to_minute_string(),
                h.environment,
                minute_of(first)
            )
        })
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
