//! A small SVG badge: `status | <state>`, colored by the worst current state.

use chatops_core::components::ComponentState;
use messages::statuspage_page::{page_words, state_label};
use messages::Locale;

fn color(s: ComponentState) -> &'static str {
    match s {
        ComponentState::Operational => "#1f883d",
        ComponentState::UnderMaintenance => "#2f6fde",
        ComponentState::DegradedPerformance => "#bf8700",
        ComponentState::PartialOutage => "#e16f24",
        ComponentState::MajorOutage => "#cf222e",
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text width estimate for an 11-px sans-serif (about 6.5 px a character).
fn width(text: &str) -> usize {
    text.chars().count() * 13 / 2 + 12
}

pub fn svg(state: ComponentState, l: Locale) -> String {
    let label = page_words(l).badge_label;
    let value = state_label(state.as_str(), l).to_lowercase();
    let (lw, vw) = (width(label), width(&value));
    let total = lw + vw;
    let (label, value) = (xml_escape(label), xml_escape(&value));
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {value}"><title>{label}: {value}</title><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{vw}" height="20" fill="{c}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="{lx}" y="14">{label}</text><text x="{vx}" y="14">{value}</text></g></svg>"##,
        c = color(state),
        lx = lw / 2,
        vx = lw + vw / 2,
    )
}
