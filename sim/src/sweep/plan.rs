//! The sweep's plan: the swept keys with their values (`--grid KEY=SPEC`, a sweep file's
//! `[grid]` table), the points they make (every combination, or `--random N` of them drawn
//! with a seed), and each point as `--set`-style overrides of the base config.
//!
//! A SPEC is `a..b:step` (both ends included, integers or decimals) or `v1,v2,...` (any TOML
//! values; a word that is not TOML is a string). Points are numbered in a fixed order (the
//! first key varies slowest), so the same plan always gives the same points.
//! Must never live here: running a point or reading a dataset.

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

/// One swept key and its values, as TOML text (`5`, `0.5`, `"sma_cross"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

/// Keys a sweep cannot vary: they choose the data or the exchange info, which are loaded once.
const FIXED_KEYS: [&str; 2] = ["run.dataset", "run.exchange_info"];

/// The most points a grid may make before the sweep refuses it (a typo like `1..100000:1`).
pub const MAX_POINTS: u64 = 1_000_000;

impl Axis {
    /// `KEY=SPEC` as given to `--grid` (`flag` names the flag or file in errors).
    pub fn parse(text: &str, flag: &str) -> anyhow::Result<Axis> {
        let Some((key, spec)) = text.split_once('=') else {
            bail!(
                "{flag} {text}: write it as KEY=SPEC, e.g. {flag} strategy.fast=5..50:5 or {flag} strategy.slow=20,40,80"
            );
        };
        Axis::from_spec(key.trim(), spec.trim(), flag)
    }

    /// `key` with the values `spec` gives.
    pub fn from_spec(key: &str, spec: &str, flag: &str) -> anyhow::Result<Axis> {
        check_key(key, flag)?;
        let values = if spec.contains("..") {
            range_values(spec).with_context(|| {
                format!(
                    "{flag} {key}={spec}: a range is a..b:step with numbers and a positive step, e.g. 5..50:5"
                )
            })?
        } else {
            list_values(spec)
        };
        if values.is_empty() || values.iter().any(String::is_empty) {
            bail!("{flag} {key}={spec}: no values; give a range a..b:step or a list v1,v2");
        }
        Ok(Axis {
            key: key.to_string(),
            values,
        })
    }

    /// `key` with values from a TOML value: an array of values, or a SPEC string.
    pub fn from_toml(key: &str, value: &toml::Value, file: &str) -> anyhow::Result<Axis> {
        let flag = format!("{file}: [grid]");
        match value {
            toml::Value::String(spec) => Axis::from_spec(key, spec, &flag),
            toml::Value::Array(items) if !items.is_empty() => {
                check_key(key, &flag)?;
                Ok(Axis {
                    key: key.to_string(),
                    values: items.iter().map(toml::Value::to_string).collect(),
                })
            }
            other => bail!(
                "{flag} {key} = {other}: give a list of values ([5, 10]) or a SPEC string (\"5..50:5\")"
            ),
        }
    }
}

fn check_key(key: &str, flag: &str) -> anyhow::Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        bail!("{flag} {key}: the key is a dotted run-config key like strategy.fast");
    }
    if FIXED_KEYS.contains(&key) {
        bail!(
            "{flag} {key}: a sweep runs one dataset and one exchange info; set it with --dataset or --set, not in the grid"
        );
    }
    Ok(())
}

/// `a..b:step`, both ends included; integers stay integers.
fn range_values(spec: &str) -> anyhow::Result<Vec<String>> {
    let (range, step) = spec.split_once(':').context("the step is missing")?;
    let (a, b) = range.split_once("..").context("the range is missing")?;
    let all_int = [a, b, step].iter().all(|t| t.trim().parse::<i64>().is_ok());
    if all_int {
        let (a, b, step): (i64, i64, i64) =
            (a.trim().parse()?, b.trim().parse()?, step.trim().parse()?);
        if step <= 0 || b < a {
            bail!("the step must be positive and a <= b");
        }
        if (b - a) / step >= MAX_POINTS as i64 {
            bail!("the range has more than {MAX_POINTS} values");
        }
        return Ok((0..=(b - a) / step)
            .map(|i| (a + i * step).to_string())
            .collect());
    }
    let (a, b, step): (f64, f64, f64) =
        (a.trim().parse()?, b.trim().parse()?, step.trim().parse()?);
    if !(step > 0.0 && a <= b && a.is_finite() && b.is_finite()) {
        bail!("the step must be positive and a <= b");
    }
    // Counted in whole steps (with a tolerance), so 0.1..0.5:0.1 has its five values.
    let n = ((b - a) / step + 1e-9).floor() as u64;
    if n >= MAX_POINTS {
        bail!("the range has more than {MAX_POINTS} values");
    }
    Ok((0..=n).map(|i| decimal_text(a + i as f64 * step)).collect())
}

/// A float as short TOML decimal text (12 significant decimals, trailing zeros removed).
fn decimal_text(v: f64) -> String {
    let t = format!("{v:.12}");
    let t = t.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_string()
    }
}

/// `v1,v2,...`: each a TOML value, or a plain word (quoted as a string).
fn list_values(spec: &str) -> Vec<String> {
    spec.split(',')
        .map(str::trim)
        .map(|v| {
            let parsed = toml::from_str::<toml::Table>(&format!("v = {v}"))
                .ok()
                .and_then(|mut t| t.remove("v"));
            match parsed {
                Some(value) => value.to_string(),
                None if v.is_empty() => String::new(),
                None => toml::Value::String(v.to_string()).to_string(),
            }
        })
        .collect()
}

