//! The report's charts, drawn with plotters into an in-memory bitmap and encoded as PNG.
//! - [`style`]: font, colours, patterns, markers, legend. [`time_axis`]: UTC ticks.
//! - [`equity`]: equity with drawdown under it. [`price`]: each symbol's price with trades,
//!   TP/SL hits, liquidations and blocked intents. [`funnel`]: the stages' in/out with drops
//!   stacked by reason, ENTRY and EXIT side by side. [`distribution`]: monthly returns and the
//!   trade-PnL histogram.
//!
//! Must never live here: reading files or HTML; charts get what they draw as arguments.

pub mod distribution;
pub mod equity;
pub mod funnel;
pub mod price;
pub mod style;
pub mod time_axis;

use plotters::prelude::*;

use crate::error::ReportError;
use style::{Area, DrawResult};

/// One drawn chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File name, e.g. `equity.png`.
    pub file: String,
    /// What it shows, for the image's alt text.
    pub alt: String,
    pub width: u32,
    pub height: u32,
    pub png: Vec<u8>,
}

/// Draws a `width` x `height` chart with `draw` on white and encodes it as PNG.
pub fn render(
    file: &str,
    alt: &str,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<Chart, ReportError> {
    let fail = |message: String| ReportError::Chart {
        chart: file.to_string(),
        message,
    };
    style::ensure_font().map_err(fail)?;
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| fail(e.to_string()))?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let png = encode_png(&buf, width, height).map_err(|e| fail(e.to_string()))?;
    Ok(Chart {
        file: file.to_string(),
        alt: alt.to_string(),
        width,
        height,
        png,
    })
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header()?;
    w.write_image_data(rgb)?;
    w.finish()?;
    Ok(out)
}

/// At most two points per pixel column: each bucket's first-occurring and other extreme, so a
/// long series draws fast and looks the same.
pub fn envelope(points: &[(i64, f64)], buckets: usize) -> Vec<(i64, f64)> {
    if points.len() <= 2 * buckets || buckets == 0 {
        return points.to_vec();
    }
    let per = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets + 2);
    for chunk in points.chunks(per) {
        let mut lo = chunk[0];
        let mut hi = chunk[0];
        let (mut ilo, mut ihi) = (0, 0);
        for (i, p) in chunk.iter().enumerate() {
            if p.1 < lo.1 {
                lo = *p;
                ilo = i;
            }
            if p.1 > hi.1 {
                hi = *p;
                ihi = i;
            }
        }
        if ilo <= ihi {
            out.push(lo);
            out.push(hi);
        } else {
            out.push(hi);
            out.push(lo);
        }
    }
    out
}

/// `lo..hi` widened by `pad` of its span (or by 1 when flat).
pub fn padded(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    let span = hi - lo;
    if span.abs() < 1e-12 {
        let d = lo.abs().max(1.0) * 0.01;
        return (lo - d, hi + d);
    }
    (lo - span * pad, hi + span * pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_keeps_extremes_in_time_order() {
        let pts: Vec<(i64, f64)> = (0..1000).map(|i| (i, ((i * 37) % 101) as f64)).collect();
        let e = envelope(&pts, 10);
        assert!(e.len() <= 20);
        assert!(e.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(e.iter().map(|p| p.1).fold(f64::MIN, f64::max), 100.0);
        assert_eq!(e.iter().map(|p| p.1).fold(f64::MAX, f64::min), 0.0);
        assert_eq!(envelope(&pts[..5], 10).len(), 5);
    }

    #[test]
    fn rendered_charts_are_pngs_of_the_asked_size() {
        let c = render("t.png", "test", (120, 80), |a| {
            a.fill(&WHITE)?;
            style::title(a, "Title", "")?;
            Ok(())
        })
        .expect("render");
        let dec = png::Decoder::new(std::io::Cursor::new(c.png));
        let reader = dec.read_info().expect("png");
        assert_eq!((reader.info().width, reader.info().height), (120, 80));
    }
}
