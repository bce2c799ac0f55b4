//! The look shared by every chart: the embedded font, colours chosen so they stay apart in
//! greyscale (each series also has its own marker shape, fill pattern or dash), text styles,
//! markers, hatched rectangles and a hand-laid legend. All drawing here is in pixels on the
//! root area.
//! Must never live here: a particular chart's data or layout.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The root area of every chart: a bitmap in memory, in pixels.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// What chart drawing code returns.
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

static FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");

/// Registers the shipped DejaVu Sans as plotters' `sans-serif` (once per process).
pub fn ensure_font() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "the embedded DejaVu Sans font could not be loaded".to_string())
    })
    .clone()
}

pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
pub const BAND: RGBColor = RGBColor(0xcf, 0xd4, 0xda);
/// The recorded mark price's line on a price chart.
pub const MARK: RGBColor = RGBColor(0x7b, 0x3f, 0x9e);
/// The recorded mark price's high-low band, under the trade price's.
pub const MARK_BAND: RGBColor = RGBColor(0xe2, 0xc8, 0xf0);
pub const EQUITY: RGBColor = RGBColor(0x1f, 0x4e, 0x9c);
pub const DRAWDOWN: RGBColor = RGBColor(0xb2, 0x3a, 0x2e);
pub const PASSED: RGBColor = RGBColor(0x3b, 0x4a, 0x5a);
pub const LONG: RGBColor = RGBColor(0x00, 0x60, 0xa0);
pub const SHORT: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
/// Background of the spans a long (short) position was held, when trades are too many to mark.
pub const LONG_HELD: RGBColor = RGBColor(0xc6, 0xdb, 0xef);
pub const SHORT_HELD: RGBColor = RGBColor(0xf6, 0xd5, 0xbb);
pub const TP: RGBColor = RGBColor(0x00, 0x8a, 0x60);
pub const SL: RGBColor = RGBColor(0xb2, 0x18, 0x2b);
pub const GAIN: RGBColor = RGBColor(0x1b, 0x78, 0x37);
pub const LOSS: RGBColor = RGBColor(0xc0, 0x39, 0x2b);

/// Colours of the rejection reasons, in order of frequency (lightness alternates).
pub const REASON_COLOURS: [RGBColor; 6] = [
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x7b, 0x3f, 0x9e),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0x4d, 0x4d, 0x4d),
];

/// Fill patterns, so bars differ without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Solid,
    Diagonal,
    Horizontal,
    Cross,
    Vertical,
    AntiDiagonal,
}

pub const REASON_PATTERNS: [Pattern; 6] = [
    Pattern::Diagonal,
    Pattern::Horizontal,
    Pattern::Cross,
    Pattern::Vertical,
    Pattern::AntiDiagonal,
    Pattern::Solid,
];

/// Marker shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    TriangleUp,
    TriangleDown,
    Circle,
    Diamond,
    Square,
    BigX,
    X,
    Plus,
    HollowSquare,
    HollowDiamond,
    HollowTriangle,
    Star,
}

pub const REASON_SHAPES: [Shape; 6] = [
    Shape::X,
    Shape::Plus,
    Shape::HollowSquare,
    Shape::HollowDiamond,
    Shape::HollowTriangle,
    Shape::Star,
];

/// `c` as [r, g, b] bytes, as they appear in the PNG (tests look for them).
pub fn rgb(c: RGBColor) -> [u8; 3] {
    [c.0, c.1, c.2]
}

/// A rejection reason's colour, pattern and marker, by its rank.
pub fn reason_style(rank: usize) -> (RGBColor, Pattern, Shape) {
    let i = rank % REASON_COLOURS.len();
    (REASON_COLOURS[i], REASON_PATTERNS[i], REASON_SHAPES[i])
}

/// Text in the shipped font.
pub fn text(size: u32, colour: &RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(colour)
}

/// The house look of every chart's mesh: label and axis text, grid lines at the labels only.
pub fn house_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(text(14, &INK))
        .axis_desc_style(text(15, &INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
}

/// Text anchored at `h`, `v`.
pub fn anchored(size: u32, colour: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    text(size, colour).pos(Pos::new(h, v))
}

/// A marker of `shape` centred at `c` (pixels), `r` pixels from centre to edge.
pub fn marker(
    area: &Area<'_>,
    c: (i32, i32),
    shape: Shape,
    colour: &RGBColor,
    r: i32,
) -> DrawResult {
    let (x, y) = c;
    let fill = colour.filled();
    let line = colour.stroke_width(2);
    let poly = |pts: Vec<(i32, i32)>, filled: bool| -> DrawResult {
        if filled {
            area.draw(&Polygon::new(pts, fill))?;
        } else {
            let mut closed = pts.clone();
            closed.push(pts[0]);
            area.draw(&PathElement::new(closed, line))?;
        }
        Ok(())
    };
    match shape {
        Shape::TriangleUp => poly(vec![(x, y - r), (x + r, y + r), (x - r, y + r)], true)?,
        Shape::TriangleDown => poly(vec![(x, y + r), (x + r, y - r), (x - r, y - r)], true)?,
        Shape::HollowTriangle => poly(vec![(x, y - r), (x + r, y + r), (x - r, y + r)], false)?,
        Shape::Diamond => poly(vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)], true)?,
        Shape::HollowDiamond => poly(vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)], false)?,
        Shape::Square => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], fill))?,
        Shape::HollowSquare => {
            area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], line))?
        }
        Shape::Circle => area.draw(&Circle::new((x, y), r, line))?,
        Shape::X | Shape::BigX => {
            let style = if shape == Shape::BigX {
                colour.stroke_width(3)
            } else {
                line
            };
            area.draw(&PathElement::new(
                vec![(x - r, y - r), (x + r, y + r)],
                style,
            ))?;
            area.draw(&PathElement::new(
                vec![(x - r, y + r), (x + r, y - r)],
                style,
            ))?;
        }
        Shape::Plus => {
            area.draw(&PathElement::new(vec![(x - r, y), (x + r, y)], line))?;
            area.draw(&PathElement::new(vec![(x, y - r), (x, y + r)], line))?;
        }
        Shape::Star => {
            let d = r * 7 / 10;
            for (a, b) in [((0, -r), (0, r)), ((-d, -d), (d, d)), ((-d, d), (d, -d))] {
                area.draw(&PathElement::new(
                    vec![(x + a.0, y + a.1), (x + b.0, y + b.1)],
                    colour.stroke_width(1),
                ))?;
            }
        }
    }
    Ok(())
}

