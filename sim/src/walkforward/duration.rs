//! Walk-forward durations: `90m`, `12h`, `60d`, `2w` (a whole number and a unit), as
//! milliseconds. Bad input is refused naming the flag and the accepted form.
//! Must never live here: windows or anything about the data.

use anyhow::bail;

const MINUTE_MS: i64 = 60_000;

/// `text` given to `flag` (`--train`, `--test`, `--warmup`) in milliseconds; `0` only when
/// `zero_ok` (a warm-up can be none, a window cannot).
pub fn parse(flag: &str, text: &str, zero_ok: bool) -> anyhow::Result<i64> {
    let t = text.trim();
    let form = "a whole number and a unit: m (minutes), h (hours), d (days) or w (weeks), e.g. 90m, 12h, 60d, 2w";
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        bail!("{flag} {text}: not a duration; write {form}");
    }
    let unit_ms = match unit {
        "m" => MINUTE_MS,
        "h" => 60 * MINUTE_MS,
        "d" => 24 * 60 * MINUTE_MS,
        "w" => 7 * 24 * 60 * MINUTE_MS,
        "" => bail!("{flag} {text}: the unit is missing; write {form}"),
        other => bail!("{flag} {text}: '{other}' is not a unit; write {form}"),
    };
    let n: i64 = digits
        .parse()
        .ok()
        .filter(|n: &i64| n.checked_mul(unit_ms).is_some())
        .ok_or_else(|| anyhow::anyhow!("{flag} {text}: too long a duration"))?;
    if n == 0 && !zero_ok {
        bail!("{flag} {text}: a window cannot be empty; give a positive duration, e.g. 14d");
    }
    Ok(n * unit_ms)
}

/// `ms` as the shortest duration text in days, hours or minutes that [`parse`] reads back
/// (`30d`, `12h`, `90m`).
pub fn text(ms: i64) -> String {
    for (unit, size) in [("d", 24 * 60), ("h", 60), ("m", 1)] {
        let size = size * MINUTE_MS;
        if ms % size == 0 && ms != 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    if ms == 0 {
        return "0m".to_string();
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_milliseconds() {
        assert_eq!(parse("--train", "60d", false).expect("d"), 60 * 86_400_000);
        assert_eq!(parse("--test", "14d", false).expect("d"), 14 * 86_400_000);
        assert_eq!(parse("--test", "12h", false).expect("h"), 12 * 3_600_000);
        assert_eq!(parse("--test", "90m", false).expect("m"), 90 * 60_000);
        assert_eq!(parse("--test", " 2w ", false).expect("w"), 14 * 86_400_000);
        assert_eq!(parse("--warmup", "0d", true).expect("none"), 0);
        assert_eq!(text(30 * 86_400_000), "30d");
        assert_eq!(text(14 * 86_400_000), "14d");
        assert_eq!(text(90 * 60_000), "90m");
    }

    #[test]
    fn bad_durations_name_the_flag_and_the_form() {
        for (bad, says) in [
            ("60", "unit is missing"),
            ("d", "not a duration"),
            ("1.5d", "'.5d' is not a unit"),
            ("60x", "'x' is not a unit"),
            ("-3d", "not a duration"),
            ("0d", "cannot be empty"),
            ("99999999999999999999d", "too long"),
            ("", "not a duration"),
        ] {
            let err = format!("{:#}", parse("--train", bad, false).expect_err(bad));
            assert!(err.starts_with("--train"), "{bad}: {err}");
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