/// How the points are chosen from the axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Draw {
    /// Every combination.
    Grid,
    /// `points` distinct combinations drawn with `seed`.
    Random { points: u64, seed: u64 },
}

/// One point: its number in the plan and its overrides (`key=value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub id: u64,
    pub values: Vec<String>,
}

/// The combinations of `axes` that `draw` chooses, in plan order.
pub fn points(axes: &[Axis], draw: Draw) -> anyhow::Result<Vec<Point>> {
    if axes.is_empty() {
        bail!("nothing to sweep: give at least one --grid KEY=SPEC (or a [grid] table)");
    }
    let mut seen = std::collections::BTreeSet::new();
    for a in axes {
        if !seen.insert(a.key.as_str()) {
            bail!("--grid {}: the key is swept twice; give it once", a.key);
        }
    }
    let total = axes
        .iter()
        .try_fold(1u64, |n, a| n.checked_mul(a.values.len() as u64))
        .filter(|n| *n <= MAX_POINTS * 1000)
        .context("the grid has too many points; narrow a range or use --random N")?;
    let chosen: Vec<u64> = match draw {
        Draw::Grid => {
            if total > MAX_POINTS {
                bail!(
                    "the grid has {total} points (more than {MAX_POINTS}); narrow it or draw some with --random N"
                );
            }
            (0..total).collect()
        }
        Draw::Random { points, seed } => draw_distinct(total, points, seed),
    };
    Ok(chosen
        .into_iter()
        .map(|id| Point {
            id,
            values: combination(axes, id),
        })
        .collect())
}

/// Combination number `id`: the last axis varies fastest.
fn combination(axes: &[Axis], mut id: u64) -> Vec<String> {
    let mut values = vec![String::new(); axes.len()];
    for (slot, axis) in values.iter_mut().zip(axes).rev() {
        let n = axis.values.len() as u64;
        *slot = axis.values[(id % n) as usize].clone();
        id /= n;
    }
    values
}

/// `want` distinct numbers below `total` (all of them if `want >= total`), sorted, from a
/// splitmix64 stream seeded with `seed` (our own generator, so a seed means the same points
/// in every version).
fn draw_distinct(total: u64, want: u64, seed: u64) -> Vec<u64> {
    if want >= total {
        return (0..total).collect();
    }
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut chosen = std::collections::BTreeSet::new();
    while (chosen.len() as u64) < want {
        chosen.insert(next() % total);
    }
    chosen.into_iter().collect()
}

impl Point {
    /// The point's overrides as `--set` texts.
    pub fn overrides(&self, axes: &[Axis]) -> Vec<String> {
        axes.iter()
            .zip(&self.values)
            .map(|(a, v)| format!("{}={v}", a.key))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_give_their_values() {
        let a = Axis::parse("strategy.fast=5..20:5", "--grid").expect("range");
        assert_eq!(a.values, ["5", "10", "15", "20"]);
        let a = Axis::parse("trader.position_usd=0.1..0.5:0.1", "--grid").expect("decimals");
        assert_eq!(a.values, ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        let a = Axis::parse("strategy.name=sma_cross,ema_cross", "--grid").expect("words");
        assert_eq!(a.values, ["\"sma_cross\"", "\"ema_cross\""]);
        let a = Axis::parse("strategy.slow = 30, 60", "--grid").expect("list");
        assert_eq!(a.values, ["30", "60"]);
    }

    #[test]
    fn bad_specs_name_the_flag_and_the_fix() {
        for (text, says) in [
            ("strategy.fast", "KEY=SPEC"),
            ("strategy.fast=5..20", "a..b:step"),
            ("strategy.fast=20..5:5", "a..b:step"),
            ("strategy.fast=5..20:0", "positive step"),
            ("fast=5,10", "dotted"),
            ("run.dataset=a,b", "--dataset"),
            ("strategy.fast=5,,10", "no values"),
        ] {
            let err = format!("{:#}", Axis::parse(text, "--grid").expect_err(text));
            assert!(err.contains("--grid"), "{text}: {err}");
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn points_are_every_combination_with_the_last_key_fastest() {
        let axes = [
            Axis::parse("strategy.fast=5,10", "--grid").expect("a"),
            Axis::parse("strategy.slow=30,60,90", "--grid").expect("b"),
        ];
        let p = points(&axes, Draw::Grid).expect("points");
        assert_eq!(p.len(), 6);
        assert_eq!(
            p[1].overrides(&axes),
            ["strategy.fast=5", "strategy.slow=60"]
        );
        assert_eq!(
            p[3].overrides(&axes),
            ["strategy.fast=10", "strategy.slow=30"]
        );
        assert!(points(&[axes[0].clone(), axes[0].clone()], Draw::Grid).is_err());
    }

    #[test]
    fn a_random_draw_is_distinct_and_fixed_by_its_seed() {
        let axes = [Axis::parse("strategy.fast=1..100:1", "--grid").expect("a")];
        let draw = |seed| points(&axes, Draw::Random { points: 10, seed }).expect("points");
        let (a, b, c) = (draw(7), draw(7), draw(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 10);
        let ids: std::collections::BTreeSet<u64> = a.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 10);
        let all = points(
            &axes,
            Draw::Random {
                points: 500,
                seed: 1,
            },
        )
        .expect("all");
        assert_eq!(all.len(), 100);
    }
}
