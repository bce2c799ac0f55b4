//! The run loop: bars in time order through the exchange, the strategy and every stage.
//!
//! Per bar: the simulated exchange takes the closed bar, the symbol's strategy sees it, then
//! the pipeline runs its signals; the time step ends with one equity point. Many symbols are
//! merged by open time. A run over one symbol takes two shortcuts that change no output:
//! - its strategy runs over the whole series first ([`SignalTape`]): a strategy is pure (bars
//!   in, signals out), so when it runs does not matter, and its own tight loop is faster;
//! - bars that bring no signal and change nothing at the exchange but its clock (quiet bars,
//!   see `exchange_sim`'s `quiet_bars`) are passed in one go: the exchange keeps the last,
//!   the pipeline's stages with state per bar take them as a run, and their equity points come
//!   from the unchanged account.
//!
//! [`LoopPath::General`] sends one symbol through the merge loop instead, bar by bar; the
//! test `tests/e2e/loop_paths.rs` holds the shortcuts to it.
//!
//! Must never live here: stage logic, fill rules, I/O.

use anyhow::Context;
use datasets::BarSeries;
use exchange_sim::{SimExchange, SymId};
use pipeline::signal::{Signal, SignalSource};
use pipeline::stages::journal::Journal;
use pipeline::stages::pipeline::Pipeline;
use pipeline::{Bar, Symbol};
use reports::metrics::EquityPoint;

use super::recorded_intents::SymbolIntents;
use super::signal_tape::SignalTape;

/// One symbol's bars and strategy in a run.
pub(super) struct Lane<'a> {
    pub symbol: Symbol,
    pub id: Option<SymId>,
    pub source: Box<dyn SignalSource + Send>,
    pub intents: SymbolIntents,
    pub series: &'a BarSeries,
    pub next: usize,
    /// Signals before this open time are dropped (warm-up bars).
    pub trade_from: i64,
}

/// How often (in bars) the loop reports progress.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Which loop runs the bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LoopPath {
    /// One symbol takes the fast path (signal tape, quiet bars in one go); more take the merge
    /// loop. What every run uses.
    Auto,
    /// The merge loop, bar by bar, whatever the number of symbols: the reference the fast
    /// path is tested against (same outputs, slower).
    General,
}