/// A rectangle (pixel corners) filled with `pattern` in `colour` and outlined.
pub fn patterned_rect(
    area: &Area<'_>,
    a: (i32, i32),
    b: (i32, i32),
    colour: &RGBColor,
    pattern: Pattern,
) -> DrawResult {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    if pattern == Pattern::Solid {
        area.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour.filled()))?;
        return Ok(());
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colour.mix(0.22).filled(),
    ))?;
    let style = colour.stroke_width(1);
    let step = 6;
    let mut lines: Vec<((i32, i32), (i32, i32))> = Vec::new();
    let diagonal = |lines: &mut Vec<_>, sign: i32| {
        // x + sign*y = c, clipped to the rectangle.
        let (cmin, cmax) = if sign > 0 {
            (x0 + y0, x1 + y1)
        } else {
            (x0 - y1, x1 - y0)
        };
        let mut c = cmin - cmin.rem_euclid(step);
        while c <= cmax {
            let ys = |x: i32| (c - x) * sign;
            let (mut xs, mut xe) = (x0, x1);
            if sign > 0 {
                xs = xs.max(c - y1);
                xe = xe.min(c - y0);
            } else {
                xs = xs.max(c + y0);
                xe = xe.min(c + y1);
            }
            if xs <= xe {
                lines.push(((xs, ys(xs)), (xe, ys(xe))));
            }
            c += step;
        }
    };
    match pattern {
        Pattern::Diagonal => diagonal(&mut lines, 1),
        Pattern::AntiDiagonal => diagonal(&mut lines, -1),
        Pattern::Cross => {
            diagonal(&mut lines, 1);
            diagonal(&mut lines, -1);
        }
        Pattern::Horizontal => {
            lines.extend((y0..=y1).step_by(5).map(|y| ((x0, y), (x1, y))));
        }
        Pattern::Vertical => {
            lines.extend((x0..=x1).step_by(5).map(|x| ((x, y0), (x, y1))));
        }
        Pattern::Solid => {}
    }
    for (p, q) in lines {
        area.draw(&PathElement::new(vec![p, q], style))?;
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colour.stroke_width(1),
    ))?;
    Ok(())
}

/// What a legend entry shows before its label.
#[derive(Debug, Clone, Copy)]
pub enum Glyph {
    Line(RGBColor),
    Dashed(RGBColor),
    Marker(Shape, RGBColor),
    Fill(RGBColor, Pattern),
}

/// Lays `items` out left to right from `origin`, wrapping at `right`; returns the y below.
pub fn legend(
    area: &Area<'_>,
    items: &[(Glyph, String)],
    origin: (i32, i32),
    right: i32,
) -> Result<i32, Box<dyn std::error::Error>> {
    let size = 15;
    let style = anchored(size, &INK, HPos::Left, VPos::Center);
    let (mut x, mut y) = origin;
    let row = 24;
    for (glyph, label) in items {
        let (tw, _) = area.estimate_text_size(label, &style)?;
        let w = 30 + tw as i32 + 22;
        if x + w > right && x > origin.0 {
            x = origin.0;
            y += row;
        }
        let cy = y + row / 2;
        match glyph {
            Glyph::Line(c) => area.draw(&PathElement::new(
                vec![(x, cy), (x + 24, cy)],
                c.stroke_width(3),
            ))?,
            Glyph::Dashed(c) => {
                for s in [0, 10, 20] {
                    area.draw(&PathElement::new(
                        vec![(x + s, cy), (x + s + 5, cy)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Glyph::Marker(shape, c) => marker(area, (x + 12, cy), *shape, c, 6)?,
            Glyph::Fill(c, p) => patterned_rect(area, (x, cy - 8), (x + 24, cy + 8), c, *p)?,
        }
        area.draw_text(label, &style, (x + 30, cy))?;
        x += w;
    }
    Ok(y + row)
}

/// A chart title, left-aligned at the top.
pub fn title(area: &Area<'_>, t: &str, sub: &str) -> DrawResult {
    area.draw_text(t, &anchored(22, &INK, HPos::Left, VPos::Top), (16, 10))?;
    if !sub.is_empty() {
        area.draw_text(sub, &anchored(14, &MUTED, HPos::Left, VPos::Top), (16, 38))?;
    }
    Ok(())
}

/// A message in the middle of an empty chart.
pub fn empty_note(area: &Area<'_>, msg: &str) -> DrawResult {
    let (w, h) = area.dim_in_pixel();
    area.draw_text(
        msg,
        &anchored(18, &MUTED, HPos::Center, VPos::Center),
        (w as i32 / 2, h as i32 / 2),
    )?;
    Ok(())
}
