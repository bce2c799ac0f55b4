//! The standard normal distribution function and its inverse, to double precision.
//!
//! `Phi(x)` is `erfc(-x / sqrt 2) / 2` with `libm`'s erfc (musl's, accurate to about one unit
//! in the last place, also deep in the tails). The inverse starts from Acklam's rational
//! approximation (relative error about 1e-9) and polishes it with two Halley steps on
//! `Phi(x) - p`, which brings it to the precision of `Phi` itself. Probabilities above one half
//! are solved in the lower tail (`Phi^-1(p) = -Phi^-1(1 - p)`), where small probabilities keep
//! all their digits.

use std::f64::consts::{PI, SQRT_2};

/// The standard normal distribution function `Phi(x) = P(Z <= x)`.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// The standard normal quantile `Phi^-1(p)`: `-inf` at 0, `+inf` at 1, NaN outside `[0, 1]`
/// (callers in this module never pass such a `p`).
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -lower_quantile(1.0 - p);
    }
    lower_quantile(p)
}

/// `Phi^-1(p)` for `0 < p <= 0.5`.
fn lower_quantile(p: f64) -> f64 {
    let mut x = acklam(p);
    for _ in 0..2 {
        // Halley's step for f(x) = Phi(x) - p, with f' = phi(x) and f'' = -x phi(x).
        let error = normal_cdf(x) - p;
        let u = error * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
        x -= u / (1.0 + x * u / 2.0);
    }
    x
}

/// Acklam's rational approximation of `Phi^-1(p)` for `0 < p <= 0.5`.
fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    if p < P_LOW {
        // The tail: a rational function of sqrt(-2 ln p).
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        // The centre: a rational function of (p - 1/2)^2, times p - 1/2.
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: scipy.stats.norm.cdf / norm.ppf (scipy 1.17), printed with repr.
    // Deep in the tail the two erfc implementations agree to about 1e-14 relative.
    #[test]
    fn cdf_matches_reference_values() {
        for (x, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.959_963_984_540_054, 0.025),
            (-8.0, 6.220_960_574_271_74e-16),
        ] {
            let got = normal_cdf(x);
            assert!((got - want).abs() <= 1e-13 * want, "{x}: {got} vs {want}");
        }
    }

    #[test]
    fn quantile_matches_reference_values_in_the_centre_and_the_tails() {
        for (p, want) in [
            (0.5, 0.0),
            (0.99, 2.326_347_874_040_840_8),
            (0.025, -1.959_963_984_540_054_5),
            (1e-10, -6.361_340_902_404_056),
            (
                1.0 - 1.0 / (100.0 * std::f64::consts::E),
                2.680_210_444_966_887_5,
            ),
        ] {
            let got = normal_quantile(p);
            assert!((got - want).abs() < 1e-12, "{p}: {got} vs {want}");
        }
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() < 1e-15, "{p}: {back}");
        }
    }

    #[test]
    fn quantile_ends_and_outside_values() {
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan());
    }
}
