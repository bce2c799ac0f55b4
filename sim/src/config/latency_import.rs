//! `exchange.latency.session = "DIR"`: a recorded `sim live` session's `latency.csv` turned
//! into the simulated exchange's measured delays (`exchange_sim::LatencyConfig::samples_ms`).
//!
//! Which delays: the MARKET orders' send-to-fill times when the session has any (the time
//! from sending an order to the exchange executing it, which is what the model needs);
//! otherwise every accepted order's send-to-answer time (an upper bound: it includes the
//! answer's way back). The resolved config keeps the samples and names their source, so a run
//! folder stands on its own. Must never live here: what the delays do (`exchange_sim`).

use std::path::Path;

use anyhow::{Context, bail};

/// The columns of `latency.csv`, as `sim live` writes them.
pub const HEADER: &str = "client_order_id,order_type,answer_us,accepted,sent_ms,send_to_fill_ms";

/// The key in `[exchange.latency]` naming a session folder.
const SESSION_KEY: &str = "session";

/// Replaces `exchange.latency.session` in a raw config tree by the samples it names.
pub fn resolve_session(table: &mut toml::Table) -> anyhow::Result<()> {
    let Some(latency) = table
        .get_mut("exchange")
        .and_then(toml::Value::as_table_mut)
        .and_then(|e| e.get_mut("latency"))
        .and_then(toml::Value::as_table_mut)
    else {
        return Ok(());
    };
    let Some(session) = latency.remove(SESSION_KEY) else {
        return Ok(());
    };
    let Some(dir) = session.as_str() else {
        bail!(
            "exchange.latency.session must be the path of a `sim live` session folder (a string)"
        );
    };
    let path = Path::new(dir).join("latency.csv");
    let (samples, what) = read_samples(&path)?;
    let samples = samples.into_iter().map(i64::from).map(toml::Value::Integer);
    latency.insert("samples_ms".into(), toml::Value::Array(samples.collect()));
    latency.insert(
        "source".into(),
        toml::Value::String(format!("{} ({what})", path.display())),
    );
    Ok(())
}

/// The delays (ms) of a session's `latency.csv` and what they are.
pub fn read_samples(path: &Path) -> anyhow::Result<(Vec<u32>, String)> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {} (exchange.latency.session names a `sim live` session folder, which holds latency.csv)",
            path.display()
        )
    })?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(answer), Some(accepted)) = (col("answer_us"), col("accepted")) else {
        bail!(
            "{}:1: the header must name answer_us and accepted (as `sim live` writes it: {HEADER})",
            path.display()
        );
    };
    let fill = col("send_to_fill_ms");
    let (mut answers, mut fills) = (Vec::new(), Vec::new());
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |k: usize| line.split(',').nth(k).unwrap_or("").trim();
        let bad = |field: &str| {
            anyhow::anyhow!(
                "{}:{}: {field} '{}' is not a whole number; the file is written by `sim live`, re-record the session or fix the line",
                path.display(),
                n + 2,
                line
            )
        };
        if at(accepted) != "true" {
            continue;
        }
        let us: u64 = at(answer).parse().map_err(|_| bad("answer_us"))?;
        answers.push(u32::try_from(us.div_ceil(1000)).unwrap_or(u32::MAX));
        if let Some(k) = fill.filter(|&k| !at(k).is_empty()) {
            let ms: u32 = at(k).parse().map_err(|_| bad("send_to_fill_ms"))?;
            fills.push(ms);
        }
    }
    if !fills.is_empty() {
        let what = format!("{} MARKET send-to-fill times", fills.len());
        return Ok((fills, what));
    }
    if answers.is_empty() {
        bail!(
            "{}: no accepted order in this session, so no delay to learn from; record a session that trades, or set exchange.latency.order_ms",
            path.display()
        );
    }
    let what = format!("{} send-to-answer times", answers.len());
    Ok((answers, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(csv: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("latency.csv"), csv).expect("write");
        dir
    }

    fn resolved(dir: &Path) -> anyhow::Result<toml::Table> {
        let mut t: toml::Table = toml::from_str(&format!(
            "[exchange.latency]\nsession = {:?}\n",
            dir.display().to_string()
        ))
        .expect("toml");
        resolve_session(&mut t)?;
        Ok(t)
    }

    #[test]
    fn send_to_fill_times_are_preferred_over_answer_times() {
        let dir = session(&format!(
            "{HEADER}\nsim-1,MARKET,180500,true,1000,95\nsim-2,LIMIT,90000,true,2000,\nsim-3,MARKET,200000,false,3000,\n"
        ));
        let t = resolved(dir.path()).expect("resolves");
        let l = &t["exchange"]["latency"];
        assert_eq!(l["samples_ms"].as_array().expect("array").len(), 1);
        assert_eq!(l["samples_ms"][0].as_integer(), Some(95));
        assert!(l.get("session").is_none());
        assert!(
            l["source"]
                .as_str()
                .expect("source")
                .contains("1 MARKET send-to-fill")
        );
        // And the tree still becomes a valid exchange config.
        let spec = crate::config::parse(&toml::to_string(&t).expect("text"), "t").expect("valid");
        assert_eq!(spec.exchange.latency.samples_ms, vec![95]);
    }

    #[test]
    fn answer_times_when_nothing_filled_even_from_an_older_session() {
        let dir = session(
            "client_order_id,order_type,answer_us,accepted\na,LIMIT,1500,true\nb,LIMIT,300,true\nc,LIMIT,9,false\n",
        );
        let (samples, what) = read_samples(&dir.path().join("latency.csv")).expect("reads");
        assert_eq!(samples, vec![2, 1]);
        assert_eq!(what, "2 send-to-answer times");
    }

    #[test]
    fn bad_files_are_named_with_the_line() {
        let dir = session(&format!(
            "{HEADER}\na,MARKET,12,true,1,\nb,MARKET,x,true,2,\n"
        ));
        let err = format!("{:#}", resolved(dir.path()).expect_err("bad"));
        assert!(
            err.contains("latency.csv:3") && err.contains("answer_us"),
            "{err}"
        );
        let dir = session("a,b\n");
        let err = format!("{:#}", resolved(dir.path()).expect_err("bad header"));
        assert!(err.contains("latency.csv:1"), "{err}");
        let dir = session(&format!("{HEADER}\na,MARKET,12,false,1,\n"));
        let err = format!("{:#}", resolved(dir.path()).expect_err("nothing accepted"));
        assert!(err.contains("no accepted order"), "{err}");
        let missing = dir.path().join("nope");
        let err = format!("{:#}", resolved(&missing).expect_err("missing"));
        assert!(err.contains("session folder"), "{err}");
    }
}
