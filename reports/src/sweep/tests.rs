use super::*;

/// Four points over fast x slow; the point fast=10, slow=60 is the best.
fn view() -> SweepView {
    let fast = ["5", "5", "10", "10"];
    let slow = ["30", "60", "30", "60"];
    let param = |key: &str, t: &[&str]| Param {
        key: key.into(),
        text: t.iter().map(|s| s.to_string()).collect(),
        number: t.iter().map(|s| s.parse().ok()).collect(),
    };
    SweepView {
        dataset: "btc".into(),
        synthetic: true,
        metric: "sharpe".into(),
        lower_better: false,
        params: vec![param("strategy.fast", &fast), param("strategy.slow", &slow)],
        values: vec![Some(0.5), None, Some(-1.0), Some(2.0)],
        points: vec![0, 1, 2, 3],
        columns: vec![(
            "trades".into(),
            vec!["1".into(), "2".into(), "3".into(), "4".into()],
        )],
        skipped: vec![(
            "strategy.fast=20 strategy.slow=10".into(),
            "needs 0 < fast < slow".into(),
        )],
        overfitting: vec![(
            "probability of backtest overfitting".into(),
            "0.625: in 62% of 70 CSCV splits".into(),
        )],
        provenance: vec![("sim".into(), "0.1.0".into())],
    }
}

#[test]
fn the_ranking_puts_undefined_values_last() {
    let v = view();
    assert_eq!(v.ranked(), [3, 0, 2, 1]);
    let mut low = view();
    low.lower_better = true;
    assert_eq!(low.ranked(), [2, 0, 3, 1]);
}

#[test]
fn the_grid_puts_each_value_in_its_cell() {
    let g = grid(&view()).expect("two parameters");
    assert_eq!(g.x_levels, ["5", "10"]);
    assert_eq!(g.y_levels, ["30", "60"]);
    assert_eq!(
        g.cells,
        vec![vec![Some(0.5), Some(-1.0)], vec![None, Some(2.0)]]
    );
    assert!(!g.best_over_others);
}

#[test]
fn stability_holds_the_other_parameters_at_the_best_point() {
    let s = stability(&view());
    assert_eq!(s.len(), 2);
    // Along fast at slow=60: fast=5 has no value, fast=10 is the best.
    assert_eq!(
        s[0].line,
        vec![("5".into(), None), ("10".into(), Some(2.0))]
    );
    assert_eq!(s[0].best_level, "10");
    // Along slow at fast=10.
    assert_eq!(
        s[1].line,
        vec![("30".into(), Some(-1.0)), ("60".into(), Some(2.0))]
    );
}

#[test]
fn the_page_has_every_section_and_the_skipped_reason() {
    let (html, charts) = render(&view()).expect("renders");
    for (id, _) in page::SECTIONS {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    assert!(html.contains("needs 0 &lt; fast &lt; slow"));
    assert!(html.contains("0.625: in 62% of 70 CSCV splits"));
    assert!(html.contains("synthetic-banner"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "offline"
    );
    let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
    assert_eq!(files, ["heatmap.png", "distribution.png", "stability.png"]);
}
