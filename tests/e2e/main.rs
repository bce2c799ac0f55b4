//! End-to-end tests: they run the `sim` binary as a user would, each with its own temporary
//! `SIM_HOME` and run folder, and read what it prints and writes (`loop_paths` alone calls the
//! library, to run one symbol through both of the run loop's paths).

mod backtest;
mod backtest_kill;
mod check;
mod conformance;
mod crash_cycles;
mod data_checksum;
mod diff;
mod exchange_info;
mod exchange_info_history;
mod fast_clock;
mod fidelity;
mod freqtrade;
mod funding;
mod golden;
mod intrabar;
mod intrabar_trades;
mod journal;
mod latency;
mod live;
mod live_mirror;
mod live_recovery;
mod loop_paths;
mod mirror;
mod parity;
mod real_data;
mod record;
mod redis_server;
mod report;
mod resample;
mod scenarios;
mod serve;
mod slurm;
mod slurm_cluster;
mod slurm_sweep;
mod support;
mod sweep;
mod sweep_shards;
mod walkforward;
mod watch;
