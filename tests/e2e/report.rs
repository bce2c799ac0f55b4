//! `sim backtest` writes `report.html` and the PNG charts; `sim report RUN` writes them again.

use std::path::Path;

use reports::charts;
use reports::charts::style::rgb;
use reports::html::SECTIONS;

use crate::support::{Sandbox, run_text};

/// (width, height, RGB pixels) of a PNG file.
fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// How many pixels of `rgb` are exactly `colour`.
fn pixels_of(rgb: &[u8], colour: [u8; 3]) -> usize {
    rgb.chunks_exact(3).filter(|p| *p == colour).count()
}

/// Every `src="..."` and `href="..."` value of `html`.
fn links(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').expect("closing quote");
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn backtest_writes_a_self_contained_report_with_every_section_and_charts() {
    let sb = Sandbox::new();
    let run = sb
        .sim(&["backtest", "--dataset", "btc_2026q1", "--out", "run"])
        .ok();
    assert!(
        run.stdout.contains("report: run/report.html"),
        "{}",
        run.stdout
    );
    let html = std::fs::read_to_string(sb.path("run/report.html")).expect("report.html");
    for (id, title) in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id} missing"
        );
        assert!(html.contains(title), "heading {title} missing");
    }
    assert!(
        html.contains("id=\"synthetic-banner\""),
        "synthetic runs carry the banner"
    );
    assert!(html.contains("SYNTHETIC DATA"));
    // The execution model names every rule in force.
    for row in [
        "<th>fill price</th><td>MARKET at the next bar&#39;s open;",
        "<th>intrabar order</th><td>pessimistic:",
        "<th>funding</th><td>constant 0.0001 every 8 h (00:00 UTC grid)</td>",
        "<th>mark price</th><td>the trade klines&#39; close",
        "<th>fees</th><td>maker 0.02 %, taker 0.05 %",
        "<th>slippage</th><td>none</td>",
        "<th>latency</th><td>none:",
    ] {
        assert!(html.contains(row), "execution model row {row} missing");
    }
    // One funding sign: the metrics table's total is the per-symbol figure of the one symbol.
    let funding = html
        .split("<tr><td>Funding</td><td class=\"n\">")
        .nth(1)
        .and_then(|rest| rest.split(" USDT<").next())
        .expect("the Funding metric");
    assert!(funding.starts_with(['+', '-']), "signed: {funding}");
    let symbols = html
        .split("<section id=\"symbols\">")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("per-symbol section");
    assert!(
        symbols.contains(&format!("\">{funding}</td>")),
        "{funding} not in {symbols}"
    );
    // Self-contained: no URL leaves the file, no script, no stylesheet link.
    for needle in ["http://", "https://", "<script", "<link", "@import", "url("] {
        assert!(!html.contains(needle), "the report contains {needle}");
    }
    let srcs = links(&html);
    let images: Vec<&&str> = srcs.iter().filter(|l| l.starts_with("data:")).collect();
    assert!(
        srcs.iter()
            .all(|l| l.starts_with("data:image/png;base64,") || l.starts_with('#')),
        "only inline images and in-page anchors: {:?}",
        srcs.iter()
            .map(|l| &l[..l.len().min(40)])
            .collect::<Vec<_>>()
    );
    let expected = [
        ("equity.png", charts::equity::SIZE),
        ("price-BTCUSDT.png", charts::price::SIZE),
        ("funnel.png", charts::funnel::SIZE),
        ("monthly.png", charts::distribution::MONTHLY_SIZE),
        ("pnl.png", charts::distribution::PNL_SIZE),
    ];
    assert_eq!(images.len(), expected.len(), "one inline image per chart");
    for (file, (w, h)) in expected {
        let (pw, ph, pixels) = decode_png(&sb.path("run/charts").join(file));
        assert_eq!((pw, ph), (w, h), "{file}");
        let ink = pixels_of(&pixels, rgb(charts::style::INK));
        assert!(ink > 500, "{file} looks empty ({ink} ink pixels)");
    }
    // The equity curve and the trade markers are drawn.
    let (_, _, equity) = decode_png(&sb.path("run/charts/equity.png"));
    assert!(pixels_of(&equity, rgb(charts::style::EQUITY)) > 1000);
    let (_, _, price) = decode_png(&sb.path("run/charts/price-BTCUSDT.png"));
    // 2,500 trades are too many to mark one by one: the time held is shaded instead.
    assert!(
        pixels_of(&price, rgb(charts::style::LONG_HELD)) > 10_000,
        "long positions"
    );
    // The trade list says how each trade ended.
    assert!(
        html.contains("<td>exit</td></tr>"),
        "the trade list says how trades ended"
    );
    // Every entry gets a TP and an SL: some trades end on them, and the chart marks them.
    let trades = run_text(&sb.path("run"), "trades.csv");
    let protected = trades
        .lines()
        .filter(|l| l.ends_with(",take_profit") || l.ends_with(",stop_loss"))
        .count();
    assert!(protected > 0, "no trade ended on its TP or SL");
    assert!(
        html.contains("<td>TP hit</td></tr>") || html.contains("<td>SL hit</td></tr>"),
        "the trade list names TP/SL exits"
    );
    let marked =
        pixels_of(&price, rgb(charts::style::TP)) + pixels_of(&price, rgb(charts::style::SL));
    assert!(marked > 20, "TP/SL hits are marked on the price chart");

    // `sim report` writes the same page again, from the run folder alone.
    let again = sb.sim(&["report", "run", "--out", "copy"]).ok();
    assert!(again.stdout.contains("report.html"), "{}", again.stdout);
    let copy = std::fs::read_to_string(sb.path("copy/report.html")).expect("copy");
    assert!(copy == html, "the same run folder gives the same report");
}

