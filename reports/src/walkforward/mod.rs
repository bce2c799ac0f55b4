//! The walk-forward report (`report.html` of a `sim walkforward` folder): what it is drawn
//! from ([`WalkForwardView`], handed over by `sim`), and [`render`], which gives the page and
//! its PNG charts: the stitched out-of-sample equity curve (the run report's equity chart),
//! in-sample vs out-of-sample per window, and the chosen parameters over time.
//! - [`charts`]: the in-sample vs out-of-sample bars and the parameters over time.
//! - [`page`]: the self-contained HTML page, in the run report's style.
//!
//! Must never live here: running windows or reading a walk-forward folder's files.

pub mod charts;
pub mod page;

use crate::charts::Chart;
use crate::error::ReportError;
use crate::metrics::EquityPoint;

/// One window as the report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRow {
    pub window: usize,
    /// Training and test spans, `[start, end)` open times in epoch ms.
    pub train: (i64, i64),
    pub test: (i64, i64),
    /// The chosen value of each swept key (same order as [`WalkForwardView::keys`]); empty
    /// when the window did not run.
    pub chosen: Vec<String>,
    pub in_sample: Option<f64>,
    pub out_of_sample: Option<f64>,
    pub in_sample_return: Option<f64>,
    pub out_of_sample_return: Option<f64>,
    pub out_of_sample_trades: Option<usize>,
    /// Why the window did not run (`None`: it was tested).
    pub not_run: Option<String>,
}

/// What the walk-forward report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkForwardView {
    pub dataset: String,
    pub synthetic: bool,
    pub metric: String,
    /// The windows in words, e.g. `rolling: train 30d, test 7d, warm-up 30d`.
    pub layout: String,
    /// The swept keys.
    pub keys: Vec<String>,
    pub windows: Vec<WindowRow>,
    /// The first window that did not fit the data, and why.
    pub not_fitting: Option<String>,
    /// The stitched out-of-sample curve and the balance it started from.
    pub equity: Vec<EquityPoint>,
    pub initial_balance: f64,
    /// Headline figures (label, value) for the summary cards.
    pub summary: Vec<(String, String)>,
    /// How the curve is stitched and how test windows warm up: (label, words).
    pub method: Vec<(String, String)>,
    /// Provenance lines (label, value).
    pub provenance: Vec<(String, String)>,
}

/// The page and its charts.
pub fn render(v: &WalkForwardView) -> Result<(String, Vec<Chart>), ReportError> {
    let mut drawn = vec![crate::charts::render(
        "oos_equity.png",
        "The stitched out-of-sample equity curve of the test windows, with its drawdown",
        crate::charts::equity::SIZE,
        |a| crate::charts::equity::draw(a, &v.equity, v.initial_balance),
    )?];
    drawn.push(crate::charts::render(
        "in_vs_out.png",
        &format!("{} in sample and out of sample per window", v.metric),
        charts::IN_VS_OUT_SIZE,
        |a| charts::in_vs_out(a, &v.windows, &v.metric),
    )?);
    let numeric = charts::numeric_keys(v);
    if !numeric.is_empty() {
        drawn.push(crate::charts::render(
            "parameters.png",
            "The chosen parameters over time, one panel per swept key",
            charts::parameters_size(numeric.len()),
            |a| charts::parameters(a, v, &numeric),
        )?);
    }
    let html = page::page(v, &drawn);
    Ok((html, drawn))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> WalkForwardView {
        let day = 86_400_000;
        let windows = (0..3)
            .map(|i| WindowRow {
                window: i,
                train: (i as i64 * day, (i as i64 + 4) * day),
                test: ((i as i64 + 4) * day, (i as i64 + 5) * day),
                chosen: if i == 1 {
                    Vec::new()
                } else {
                    vec![format!("{}", 5 + 5 * i), "ema_cross".into()]
                },
                in_sample: (i != 1).then_some(1.5),
                out_of_sample: (i != 1).then_some(-0.25 + i as f64),
                in_sample_return: (i != 1).then_some(0.01),
                out_of_sample_return: (i != 1).then_some(-0.002),
                out_of_sample_trades: (i != 1).then_some(4),
                not_run: (i == 1).then(|| "every one of the 2 points was skipped <here>".into()),
            })
            .collect();
        WalkForwardView {
            dataset: "wf".into(),
            synthetic: true,
            metric: "sharpe".into(),
            layout: "rolling: train 4d, test 1d, warm-up 4d".into(),
            keys: vec!["strategy.fast".into(), "strategy.name".into()],
            windows,
            not_fitting: Some("the test window would end after the data".into()),
            equity: (0..100)
                .map(|i| EquityPoint {
                    time_ms: 4 * day + i * 60_000,
                    equity: 10_000.0 + (i as f64).sin() * 10.0,
                    in_market: i % 2 == 0,
                })
                .collect(),
            initial_balance: 10_000.0,
            summary: vec![("out-of-sample return".into(), "+1.00%".into())],
            method: vec![("stitching".into(), "each window continues".into())],
            provenance: vec![("sim version".into(), "0.1.0".into())],
        }
    }

    #[test]
    fn the_page_has_every_section_the_charts_and_the_reasons() {
        let (html, charts) = render(&view()).expect("render");
        let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(files, ["oos_equity.png", "in_vs_out.png", "parameters.png"]);
        for (id, _) in page::SECTIONS {
            assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert_eq!(html.matches("data:image/png;base64,").count(), 3);
        assert!(html.contains("every one of the 2 points was skipped &lt;here&gt;"));
        assert!(html.contains("the test window would end after the data"));
        assert!(html.contains("synthetic-banner"));
        assert!(
            !html.contains("http://") && !html.contains("https://") && !html.contains("<script")
        );
    }

    #[test]
    fn only_numeric_keys_get_a_parameter_panel() {
        assert_eq!(charts::numeric_keys(&view()), [0]);
    }
}
