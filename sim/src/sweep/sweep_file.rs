//! A sweep file (`sim sweep --sweep FILE`): a run config's keys (the base of every point) plus
//! a `[grid]` table of swept keys and an optional `[random]` table:
//!
//! ```toml
//! [strategy]
//! name = "sma_cross"
//!
//! [grid]
//! "strategy.fast" = "5..50:5"        # a SPEC, as after --grid KEY=
//! "strategy.slow" = [20, 40, 80]     # or a list of values
//!
//! [random]                           # optional: draw this many points of the grid
//! points = 50
//! seed = 7
//! ```
//! Must never live here: running or checking the points (the base is checked per point).

use std::path::Path;

use anyhow::{Context, bail};

use super::plan::{Axis, Draw};

/// What a sweep file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFile {
    /// The base run config (every key but `[grid]` and `[random]`).
    pub base: toml::Table,
    pub axes: Vec<Axis>,
    /// `[random]`, when given.
    pub random: Option<Draw>,
}

/// Reads and parses the sweep file at `path`.
pub fn read(path: &Path) -> anyhow::Result<SweepFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the sweep file {}", path.display()))?;
    parse(&text, &path.display().to_string())
}

/// Parses a sweep file's text (`name` names it in messages).
pub fn parse(text: &str, name: &str) -> anyhow::Result<SweepFile> {
    let mut base: toml::Table =
        toml::from_str(text).with_context(|| format!("{name} is not valid TOML"))?;
    let axes = match base.remove("grid") {
        Some(toml::Value::Table(grid)) => grid
            .iter()
            .map(|(key, value)| Axis::from_toml(key, value, name))
            .collect::<anyhow::Result<Vec<_>>>()?,
        Some(_) => bail!("{name}: [grid] must be a table of \"key\" = SPEC lines"),
        None => Vec::new(),
    };
    let random = match base.remove("random") {
        Some(toml::Value::Table(r)) => Some(random_table(&r, name)?),
        Some(_) => bail!("{name}: [random] must be a table with points and seed"),
        None => None,
    };
    Ok(SweepFile { base, axes, random })
}

fn random_table(r: &toml::Table, name: &str) -> anyhow::Result<Draw> {
    if let Some(k) = r.keys().find(|k| *k != "points" && *k != "seed") {
        bail!("{name}: [random] has an unknown key {k}; it takes points and seed");
    }
    let number = |key: &str| -> anyhow::Result<Option<u64>> {
        match r.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(n)) if *n >= 0 => Ok(Some(*n as u64)),
            Some(v) => bail!("{name}: [random] {key} = {v}: give a whole number >= 0"),
        }
    };
    let points = number("points")?
        .filter(|n| *n > 0)
        .with_context(|| format!("{name}: [random] needs points = N (N > 0)"))?;
    Ok(Draw::Random {
        points,
        seed: number("seed")?.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_file_splits_into_base_grid_and_random() {
        let f = parse(
            "[trader]\nposition_usd = 500\n[grid]\n\"strategy.fast\" = \"5..15:5\"\n\"strategy.slow\" = [30, 60]\n[random]\npoints = 3\nseed = 9\n",
            "s.toml",
        )
        .expect("parses");
        assert!(f.base.contains_key("trader"));
        assert!(!f.base.contains_key("grid"));
        assert_eq!(f.axes.len(), 2);
        assert_eq!(f.axes[0].values, ["5", "10", "15"]);
        assert_eq!(f.axes[1].values, ["30", "60"]);
        assert_eq!(f.random, Some(Draw::Random { points: 3, seed: 9 }));
    }

    #[test]
    fn mistakes_name_the_file_and_the_table() {
        for (text, says) in [
            ("grid = 5\n", "[grid] must be a table"),
            ("[grid]\n\"strategy.fast\" = 5\n", "give a list"),
            ("[random]\nseed = 1\n", "needs points"),
            ("[random]\npoints = 2\nsede = 1\n", "unknown key sede"),
        ] {
            let err = format!("{:#}", parse(text, "s.toml").expect_err(text));
            assert!(
                err.contains("s.toml") && err.contains(says),
                "{text}: {err}"
            );
        }
    }
}
