//! The end of a `sim live` session: the journals closed, `funnel.txt` and `summary.json`
//! written (each under a temporary name, then renamed), the funnel reported.
//! Must never live here: the loop itself (`session`).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use deployment::mirror::MirrorReport;
use live::Client;
use live::stream::FeedStats;
use pipeline::stages::pipeline::Pipeline;
use pipeline::venue::{PositionSnapshot, VenueError};

use super::session::{SessionJournal, SessionPlan, write_atomic};
use super::{SessionEvent, names};

/// What the loop hands over when it stops.
#[derive(Debug)]
pub struct SessionEnd {
    /// The venue's positions when the session stopped, or why they could not be read (a
    /// ban, the venue down): unknown is written as unknown, never as "no position".
    pub positions: Result<Vec<PositionSnapshot>, VenueError>,
    pub stats: FeedStats,
    pub reason: &'static str,
    pub bars: u64,
    pub signals: u64,
    pub started: Instant,
}

/// `fills.csv` and `trades.csv` (+ `trades.parquet`) from what the venue reported, as a
/// backtest's run folder has them.
pub fn write_fills_and_trades(
    dir: &Path,
    fills: &[pipeline::venue::Fill],
    account: &[pipeline::venue::VenueEvent],
) -> anyhow::Result<()> {
    use crate::backtest::{run_tables, trades};
    run_tables::write_fills(dir, fills)?;
    run_tables::write_trades(dir, &trades::from_history(fills, account))?;
    Ok(())
}

/// `latency.csv` (one row per order sent) and its summary for `summary.json`: the venue's
/// answer times and MARKET orders' send-to-fill delays in ms (p50, p95, max) — the measured
/// delays a backtest can take as its latency model (`exchange.latency.session`).
pub fn write_latency(
    dir: &Path,
    trips: &[super::recording::RoundTrip],
) -> anyhow::Result<serde_json::Value> {
    use std::fmt::Write as _;
    let mut csv = String::from(crate::config::latency_import::HEADER);
    csv.push('\n');
    for t in trips {
        let fill = t.send_to_fill_ms.map(|v| v.to_string()).unwrap_or_default();
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{fill}",
            t.client_order_id, t.order_type, t.answer_us, t.accepted, t.sent_ms
        );
    }
    write_atomic(&dir.join("latency.csv"), csv.as_bytes())?;
    let answers: Vec<f64> = trips.iter().map(|t| t.answer_us as f64 / 1000.0).collect();
    let fills: Vec<f64> = trips
        .iter()
        .filter_map(|t| t.send_to_fill_ms.map(|v| v as f64))
        .collect();
    let (a, f) = (quantiles(answers), quantiles(fills));
    Ok(serde_json::json!({
        "orders": trips.len(),
        "answer_ms_p50": a[0],
        "answer_ms_p95": a[1],
        "answer_ms_max": a[2],
        "market_fills": trips.iter().filter(|t| t.send_to_fill_ms.is_some()).count(),
        "send_to_fill_ms_p50": f[0],
        "send_to_fill_ms_p95": f[1],
        "send_to_fill_ms_max": f[2],
    }))
}

/// p50, p95 and max of `v` (nearest rank), `None` when empty.
fn quantiles(mut v: Vec<f64>) -> [Option<f64>; 3] {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| -> Option<f64> {
        let i = ((v.len() as f64 - 1.0) * q).round() as usize;
        v.get(i).copied()
    };
    [at(0.5), at(0.95), v.last().copied()]
}

/// `summary.json`'s `venue_positions_at_end`: the list the venue gave, or, when it could not
/// be read, `{"unknown": "<why>"}` (an empty list would claim the account is flat).
fn positions_at_end(read: &Result<Vec<PositionSnapshot>, VenueError>) -> serde_json::Value {
    match read {
        Ok(list) => serde_json::json!(list),
        Err(e) => {
            serde_json::json!({ "unknown": format!("the positions could not be read at the end: {e}") })
        }
    }
}

/// `summary.json`'s `mirror`: where it wrote, how many messages per stream, how many it dropped
/// and why it stopped, if it did.
fn mirror_json(r: &MirrorReport) -> serde_json::Value {
    serde_json::json!({
        "address": r.address,
        "prefix": r.prefix,
        "written": r.written,
        "dropped": r.dropped,
        "stopped": r.stopped,
    })
}

/// Closes the journals (and the mirror), writes `funnel.txt` and `summary.json`.
pub fn finish(
    plan: &SessionPlan,
    client: &Client,
    pipeline: Pipeline<SessionJournal>,
    dir: &Path,
    end: SessionEnd,
    latency: serde_json::Value,
    report: &mut dyn FnMut(SessionEvent<'_>),
) -> anyhow::Result<()> {
    let (funnel, ledger, journal) = pipeline.into_parts();
    let mirror = journal.mirror.map(deployment::mirror::RedisMirror::finish);
    let journal_lines = journal
        .journal
        .finish()
        .context("cannot write the journals")?;
    let table = funnel.render_table();
    write_atomic(&dir.join("funnel.txt"), table.as_bytes())?;
    let stats = end.stats;
    let summary = serde_json::json!({
        "mode": if plan.paper { "paper" } else { client.environment().as_str() },
        "base_url": client.base_url(),
        "symbols": names(&plan.symbols),
        "interval": plan.interval.as_str(),
        "strategy": plan.spec.strategy,
        "stopped": end.reason,
        "bars": end.bars,
        "signals": end.signals,
        "journal_lines": journal_lines,
        "ledger_mismatches": ledger.mismatches(),
        "feed": {
            "from_stream": stats.from_stream,
            "backfilled": stats.backfilled,
            "duplicates": stats.duplicates,
            "reconnects": stats.reconnects,
        },
        "venue_positions_at_end": positions_at_end(&end.positions),
        "funnel": funnel,
        "mirror": mirror.as_ref().map(mirror_json),
        // Wall-clock measurements: they differ between sessions by nature.
        "latency": latency,
        "wall_clock": {
            "elapsed_ms": end.started.elapsed().as_millis() as u64,
            "ended_at_server_ms": client.server_now_ms(),
        },
    });
    write_atomic(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    report(SessionEvent::Finished {
        funnel: &table,
        reason: end.reason,
        bars: end.bars,
        dir,
        mirror: mirror.as_ref(),
    });
    Ok(())
}
