//! Recorded funding into the simulated exchange: a symbol whose series carries the dataset's
//! recorded funding (`datasets::funding`) settles at exactly those times and rates, which also
//! follows a symbol's change of interval (8 h to 4 h or 1 h), because every settlement time is
//! recorded. The mark price of a settlement is the bar price at that instant (the close of
//! the bar that ends there) until mark-price klines exist; `exchange_sim::funding` has the
//! payment rule (size x mark x rate, longs pay a positive rate). Symbols without records keep
//! the constant rate of `exchange.funding`; `exchange.funding.recorded = false` or
//! `enabled = false` leaves every symbol on the constant rule (or none).
//! Must never live here: reading files (that is `datasets`), the payment itself.

use anyhow::Context;
use datasets::{BarSeries, FundingSeries};
use exchange_sim::{FundingConfig, FundingRate, SimExchange};

/// Whether the run settles the recorded funding of the symbols that have some.
pub fn uses_recorded(cfg: &FundingConfig) -> bool {
    cfg.enabled && cfg.recorded
}

/// Gives every symbol of `series` with recorded funding its settlements.
pub fn attach(
    exchange: &mut SimExchange,
    series: &[&BarSeries],
    cfg: &FundingConfig,
) -> anyhow::Result<()> {
    if !uses_recorded(cfg) {
        return Ok(());
    }
    for s in series {
        if let Some(f) = s.funding() {
            attach_one(exchange, f)?;
        }
    }
    Ok(())
}

