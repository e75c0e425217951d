//! The components a status page shows, incidents affect and recovery objectives are set for,
//! defined once (`COMPONENTS_FILE`, YAML): systems, each with its components; each component
//! has a public name in English and Brazilian Portuguese, whether customers see it, its RTO
//! and RPO, and an optional health check.
//!
//! ```yaml
//! systems:
//!   - id: julia
//!     name: Julia
//!     components:
//!       - id: julia-whatsapp
//!         name: { en: WhatsApp messaging, pt-BR: Mensagens no WhatsApp }
//!         customer_facing: true
//!         rto: 30m
//!         check: julia                 # Julia's /health/deep
//!       - id: julia-api
//!         name: { en: API, pt-BR: API }
//!         rto: 5m
//!         check: http https://api.example.com/health
//! ```

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;

/// A public name in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub en: String,
    pub pt_br: String,
}

impl Names {
    pub fn get(&self, locale: messages::Locale) -> &str {
        match locale {
            messages::Locale::En => &self.en,
            messages::Locale::PtBr => &self.pt_br,
        }
    }
}

/// How a component's health is checked (status page auto-degrade, stability watch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthCheck {
    /// Julia's `/health/deep` (the Julia health watcher's check).
    JuliaDeep,
    /// A GET that must answer 2xx.
    Http { url: String },
    /// A check of the `/ops` runbook catalog: `ops <system>/<action>` (an `http.check` action,
    /// or the system's guard when the action is `guard`).
    Runbook { system: String, action: String },
}

#[derive(Debug, Clone)]
pub struct Component {
    /// The name typed in commands (`julia-api`): lowercase letters, digits and `-`.
    pub id: String,
    /// The id of its system.
    pub system: String,
    pub name: Names,
    /// Customers see it (a WhatsApp notice to customers is offered for these).
    pub customer_facing: bool,
    /// Recovery time objective.
    pub rto: Option<Duration>,
    /// Recovery point objective.
    pub rpo: Option<Duration>,
    pub check: Option<HealthCheck>,
    /// A failing check marks it degraded on the status page by itself (off by default: a
    /// public statement is a human decision unless the team opts in).
    pub auto_degrade: bool,
}

#[derive(Debug, Clone)]
pub struct System {
    pub id: String,
    pub name: Names,
    pub components: Vec<Component>,
}

/// The configured components (empty when `COMPONENTS_FILE` is unset).
#[derive(Debug, Clone, Default)]
pub struct Components {
    pub path: Option<String>,
    pub systems: Vec<System>,
    index: HashMap<String, (usize, usize)>,
}

