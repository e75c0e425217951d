//! The HTML pages, rendered with minijinja with HTML autoescape on every template: every
//! incident-controlled string (titles, updates, component names) reaches the page as text.

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    (
        "incident_card.html",
        include_str!("templates/incident_card.html"),
    ),
    ("index.html", include_str!("templates/index.html")),
    ("incident.html", include_str!("templates/incident.html")),
    ("history.html", include_str!("templates/history.html")),
    ("not_found.html", include_str!("templates/not_found.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        for (name, text) in TEMPLATES {
            env.add_template(name, text)
                .expect("built-in page template");
        }
        env
    })
}

/// `name` rendered with `ctx` (a built-in template: an error is a bug, shown as text).
pub fn render(name: &str, ctx: &impl Serialize) -> String {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, template = name, "status page template");
            format!("template {name}: {e}")
        })
}