/// The loop. Returns the equity curve (one point per distinct bar time) and the bar count.
/// Calls `progress(bars_done, bars_total)` every [`PROGRESS_EVERY`] bars and at the end.
pub(super) fn event_loop<J: Journal>(
    mut lanes: Vec<Lane<'_>>,
    path: LoopPath,
    exchange: &mut SimExchange,
    pipeline: &mut Pipeline<J>,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<(Vec<EquityPoint>, u64)> {
    let total: usize = lanes.iter().map(|l| l.series.len()).sum();
    let mut run = LoopState {
        equity: Vec::with_capacity(total / lanes.len().max(1) + 1),
        signals: Vec::new(),
        bars: 0,
        next_report: PROGRESS_EVERY,
        total: total as u64,
        interval_ms: lanes.first().map_or(0, |l| l.series.interval().as_ms()),
    };
    if let ([lane], LoopPath::Auto) = (lanes.as_mut_slice(), path) {
        run.one_lane(lane, exchange, pipeline, progress)?;
    } else {
        // The earliest next bar among the lanes (ties: lane order, i.e. symbol order).
        let next_time = |lanes: &[Lane<'_>]| {
            lanes
                .iter()
                .filter_map(|l| l.series.open_times().get(l.next).copied())
                .min()
        };
        while let Some(t) = next_time(&lanes) {
            for lane in lanes.iter_mut() {
                if lane.series.open_times().get(lane.next) == Some(&t) {
                    run.feed(lane, exchange, pipeline)?;
                }
            }
            run.close_step(t, exchange, progress);
        }
    }
    progress(run.bars, run.total);
    Ok((run.equity, run.bars))
}

/// What the loop carries from one bar to the next.
struct LoopState {
    equity: Vec<EquityPoint>,
    /// The strategy's output for the current bar (kept, so no bar allocates).
    signals: Vec<Signal>,
    bars: u64,
    next_report: u64,
    total: u64,
    interval_ms: i64,
}

impl LoopState {
    /// One symbol: every bar is its own time step, in order; no merge. Signals come from the
    /// tape, and quiet bars between them are passed in one go.
    fn one_lane<J: Journal>(
        &mut self,
        lane: &mut Lane<'_>,
        exchange: &mut SimExchange,
        pipeline: &mut Pipeline<J>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> anyhow::Result<()> {
        let mut tape = SignalTape::new(lane);
        let series = lane.series;
        let cols = series.view();
        // Recorded intents are due by time, not by signal: such a run takes every bar.
        let quiet_id = lane.id.filter(|_| lane.intents.is_empty());
        while lane.next < series.len() {
            let k = lane.next;
            let next_signal = tape.next_bar(lane);
            if let Some(id) = quiet_id {
                // Up to the next signal, and not past a progress report.
                let to_report = usize::try_from(self.next_report - self.bars).unwrap_or(usize::MAX);
                let limit = next_signal.min(k.saturating_add(to_report));
                let n = exchange.quiet_bars(id, &cols, k, limit);
                if n > 0 {
                    self.pass_quiet(lane, id, n, exchange, pipeline, progress);
                    continue;
                }
            }
            let bar = series.bar(k);
            lane.next += 1;
            self.bars += 1;
            exchange_step(lane, &bar, exchange)?;
            pipeline_step(
                lane,
                &bar,
                tape.take(k),
                exchange,
                pipeline,
                self.interval_ms,
            );
            self.close_step(bar.open_time.as_ms(), exchange, progress);
        }
        Ok(())
    }

    /// The lane's next bar: to the exchange, the strategy, then every stage.
    #[inline(always)]
    fn feed<J: Journal>(
        &mut self,
        lane: &mut Lane<'_>,
        exchange: &mut SimExchange,
        pipeline: &mut Pipeline<J>,
    ) -> anyhow::Result<()> {
        let bar: Bar = lane.series.bar(lane.next);
        lane.next += 1;
        self.bars += 1;
        exchange_step(lane, &bar, exchange)?;
        // Most bars give no signal: clear only what the last one left (clearing an empty
        // vector is still a call per bar).
        let signals = &mut self.signals;
        if !signals.is_empty() {
            signals.clear();
        }
        lane.source.on_bar(&lane.symbol, &bar, signals);
        if bar.open_time.as_ms() < lane.trade_from && !signals.is_empty() {
            signals.clear();
        }
        pipeline_step(lane, &bar, signals, exchange, pipeline, self.interval_ms);
        Ok(())
    }

    /// The `n` quiet bars from the lane's next one (counted by `quiet_bars`): what feeding
    /// them one by one would do, with their equity points, in one go.
    fn pass_quiet<J: Journal>(
        &mut self,
        lane: &mut Lane<'_>,
        id: SymId,
        n: usize,
        exchange: &mut SimExchange,
        pipeline: &mut Pipeline<J>,
        progress: &mut dyn FnMut(u64, u64),
    ) {
        let (from, to) = (lane.next, lane.next + n);
        let series = lane.series;
        exchange.pass_quiet(id, &series.bar(to - 1));
        let bars = series.view().slice(from..to);
        pipeline.on_quiet_bars(&lane.symbol, bars, exchange);
        let closes = bars.closes;
        let account = exchange.quiet_account(id);
        let in_market = account.in_market();
        let interval_ms = self.interval_ms;
        let times = &series.open_times()[from..to];
        self.equity
            .extend(times.iter().zip(closes).map(|(&t, &close)| EquityPoint {
                time_ms: t + interval_ms,
                equity: account.equity_at(close),
                in_market,
            }));
        lane.next = to;
        self.bars += n as u64;
        self.report(progress);
    }

    /// The end of time step `t` (every symbol's bar at `t` seen): its equity point, and
    /// progress now and then.
    #[inline(always)]
    fn close_step(&mut self, t: i64, exchange: &SimExchange, progress: &mut dyn FnMut(u64, u64)) {
        self.equity.push(EquityPoint {
            time_ms: t + self.interval_ms,
            equity: exchange.equity_f64(),
            in_market: exchange.has_open_position(),
        });
        self.report(progress);
    }

    #[inline(always)]
    fn report(&mut self, progress: &mut dyn FnMut(u64, u64)) {
        if self.bars >= self.next_report {
            self.next_report += PROGRESS_EVERY;
            progress(self.bars, self.total);
        }
    }
}

/// The lane's bar to the exchange (a symbol it does not list gets no bars there).
#[inline(always)]
fn exchange_step(lane: &Lane<'_>, bar: &Bar, exchange: &mut SimExchange) -> anyhow::Result<()> {
    if let Some(id) = lane.id {
        exchange
            .on_bar(id, bar)
            .with_context(|| format!("{} bar at {}", lane.symbol, bar.open_time))?;
    }
    Ok(())
}

/// The bar and its signals through every stage, then the recorded intents due by its close.
#[inline(always)]
fn pipeline_step<J: Journal>(
    lane: &mut Lane<'_>,
    bar: &Bar,
    signals: &[Signal],
    exchange: &mut SimExchange,
    pipeline: &mut Pipeline<J>,
    interval_ms: i64,
) {
    pipeline.on_bar(&lane.symbol, bar, signals, exchange);
    if !lane.intents.is_empty() {
        let due = lane.intents.take_before(bar.open_time.plus_ms(interval_ms));
        if !due.is_empty() {
            pipeline.on_recorded_intents(&lane.symbol, bar, &due, exchange);
        }
    }
}
