//! A small validator of GraphQL operations against an introspection result
//! (`{"data":{"__schema":…}}`): fields exist on their parent type, argument names exist and
//! required ones are given, leaves have no selection set and objects have one.

use std::collections::HashMap;

use graphql_parser::query::{
    parse_query, Definition, OperationDefinition, Selection, SelectionSet,
};
use serde_json::Value;

pub struct Schema {
    types: HashMap<String, Value>,
    query: String,
    mutation: String,
}

/// The named type under NON_NULL/LIST wrappers, and whether the outer type is NON_NULL.
fn unwrap(t: &Value) -> (String, bool) {
    let non_null = t["kind"] == "NON_NULL";
    let mut t = t;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    (t["name"].as_str().unwrap_or("").to_string(), non_null)
}

impl Schema {
    /// Reads an introspection result; panics naming the file when it cannot be read or parsed.
    pub fn load(path: impl AsRef<std::path::Path>) -> Schema {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read the GraphQL schema {}: {e}", path.display()));
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the GraphQL schema {} is not JSON: {e}", path.display()));
        let s = &v["data"]["__schema"];
        let types = s["types"]
            .as_array()
            .unwrap_or_else(|| {
                panic!(
                    "{} is not an introspection result (no data.__schema.types)",
                    path.display()
                )
            })
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
            .collect();
        Schema {
            types,
            query: s["queryType"]["name"].as_str().unwrap_or("Query").into(),
            mutation: s["mutationType"]["name"]
                .as_str()
                .unwrap_or("Mutation")
                .into(),
        }
    }

    /// Every problem found in `op` (empty when valid).
    pub fn validate(&self, op: &str) -> Vec<String> {
        let doc = match parse_query::<String>(op) {
            Ok(d) => d,
            Err(e) => return vec![format!("parse error: {e}")],
        };
        let mut errors = Vec::new();
        for def in &doc.definitions {
            match def {
                Definition::Operation(OperationDefinition::Query(q)) => {
                    self.check_set(&self.query, &q.selection_set, &mut errors)
                }
                Definition::Operation(OperationDefinition::Mutation(m)) => {
                    self.check_set(&self.mutation, &m.selection_set, &mut errors)
                }
                Definition::Operation(OperationDefinition::SelectionSet(s)) => {
                    self.check_set(&self.query, s, &mut errors)
                }
                _ => errors.push("unsupported definition".into()),
            }
        }
        errors
    }

    fn check_set(&self, parent: &str, set: &SelectionSet<String>, errors: &mut Vec<String>) {
        let Some(t) = self.types.get(parent) else {
            errors.push(format!("unknown type {parent}"));
            return;
        };
        for sel in &set.items {
            let Selection::Field(f) = sel else {
                errors.push("fragments are not supported by this validator".into());
                continue;
            };
            if f.name == "__typename" {
                continue;
            }
            let Some(fd) = t["fields"]
                .as_array()
                .and_then(|fs| fs.iter().find(|x| x["name"] == f.name.as_str()))
            else {
                errors.push(format!("{parent}.{} does not exist", f.name));
                continue;
            };
            let args = fd["args"].as_array().cloned().unwrap_or_default();
            for (name, _) in &f.arguments {
                if !args.iter().any(|a| a["name"] == name.as_str()) {
                    errors.push(format!("{parent}.{}: unknown argument {name}", f.name));
                }
            }
            for a in &args {
                let (_, required) = unwrap(&a["type"]);
                if required
                    && a["defaultValue"].is_null()
                    && !f.arguments.iter().any(|(n, _)| a["name"] == n.as_str())
                {
                    errors.push(format!(
                        "{parent}.{}: missing required argument {}",
                        f.name, a["name"]
                    ));
                }
            }
            let (ty, _) = unwrap(&fd["type"]);
            let kind = self
                .types
                .get(&ty)
                .map(|t| t["kind"].as_str().unwrap_or("").to_string())
                .unwrap_or_default();
            let leaf = matches!(kind.as_str(), "SCALAR" | "ENUM");
            if leaf && !f.selection_set.items.is_empty() {
                errors.push(format!(
                    "{parent}.{} returns {ty} (a leaf) and must have no selection set",
                    f.name
                ));
            }
            if !leaf && f.selection_set.items.is_empty() {
                errors.push(format!(
                    "{parent}.{} returns {ty} (an object) and needs a selection set",
                    f.name
                ));
            }
            if !leaf && !f.selection_set.items.is_empty() {
                self.check_set(&ty, &f.selection_set, errors);
            }
        }
    }
}
