//! Formatting for `sim data`: the dataset table, numbers with thousands separators, ranges and
//! validation reports. Must never live here: loading or deciding anything.

use std::process::ExitCode;

use datasets::{Catalog, CatalogEntry, DataHome, Report, cache_files};
use pipeline::{Symbol, TimestampMs};

/// 129600 -> "129,600".
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn kind_label(e: &CatalogEntry) -> &'static str {
    if e.is_synthetic() {
        "SYNTHETIC"
    } else {
        "real"
    }
}

fn cache_state(home: &DataHome, e: &CatalogEntry) -> String {
    match cache_files(home, e) {
        Ok(files) => {
            let built = files.iter().filter(|(_, ok)| *ok).count();
            match built {
                0 => "no".to_string(),
                n if n == files.len() => "yes".to_string(),
                n => format!("{n}/{}", files.len()),
            }
        }
        Err(_) => "?".to_string(),
    }
}

fn symbols_text(e: &CatalogEntry) -> String {
    let names: Vec<&str> = e.symbols.iter().map(Symbol::as_str).collect();
    if names.len() <= 3 {
        names.join(",")
    } else {
        format!("{},+{}", names[..2].join(","), names.len() - 2)
    }
}

pub(super) fn range_text(start: TimestampMs, end: TimestampMs) -> String {
    format!("{} -> {}", start.to_minute_string(), end.to_minute_string())
}

pub(super) fn list(home: &DataHome) -> anyhow::Result<ExitCode> {
    let cat = Catalog::load(home)?;
    let rows: Vec<[String; 7]> = cat
        .entries()
        .map(|e| {
            let per = e.bars_per_symbol();
            let bars = if e.symbols.len() > 1 {
                format!("{} x {}", thousands(per), e.symbols.len())
            } else {
                thousands(per)
            };
            [
                e.name.clone(),
                symbols_text(e),
                e.interval.to_string(),
                range_text(e.start, e.end),
                bars,
                kind_label(e).to_string(),
                cache_state(home, e),
            ]
        })
        .collect();
    let head = [
        "NAME",
        "SYMBOLS",
        "INTERVAL",
        "RANGE (UTC)",
        "BARS",
        "DATA",
        "CACHED",
    ];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&head.map(String::from));
    for r in &rows {
        line(r);
    }
    println!("\ndata home: {}", home.root().display());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn print_report(r: &Report, rows_label: &str) {
    println!(
        "  {rows_label} {}, {} {} UTC, {} gap(s){}",
        thousands(r.rows as u64),
        r.interval,
        range_text(r.first, r.last),
        r.gaps.len(),
        if r.gaps.is_empty() {
            String::new()
        } else {
            format!(" ({} bars missing)", thousands(r.missing_bars()))
        }
    );
    const SHOWN: usize = 10;
    for g in r.gaps.iter().take(SHOWN) {
        println!(
            "    gap {} ({} bar(s) missing)",
            range_text(g.start, g.end),
            thousands(g.missing)
        );
    }
    if r.gaps.len() > SHOWN {
        println!("    ... and {} more gaps", r.gaps.len() - SHOWN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(129_600), "129,600");
        assert_eq!(thousands(5_256_000), "5,256,000");
        assert_eq!(thousands(12), "12");
    }
}