/// Gives `funding.symbol` the settlements of `funding`.
pub fn attach_one(exchange: &mut SimExchange, funding: &FundingSeries) -> anyhow::Result<()> {
    let Some(id) = exchange.symbol_id(funding.symbol.as_str()) else {
        return Ok(());
    };
    let rates = funding
        .records
        .iter()
        .map(|r| FundingRate {
            time: r.time,
            rate: r.rate,
            mark_price: None,
        })
        .collect();
    exchange.set_funding_rates(id, rates).with_context(|| {
        format!(
            "the recorded funding of {} ({})",
            funding.symbol,
            funding.files.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> rust_decimal::Decimal {
        s.parse().expect("decimal")
    }
    use datasets::funding::parse::{CSV_HEADER, parse_csv};
    use exchange_sim::{MarketFill, SimConfig};
    use pipeline::exchange_info::{Environment, snapshot};
    use pipeline::order::{OrderRequest, Side};
    use pipeline::venue::VenueEvent;
    use pipeline::{Bar, Interval, Symbol, TimestampMs};
    use rust_decimal::Decimal;

    fn hour(h: i64) -> TimestampMs {
        TimestampMs::from_utc(2026, 1, 1, 0, 0, 0).plus_ms(h * 3_600_000)
    }

    /// A funding series from Binance's CSV layout: (hour, interval hours, rate) rows.
    fn recorded(rows: &[(i64, u32, &str)]) -> FundingSeries {
        let mut text = format!("{CSV_HEADER}\n");
        for (h, i, r) in rows {
            text.push_str(&format!("{},{i},{r}\n", hour(*h).0));
        }
        let parsed = parse_csv(text.as_bytes(), "BTCUSDT-fundingRate-2026-01.csv").expect("csv");
        let sym = Symbol::new("BTCUSDT").expect("symbol");
        FundingSeries::merge(
            sym,
            vec!["BTCUSDT-fundingRate-2026-01.csv".into()],
            parsed.records,
        )
        .expect("series")
    }

    /// Hourly flat bars at 70,000 + 100 x h for h in 0..hours; a position of `qty` (signed)
    /// opened at the close of bar 0; returns (time, amount) of every funding event.
    fn run(funding: &FundingSeries, qty: Decimal, hours: i64) -> Vec<(TimestampMs, Decimal)> {
        let info = snapshot(Environment::Mainnet).expect("snapshot");
        let cfg = SimConfig {
            market_fill: MarketFill::CurrentClose,
            ..SimConfig::default()
        };
        let mut ex = SimExchange::new(info, cfg, Interval::H1).expect("exchange");
        attach_one(&mut ex, funding).expect("attach");
        let b = ex.symbol_id("BTCUSDT").expect("listed");
        let mut events = Vec::new();
        for h in 0..hours {
            let p = 70_000.0 + 100.0 * h as f64;
            let bar = Bar {
                open_time: hour(h),
                open: p,
                high: p,
                low: p,
                close: p,
                volume: 1.0,
            };
            ex.on_bar(b, &bar).expect("bar");
            if h == 0 {
                let side = if qty > Decimal::ZERO {
                    Side::Buy
                } else {
                    Side::Sell
                };
                ex.submit(&OrderRequest::market("BTCUSDT", side, qty.abs()))
                    .expect("filled");
            }
            events.extend(ex.take_events());
        }
        events
            .into_iter()
            .filter_map(|e| match e {
                VenueEvent::Funding { amount, time, .. } => Some((time, amount)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_8h_symbol_with_a_rate_change_long_and_short() {
        // Settlements 00:00 (before the position: nothing), 08:00, 16:00, 00:00; the rate
        // changes from 0.0001 to 0.00025 to -0.0001. The mark is the close of the bar ending at
        // the settlement: 70,700 at 08:00, 71,500 at 16:00, 72,300 at 24:00.
        let f = recorded(&[
            (0, 8, "0.00010000"),
            (8, 8, "0.00010000"),
            (16, 8, "0.00025000"),
            (24, 8, "-0.00010000"),
        ]);
        // Long 0.5: 0.5 x 70,700 x 0.0001 = 3.535 paid; 0.5 x 71,500 x 0.00025 = 8.9375 paid;
        // 0.5 x 72,300 x -0.0001 = -3.615, i.e. 3.615 received.
        assert_eq!(
            run(&f, dec("0.5"), 26),
            vec![
                (hour(8), dec("-3.535")),
                (hour(16), dec("-8.9375")),
                (hour(24), dec("3.615")),
            ]
        );
        // Short 0.5: the same amounts the other way.
        assert_eq!(
            run(&f, dec("-0.5"), 26),
            vec![
                (hour(8), dec("3.535")),
                (hour(16), dec("8.9375")),
                (hour(24), dec("-3.615")),
            ]
        );
    }

    #[test]
    fn a_4h_symbol_settles_every_4_hours_and_nothing_else() {
        // Short 2 at 0.0001: 2 x 70,300 x 0.0001 = 14.06 at 04:00, 2 x 70,700 x 0.0001 = 14.14 at
        // 08:00, 2 x 71,100 x 0.0001 = 14.22 at 12:00, all received; no 8 h grid beside them.
        let f = recorded(&[(4, 4, "0.0001"), (8, 4, "0.0001"), (12, 4, "0.0001")]);
        assert_eq!(
            run(&f, dec("-2"), 14),
            vec![
                (hour(4), dec("14.06")),
                (hour(8), dec("14.14")),
                (hour(12), dec("14.22")),
            ]
        );
    }

    #[test]
    fn an_interval_change_mid_run() {
        // 8 h until 08:00, then 4 h (12:00, 16:00) and then 1 h (17:00): long 1 at 0.0002:
        // 70,700 x 0.0002 = 14.14, 71,100 x 0.0002 = 14.22, 71,500 x 0.0002 = 14.30,
        // 71,600 x 0.0002 = 14.32, all paid.
        let f = recorded(&[
            (8, 4, "0.0002"),
            (12, 4, "0.0002"),
            (16, 1, "0.0002"),
            (17, 1, "0.0002"),
        ]);
        assert!(f.gaps.is_empty(), "{:?}", f.gaps);
        assert_eq!(
            run(&f, dec("1"), 18),
            vec![
                (hour(8), dec("-14.14")),
                (hour(12), dec("-14.22")),
                (hour(16), dec("-14.30")),
                (hour(17), dec("-14.32")),
            ]
        );
    }

    #[test]
    fn recorded_funding_is_off_when_funding_is_off_or_not_recorded() {
        let on = FundingConfig::default();
        assert!(uses_recorded(&on));
        assert!(!uses_recorded(&FundingConfig {
            recorded: false,
            ..on
        }));
        assert!(!uses_recorded(&FundingConfig {
            enabled: false,
            ..on
        }));
    }
}
