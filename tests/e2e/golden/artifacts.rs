//! What a golden case pins of a run folder, as named text files (see tests/golden/README.md):
//! - `summary.json`: the run's summary without its `wall_clock` section (the only part that
//!   differs between identical runs), keys sorted, pretty-printed;
//! - `config.toml` and `funnel.txt`, whole;
//! - `trades.csv` and `fills.csv`, whole up to [`WHOLE_UP_TO`] bytes, otherwise an excerpt
//!   (`trades.excerpt.csv`: the header, the first and the last [`EXCERPT_ROWS`] rows);
//! - `digests.txt`: size, line count and sha256 of every file of the run folder the goldens
//!   pin, so a change anywhere in the big files (the year's journals are ~80 MB) fails too.
//!
//! The run folder stores its tables and journals compressed (`equity.csv.zst`,
//! `orders.journal.zst`); the goldens pin what they hold, decoded, under the name of the text
//! (`equity.csv`, `orders.jsonl`): the same text older run folders held, so a diff of the
//! goldens stays readable and a change of the stored form alone changes nothing here.
//!
//! Not pinned: the Parquet file (its bytes depend on the polars writer's version; the CSV holds
//! the same rows exactly) and `report.html`/`charts/` (the golden runs pass `--no-report`; the
//! report is drawn from the files pinned here).

use std::path::Path;

/// A text file of the run folder stored whole in the goldens when it is at most this long.
const WHOLE_UP_TO: usize = 32 * 1024;

/// Rows kept from each end of a table too long to store whole.
const EXCERPT_ROWS: usize = 20;

/// The run folder's files whose digests are pinned.
const DIGESTED: [&str; 8] = [
    "config.toml",
    "equity.csv",
    "fills.csv",
    "funnel.txt",
    "orders.jsonl",
    "prices.csv",
    "results.jsonl",
    "trades.csv",
];

/// Files a run folder holds that no digest pins: the summary (pinned as a file of its own,
/// without `wall_clock`) and the Parquet file (not pinned, see above).
const NOT_DIGESTED: [(&str, &str); 2] = [
    ("summary.json", "pinned-without-wall_clock"),
    ("trades.parquet", "not-pinned"),
];

/// The golden files of the run folder `run`, as (file name, contents), sorted by name.
pub fn of_run_folder(run: &Path) -> Vec<(String, Vec<u8>)> {
    let read = |name: &str| crate::support::run_text(run, name).into_bytes();
    let mut out = vec![
        (
            "summary.json".to_string(),
            summary_without_wall_clock(&read("summary.json")),
        ),
        ("config.toml".to_string(), read("config.toml")),
        ("funnel.txt".to_string(), read("funnel.txt")),
        ("digests.txt".to_string(), digests(run)),
    ];
    for table in ["trades.csv", "fills.csv"] {
        let bytes = read(table);
        if bytes.len() <= WHOLE_UP_TO {
            out.push((table.to_string(), bytes));
        } else {
            let name = table.replace(".csv", ".excerpt.csv");
            out.push((name, excerpt(&bytes)));
        }
    }
    out.sort();
    out
}

/// `summary.json` parsed, `wall_clock` removed, written again with sorted keys (whatever
/// serde_json's map order), ending in a newline.
fn summary_without_wall_clock(bytes: &[u8]) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("summary.json is JSON");
    let removed = v
        .as_object_mut()
        .expect("summary.json is an object")
        .remove("wall_clock");
    assert!(removed.is_some(), "summary.json has no wall_clock section");
    let mut text = serde_json::to_string_pretty(&sorted(v)).expect("json");
    text.push('\n');
    text.into_bytes()
}

/// `v` with every object's keys in sorted order.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

/// The header, the first and the last [`EXCERPT_ROWS`] rows of a CSV table (every row when
/// it has no more than twice that).
fn excerpt(bytes: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("CSV is UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let (header, rows) = lines.split_first().expect("a header");
    let mut kept: Vec<&str> = vec![header];
    if rows.len() <= 2 * EXCERPT_ROWS {
        kept.extend(rows);
    } else {
        kept.extend(&rows[..EXCERPT_ROWS]);
        kept.extend(&rows[rows.len() - EXCERPT_ROWS..]);
    }
    (kept.join("\n") + "\n").into_bytes()
}

/// One line per file of the run folder: `name bytes lines sha256`, or for a file in
/// [`NOT_DIGESTED`] its name and how it is pinned; a file the run folder gained or lost
/// changes this list too.
fn digests(run: &Path) -> Vec<u8> {
    let mut names: Vec<String> = std::fs::read_dir(run)
        .expect("the run folder")
        .map(|e| text_name(&e.expect("entry").file_name().to_string_lossy()))
        .collect();
    names.sort();
    let mut out = String::from("# file bytes lines sha256 (see tests/golden/README.md)\n");
    for name in names {
        if let Some((_, how)) = NOT_DIGESTED.iter().find(|(n, _)| *n == name) {
            out.push_str(&format!("{name} {how}\n"));
            continue;
        }
        assert!(
            DIGESTED.contains(&name.as_str()),
            "the run folder has a new file {name}: pin it (DIGESTED) or say why not (NOT_DIGESTED)"
        );
        let bytes = crate::support::run_text(run, &name).into_bytes();
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let sha = datasets::sha256_hex(&bytes);
        out.push_str(&format!("{name} {} {lines} {sha}\n", bytes.len()));
    }
    out.into_bytes()
}

/// The name of the text a stored file holds: `equity.csv.zst` is `equity.csv`,
/// `orders.journal.zst` is `orders.jsonl`; other files are their own.
fn text_name(stored: &str) -> String {
    if let Some(stem) = stored.strip_suffix(".journal.zst") {
        format!("{stem}.jsonl")
    } else if let Some(table) = stored.strip_suffix(".zst") {
        table.to_string()
    } else {
        stored.to_string()
    }
}