impl Components {
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The component named `id` (case-insensitive).
    pub fn get(&self, id: &str) -> Option<&Component> {
        let (s, c) = self.index.get(&id.trim().to_ascii_lowercase())?;
        Some(&self.systems[*s].components[*c])
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.id == id)
    }

    /// Every component, system by system, in file order.
    pub fn all(&self) -> impl Iterator<Item = &Component> {
        self.systems.iter().flat_map(|s| s.components.iter())
    }

    /// Every component id, in file order (for "valid names are …").
    pub fn ids(&self) -> Vec<&str> {
        self.all().map(|c| c.id.as_str()).collect()
    }

    /// Reads and checks the file; every problem names the file (and the line when known).
    pub fn load(path: &str) -> Result<Components, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        Components::parse(path, &text)
    }

    /// Checks a components file's text (`path` is only named in problems).
    pub fn parse(path: &str, text: &str) -> Result<Components, String> {
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(0);
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("not valid YAML").to_string();
            format!("{path} line {line}: {first}")
        })?;
        let mut problems = Vec::new();
        let mut out = Components {
            path: Some(path.to_string()),
            ..Components::default()
        };
        for (si, s) in raw.systems.into_iter().enumerate() {
            let sys_id = s.id.trim().to_ascii_lowercase();
            if !valid_id(&sys_id) {
                problems.push(format!(
                    "system `{}`: an id is lowercase letters, digits and `-`",
                    s.id
                ));
            }
            let mut system = System {
                id: sys_id.clone(),
                name: s.name.map(RawNames::into_names).unwrap_or_else(|| Names {
                    en: sys_id.clone(),
                    pt_br: sys_id.clone(),
                }),
                components: Vec::new(),
            };
            for (ci, c) in s.components.into_iter().enumerate() {
                match component(&sys_id, c) {
                    Ok(c) => {
                        if out.index.contains_key(&c.id) {
                            problems.push(format!("component `{}` is defined twice", c.id));
                        }
                        out.index.insert(c.id.clone(), (si, ci));
                        system.components.push(c);
                    }
                    Err(p) => problems.push(p),
                }
            }
            out.systems.push(system);
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(format!("{path}: {}", problems.join("; ")))
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn component(system: &str, c: RawComponent) -> Result<Component, String> {
    let id = c.id.trim().to_ascii_lowercase();
    let what = format!("component `{}`", c.id);
    if !valid_id(&id) {
        return Err(format!(
            "{what}: an id is lowercase letters, digits and `-` (at most 40)"
        ));
    }
    let name = c.name.map(RawNames::into_names).unwrap_or_else(|| Names {
        en: id.clone(),
        pt_br: id.clone(),
    });
    if name.en.trim().is_empty() || name.pt_br.trim().is_empty() {
        return Err(format!("{what}: its name is empty"));
    }
    let dur = |field: &str, v: Option<String>| -> Result<Option<Duration>, String> {
        v.map(|v| {
            humantime::parse_duration(v.trim())
                .map_err(|_| format!("{what}: {field} `{v}` is not a duration (like 5m, 1h)"))
        })
        .transpose()
    };
    let check = c
        .check
        .map(|v| parse_check(&v).map_err(|e| format!("{what}: {e}")))
        .transpose()?;
    if c.auto_degrade && check.is_none() {
        return Err(format!("{what}: auto_degrade needs a check"));
    }
    Ok(Component {
        id,
        system: system.to_string(),
        name,
        customer_facing: c.customer_facing,
        rto: dur("rto", c.rto)?,
        rpo: dur("rpo", c.rpo)?,
        check,
        auto_degrade: c.auto_degrade,
    })
}

/// `julia`, `http <url>`, `ops <system>/<action>`.
pub fn parse_check(v: &str) -> Result<HealthCheck, String> {
    let v = v.trim();
    let (kind, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
    let rest = rest.trim();
    match kind {
        "julia" if rest.is_empty() => Ok(HealthCheck::JuliaDeep),
        "http" if rest.starts_with("http://") || rest.starts_with("https://") => {
            Ok(HealthCheck::Http {
                url: rest.to_string(),
            })
        }
        "ops" => match rest.split_once('/') {
            Some((s, a)) if !s.is_empty() && !a.is_empty() => Ok(HealthCheck::Runbook {
                system: s.to_string(),
                action: a.to_string(),
            }),
            _ => Err(format!("check `{v}`: use `ops <system>/<action>`")),
        },
        _ => Err(format!(
            "check `{v}` is not one of `julia`, `http <url>`, `ops <system>/<action>`"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    systems: Vec<RawSystem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSystem {
    id: String,
    name: Option<RawNames>,
    #[serde(default)]
    components: Vec<RawComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    id: String,
    name: Option<RawNames>,
    #[serde(default)]
    customer_facing: bool,
    rto: Option<String>,
    rpo: Option<String>,
    check: Option<String>,
    #[serde(default)]
    auto_degrade: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawNames {
    One(String),
    Both {
        en: String,
        #[serde(rename = "pt-BR")]
        pt_br: String,
    },
}

impl RawNames {
    fn into_names(self) -> Names {
        match self {
            RawNames::One(s) => Names {
                en: s.clone(),
                pt_br: s,
            },
            RawNames::Both { en, pt_br } => Names { en, pt_br },
        }
    }
}
