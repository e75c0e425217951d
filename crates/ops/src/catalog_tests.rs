//! The catalog's checks: the shipped example loads; each mistake is named with its line.

use super::catalog::parse;
use super::kinds::Kind;
use super::spec::Check;

fn example() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../runbooks.example.yml");
    std::fs::read_to_string(p).expect("runbooks.example.yml")
}

#[test]
fn the_example_catalog_loads() {
    let c = parse("runbooks.example.yml", &example()).unwrap_or_else(|e| panic!("{e:?}"));
    let names: Vec<&str> = c.systems.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["kumon", "fabrica", "etp"]);
    let kumon = c.system("kumon").unwrap();
    let ks = kumon.action("kill-switch").unwrap();
    assert!(ks.writes && ks.privileged && ks.confirm);
    assert!(
        matches!(&ks.kind, Kind::RailwayVariableSet { variable, redeploy: true, .. } if variable == "DELIVERY_DISABLE")
    );
    let f = ks.follow_up.as_ref().unwrap();
    assert_eq!(f.within.as_secs(), 60);
    assert!(
        matches!(&f.check, Check::Http(h) if h.expect == vec![("/delivery_disabled".to_string(), serde_json::json!(true))])
    );
    // Aliases (`*etp`) give the same parameters.
    let etp = c.system("etp").unwrap();
    assert!(
        matches!(&etp.action("rollback").unwrap().kind, Kind::RailwayRollback(t) if t.service == "etp-express-api")
    );
    let scale = c
        .system("fabrica")
        .unwrap()
        .action("scale-workers")
        .unwrap();
    assert_eq!(scale.args[0].usage(), "<replicas: 0..10>");
    assert!(
        !c.system("fabrica")
            .unwrap()
            .action("status")
            .unwrap()
            .privileged
    );
    assert!(c.env_vars().contains(&"KUMON_BASE_URL".to_string()));
    assert!(c.env_vars().contains(&"ETP_RAILWAY_TOKEN".to_string()));
}

fn problems(yaml: &str) -> Vec<(u64, String)> {
    parse("rb.yml", yaml)
        .err()
        .unwrap_or_else(|| panic!("should not load:\n{yaml}"))
        .into_iter()
        .map(|p| (p.line, p.reason))
        .collect()
}

#[test]
fn every_mistake_is_named_with_its_line() {
    let yaml = "systems:
  - name: fabrica
    actions:
      - name: scale
        writes: true
        args:
          - {name: replicas, type: int, min: 0}
        kind: kubernetes.scael
        params: {namespace: n, deployment: d, replicas: '{{ replicas }}'}
      - name: call
        writes: true
        kind: http.call
        params: {url: 'http://x/{{ nope }}', body: '{\"n\": {{ count }}}'}
      - name: read
        kind: http.check
        writes: true
        params: {url: 'http://x/health'}
";
    let p = problems(yaml);
    assert!(
        p.iter()
            .any(|(l, r)| *l == 7 && r.contains("needs `min` and `max`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(l, r)| *l == 8 && r.contains("did you mean `kubernetes.scale`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(l, r)| *l == 13 && r.contains("`{{ count }}` is not an argument")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(l, r)| *l == 14 && r.contains("only reads; set `writes: false`")),
        "{p:?}"
    );
}

#[test]
fn yaml_and_shape_errors_have_lines_too() {
    let p = problems("systems:\n  - name: a\n    actions:\n      - name: x\n        kind: http.check\n        colour: red\n");
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 6, "{p:?}");
    assert!(p[0].1.contains("colour"), "{p:?}");
    let p = problems("systems:\n  - name: a\n    announce: '#ops'\n    actions: []\n");
    assert!(
        p.iter().any(|(l, r)| *l == 3 && r.contains("channel name")),
        "{p:?}"
    );
    assert!(p.iter().any(|(_, r)| r.contains("has no actions")), "{p:?}");
    let p = problems("systems:\n  - name: a\n    actions:\n      - name: x\n        kind: railway.restart\n        params: {project: p, service: s}\n");
    assert!(
        p.iter()
            .any(|(l, r)| *l == 6 && r.contains("needs `params.environment`")),
        "{p:?}"
    );
    let p = problems("systems: [\n");
    assert!(p[0].0 >= 1, "{p:?}");
}
