//! The statistics chart: incidents per week stacked by severity (top) and the median time to
//! resolve per week (bottom), drawn with `plotters` into an RGB buffer and encoded as PNG.
//! Text uses DejaVu Sans compiled into the binary (`assets/fonts`, ab_glyph): no system font.

use std::sync::Once;

use messages::stats::ChartLabels;
use plotters::prelude::*;
use plotters::style::FontStyle;

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 600;

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();
const FAMILY: &str = "sans-serif";

/// One week of the range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Week {
    pub start_ms: i64,
    /// Incidents declared that week, P0..P3.
    pub counts: [i64; 4],
    pub ttr_median_ms: Option<i64>,
}

/// P0..P3: red, orange, amber, blue-grey.
const COLORS: [RGBColor; 4] = [
    RGBColor(0xc6, 0x28, 0x28),
    RGBColor(0xef, 0x6c, 0x00),
    RGBColor(0xf9, 0xa8, 0x25),
    RGBColor(0x54, 0x6e, 0x7a),
];

fn month_day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%m-%d").to_string())
        .unwrap_or_default()
}

/// The PNG bytes of the chart.
pub fn render(weeks: &[Week], labels: &ChartLabels) -> Result<Vec<u8>, String> {
    REGISTER.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing::error!("the embedded chart font could not be read");
        }
    });
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut rgb, weeks, labels).map_err(|e| format!("chart: {e}"))?;
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| format!("png: {e}"))?;
        w.write_image_data(&rgb).map_err(|e| format!("png: {e}"))?;
    }
    Ok(out)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(rgb: &mut [u8], weeks: &[Week], labels: &ChartLabels) -> DrawResult {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(HEIGHT * 3 / 5);
    draw_counts(&top, weeks, labels)?;
    draw_ttr(&bottom, weeks, labels)?;
    root.present()?;
    Ok(())
}

/// The x axis: one slot per week, labelled with the week's first day.
fn axis(weeks: &[Week]) -> (usize, std::ops::Range<f64>) {
    let n = weeks.len().max(1);
    (n, -0.5f64..(n as f64 - 0.5))
}

fn week_label(weeks: &[Week], x: &f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    weeks
        .get(i as usize)
        .map(|w| month_day(w.start_ms))
        .unwrap_or_default()
}

fn draw_counts(top: &Area, weeks: &[Week], labels: &ChartLabels) -> DrawResult {
    let (n, x_range) = axis(weeks);
    let week_label = |x: &f64| week_label(weeks, x);
    // Incidents per week, stacked by severity.
    let max = weeks
        .iter()
        .map(|w| w.counts.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut c = ChartBuilder::on(top)
        .caption(&labels.incidents, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(x_range, 0f64..(max as f64 * 1.15).ceil())?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(14))
        .x_label_formatter(&week_label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FAMILY, 13))
        .draw()?;
    for (s, color) in COLORS.iter().enumerate() {
        let bars = weeks.iter().enumerate().filter_map(|(i, w)| {
            let below: i64 = w.counts[..s].iter().sum();
            let h = w.counts[s];
            (h > 0).then(|| {
                Rectangle::new(
                    [
                        (i as f64 - 0.35, below as f64),
                        (i as f64 + 0.35, (below + h) as f64),
                    ],
                    color.filled(),
                )
            })
        });
        c.draw_series(bars)?
            .label(format!("P{s}"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 13))
        .draw()?;
    Ok(())
}

fn draw_ttr(bottom: &Area, weeks: &[Week], labels: &ChartLabels) -> DrawResult {
    let (n, x_range) = axis(weeks);
    let week_label = |x: &f64| week_label(weeks, x);
    // Median time to resolve per week, in hours.
    let hours: Vec<Option<f64>> = weeks
        .iter()
        .map(|w| w.ttr_median_ms.map(|m| m as f64 / 3_600_000.0))
        .collect();
    let hmax = hours
        .iter()
        .flatten()
        .cloned()
        .fold(0.0f64, f64::max)
        .max(1.0);
    let mut c = ChartBuilder::on(bottom)
        .caption(&labels.ttr, (FAMILY, 18))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(44)
        .build_cartesian_2d(x_range, 0f64..hmax * 1.2)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(14))
        .x_label_formatter(&week_label)
        .y_desc(&labels.hours)
        .label_style((FAMILY, 13))
        .draw()?;
    let line_color = RGBColor(0x15, 0x65, 0xc0);
    let points: Vec<(f64, f64)> = hours
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.map(|h| (i as f64, h)))
        .collect();
    c.draw_series(LineSeries::new(points.clone(), line_color.stroke_width(2)))?;
    c.draw_series(
        points
            .iter()
            .map(|p| Circle::new(*p, 4, line_color.filled())),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_of_the_expected_size_with_no_system_font() {
        let weeks = vec![
            Week {
                start_ms: 1_700_000_000_000,
                counts: [1, 2, 0, 3],
                ttr_median_ms: Some(5_400_000),
            },
            Week {
                start_ms: 1_700_604_800_000,
                counts: [0, 0, 0, 0],
                ttr_median_ms: None,
            },
            Week {
                start_ms: 1_701_209_600_000,
                counts: [0, 1, 1, 0],
                ttr_median_ms: Some(1_800_000),
            },
        ];
        let png = render(
            &weeks,
            &messages::stats::chart_labels(21, messages::Locale::En),
        )
        .unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let d = png::Decoder::new(std::io::Cursor::new(png));
        let r = d.read_info().unwrap();
        assert_eq!((r.info().width, r.info().height), (WIDTH, HEIGHT));
    }
}
