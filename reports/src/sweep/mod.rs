//! The sweep report (`report.html` of a `sim sweep` folder): what it is drawn from
//! ([`SweepView`], the results table as plain columns, handed over by `sim`), the numbers it
//! derives (the ranking, the heatmap's grid, the stability around the best point, the
//! metric's histogram), and [`render`], which gives the page and its PNG charts.
//! - [`charts`]: the heatmap, the distribution and the stability charts.
//! - [`page`]: the self-contained HTML page, in the run report's style.
//!
//! Must never live here: running points or reading a sweep folder's files; the view is given.

pub mod charts;
pub mod page;

use crate::analysis::{self, Bin};
use crate::charts::Chart;
use crate::error::ReportError;

/// One swept parameter: its key and, per row, its value as text and as a number (when it is
/// one).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub key: String,
    pub text: Vec<String>,
    pub number: Vec<Option<f64>>,
}

/// What the sweep report shows: the points that ran, one row each (the same order in every
/// column), and the sweep's provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepView {
    pub dataset: String,
    pub synthetic: bool,
    /// The ranking metric's name and whether lower is better.
    pub metric: String,
    pub lower_better: bool,
    pub params: Vec<Param>,
    /// The ranking metric per row (`None`: undefined for that run).
    pub values: Vec<Option<f64>>,
    /// Point numbers per row.
    pub points: Vec<u64>,
    /// Further columns for the top table (name, display text per row).
    pub columns: Vec<(String, Vec<String>)>,
    /// Points that did not run: (`key=value` overrides, reason).
    pub skipped: Vec<(String, String)>,
    /// The overfitting statistics, worded: (name, value and what it means, or why it could not
    /// be computed).
    pub overfitting: Vec<(String, String)>,
    /// Provenance lines (label, value): dataset fingerprint, sim version, plan.
    pub provenance: Vec<(String, String)>,
}

/// How many rows the top table shows.
pub const TOP: usize = 15;

impl SweepView {
    /// Row indexes best first (undefined values last, ties by row order).
    pub fn ranked(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.values.len()).collect();
        rows.sort_by(|&a, &b| {
            let by = match (self.values[a], self.values[b]) {
                (Some(x), Some(y)) if self.lower_better => x.total_cmp(&y),
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            by.then(a.cmp(&b))
        });
        rows
    }

    /// The best row, if any has a value.
    pub fn best(&self) -> Option<usize> {
        self.ranked()
            .first()
            .copied()
            .filter(|&r| self.values[r].is_some())
    }
}

/// A parameter's distinct values in display order (numbers ascending, else as first seen).
pub fn levels(p: &Param) -> Vec<String> {
    let mut seen: Vec<(Option<f64>, String)> = Vec::new();
    for (t, n) in p.text.iter().zip(&p.number) {
        if !seen.iter().any(|(_, s)| s == t) {
            seen.push((*n, t.clone()));
        }
    }
    if seen.iter().all(|(n, _)| n.is_some()) {
        seen.sort_by(|a, b| a.0.unwrap_or(0.0).total_cmp(&b.0.unwrap_or(0.0)));
    }
    seen.into_iter().map(|(_, t)| t).collect()
}

/// The heatmap's grid over parameters `x` and `y`: `cells[row][col]` is the best value of the
/// metric among the points with that pair (the other parameters free), `None` when no point
/// with the pair ran or its value is undefined.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub x_key: String,
    pub y_key: String,
    pub x_levels: Vec<String>,
    pub y_levels: Vec<String>,
    pub cells: Vec<Vec<Option<f64>>>,
    /// Other swept parameters exist, so each cell is the best over them.
    pub best_over_others: bool,
}

/// The heatmap over the first two parameters with more than one value (`None` when fewer
/// than two vary).
pub fn grid(v: &SweepView) -> Option<Grid> {
    let varying: Vec<&Param> = v.params.iter().filter(|p| levels(p).len() > 1).collect();
    let (px, py) = (varying.first()?, varying.get(1)?);
    let (xl, yl) = (levels(px), levels(py));
    let mut cells = vec![vec![None::<f64>; xl.len()]; yl.len()];
    for r in 0..v.values.len() {
        let Some(val) = v.values[r] else { continue };
        let xi = xl.iter().position(|l| *l == px.text[r]);
        let yi = yl.iter().position(|l| *l == py.text[r]);
        if let (Some(xi), Some(yi)) = (xi, yi) {
            let cell = &mut cells[yi][xi];
            let better = match *cell {
                None => true,
                Some(c) if v.lower_better => val < c,
                Some(c) => val > c,
            };
            if better {
                *cell = Some(val);
            }
        }
    }
    Some(Grid {
        x_key: px.key.clone(),
        y_key: py.key.clone(),
        x_levels: xl,
        y_levels: yl,
        cells,
        best_over_others: varying.len() > 2,
    })
}

/// How the metric moves along one parameter with every other one held at the best point's
/// value: (level, value) per level of the parameter (`None`: that neighbour did not run).
#[derive(Debug, Clone, PartialEq)]
pub struct Stability {
    pub key: String,
    pub best_level: String,
    pub line: Vec<(String, Option<f64>)>,
}

/// One [`Stability`] per parameter with more than one value, around the best row.
pub fn stability(v: &SweepView) -> Vec<Stability> {
    let Some(best) = v.best() else {
        return Vec::new();
    };
    v.params
        .iter()
        .enumerate()
        .filter(|(_, p)| levels(p).len() > 1)
        .map(|(k, p)| {
            let line = levels(p)
                .into_iter()
                .map(|level| {
                    let row = (0..v.values.len()).find(|&r| {
                        p.text[r] == level
                            && v.params
                                .iter()
                                .enumerate()
                                .all(|(j, q)| j == k || q.text[r] == q.text[best])
                    });
                    let value = row.and_then(|r| v.values[r]);
                    (level, value)
                })
                .collect();
            Stability {
                key: p.key.clone(),
                best_level: p.text[best].clone(),
                line,
            }
        })
        .collect()
}

/// The metric's histogram over every point that has a value.
pub fn histogram(v: &SweepView) -> Vec<Bin> {
    let values: Vec<f64> = v.values.iter().flatten().copied().collect();
    analysis::pnl_histogram(&values)
}

/// The page and its charts (heatmap, distribution, stability).
pub fn render(v: &SweepView) -> Result<(String, Vec<Chart>), ReportError> {
    let grid = grid(v);
    let stab = stability(v);
    let bins = histogram(v);
    let mut drawn = Vec::new();
    if let Some(g) = &grid {
        drawn.push(crate::charts::render(
            "heatmap.png",
            &format!("Heatmap of {} over {} and {}", v.metric, g.x_key, g.y_key),
            charts::heatmap_size(g),
            |a| charts::heatmap(a, g, &v.metric, v.lower_better),
        )?);
    }
    let best = v.best().and_then(|r| v.values[r]);
    drawn.push(crate::charts::render(
        "distribution.png",
        &format!("Distribution of {} over all points", v.metric),
        charts::DISTRIBUTION_SIZE,
        |a| charts::distribution(a, &bins, &v.metric, best),
    )?);
    if !stab.is_empty() {
        drawn.push(crate::charts::render(
            "stability.png",
            &format!(
                "{} around the best point, one parameter at a time",
                v.metric
            ),
            charts::stability_size(stab.len()),
            |a| charts::stability(a, &stab, &v.metric),
        )?);
    }
    let html = page::page(v, grid.as_ref(), &stab, &drawn);
    Ok((html, drawn))
}

#[cfg(test)]
mod tests;