#[test]
fn a_run_where_every_order_is_blocked_reports_why() {
    let sb = Sandbox::new();
    sb.sim(&[
        "backtest",
        "--dataset",
        "btc_2026q1",
        "--out",
        "small",
        "--set",
        "trader.position_usd=40",
        "--set",
        "trader.leverage=2",
    ])
    .ok();
    let html = std::fs::read_to_string(sb.path("small/report.html")).expect("report.html");
    let table = &html[html
        .find("<section id=\"rejections\">")
        .expect("rejections")..];
    let table = &table[..table.find("</section>").expect("end")];
    assert!(table.contains("<code>notional_below_min</code>"), "{table}");
    assert!(table.contains("-4164"), "Binance's code: {table}");
    assert!(
        table.contains("Order&#39;s notional must be no smaller than 100"),
        "Binance's message: {table}"
    );
    assert!(table.contains("executor"), "the stage: {table}");
    assert!(
        html.contains("No trades"),
        "the trade list says there are none"
    );
    // The drop reasons are drawn: hatched bars on the funnel, markers on the price chart, in
    // the colours of the two reasons (most frequent first).
    let funnel = decode_png(&sb.path("small/charts/funnel.png")).2;
    let price = decode_png(&sb.path("small/charts/price-BTCUSDT.png")).2;
    for rank in 0..2 {
        let (colour, _, _) = charts::style::reason_style(rank);
        assert!(
            pixels_of(&funnel, rgb(colour)) > 200,
            "funnel: reason {rank} not drawn"
        );
        assert!(
            pixels_of(&price, rgb(colour)) > 200,
            "price: reason {rank} not drawn"
        );
    }
    assert_eq!(
        pixels_of(&price, rgb(charts::style::LONG)) + pixels_of(&price, rgb(charts::style::SHORT)),
        0,
        "no entries to mark"
    );
}

#[test]
fn no_report_skips_it_and_sim_report_writes_it_later_with_a_chart_per_symbol() {
    let sb = Sandbox::new();
    sb.synth("BTCUSDT,ETHUSDT", "2026-01-01", "2026-01-02", "pair");
    sb.sim(&[
        "backtest",
        "--dataset",
        "pair",
        "--out",
        "bare",
        "--no-report",
    ])
    .ok();
    assert!(sb.path("bare/summary.json").is_file());
    assert!(!sb.path("bare/report.html").exists());
    assert!(!sb.path("bare/charts").exists());
    sb.sim(&["report", "bare"]).ok();
    let html = std::fs::read_to_string(sb.path("bare/report.html")).expect("report.html");
    for sym in ["BTCUSDT", "ETHUSDT"] {
        let (w, h, _) = decode_png(&sb.path(&format!("bare/charts/price-{sym}.png")));
        assert_eq!((w, h), charts::price::SIZE);
        assert!(html.contains(&format!("charts/price-{sym}.png")), "{sym}");
    }
    let fail = sb.sim(&["report", "nowhere"]);
    assert_ne!(fail.code, 0);
    assert!(
        fail.stderr.contains("nowhere/summary.json"),
        "the missing file is named: {}",
        fail.stderr
    );
}
