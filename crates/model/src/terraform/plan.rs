//! The `terraform show -json` plan document (format version 1.x), read into
//! the parts netpath needs: each resource change with its `before`,
//! `after` and `after_unknown` values, and each resource's configuration
//! expressions (whose `references` resolve values known only after apply).
//!
//! Source: <https://developer.hashicorp.com/terraform/internals/json-format>
//! ("Plan Representation", "Change Representation", "Configuration
//! Representation"). OpenTofu's `tofu show -json` writes the same format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a plan file cannot be read. Every message names the file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A binary plan (`terraform plan -out`) was given instead of its JSON.
    #[error("{path}: this is a binary plan file; convert it with `terraform show -json {path} > plan.json` and pass plan.json")]
    Binary {
        /// The file.
        path: PathBuf,
    },
    /// Not JSON, or not shaped like a plan.
    #[error("{path}: not a `terraform show -json` plan: {message}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column for malformed JSON.
        message: String,
    },
    /// A format version other than 1.x.
    #[error("{path}: plan format version {version} is not supported (netpath reads 0.x and 1.x, written by Terraform 0.12 and later and by OpenTofu)")]
    Version {
        /// The file.
        path: PathBuf,
        /// The `format_version` found.
        version: String,
    },
}

/// One entry of `resource_changes`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourceChange {
    /// The full address, e.g. `module.db.aws_security_group_rule.from_app[0]`.
    pub address: String,
    /// The module's address, e.g. `module.db`; absent in the root module.
    #[serde(default)]
    pub module_address: Option<String>,
    /// `managed` (a resource) or `data` (a data source).
    #[serde(default)]
    pub mode: String,
    /// The resource type, e.g. `aws_security_group_rule`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The resource name, e.g. `from_app`.
    #[serde(default)]
    pub name: String,
    /// The planned change.
    pub change: Change,
}

/// A change's actions and values.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    /// `["no-op"]`, `["create"]`, `["read"]`, `["update"]`, `["delete"]`,
    /// `["delete","create"]` or `["create","delete"]` (replace).
    pub actions: Vec<String>,
    /// The value before (prior state); `null` for a create.
    #[serde(default)]
    pub before: Value,
    /// The value after, without the parts known only after apply; `null`
    /// for a delete.
    #[serde(default)]
    pub after: Value,
    /// The same shape as `after`, with `true` where a value is known only
    /// after apply.
    #[serde(default)]
    pub after_unknown: Value,
}

impl Change {
    /// True when the change does nothing (`no-op` or `read`).
    pub fn is_noop(&self) -> bool {
        self.actions.iter().all(|a| a == "no-op" || a == "read")
    }
    /// True for a destroy without a create.
    pub fn is_delete(&self) -> bool {
        self.actions == ["delete"]
    }
    /// True for a create without a destroy.
    pub fn is_create(&self) -> bool {
        self.actions == ["create"]
    }
    /// True for a replace, in either order.
    pub fn is_replace(&self) -> bool {
        self.actions.len() == 2
            && self.actions.iter().any(|a| a == "create")
            && self.actions.iter().any(|a| a == "delete")
    }
    /// The actions joined for people, e.g. `update` or `delete, create`.
    pub fn actions_text(&self) -> String {
        self.actions.join(", ")
    }
}

#[derive(Deserialize)]
struct RawPlan {
    format_version: Option<String>,
    terraform_version: Option<String>,
    resource_changes: Option<Vec<ResourceChange>>,
    #[serde(default)]
    configuration: Value,
}

/// A parsed plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    /// `format_version`, e.g. `1.2`.
    pub format_version: String,
    /// The Terraform (or OpenTofu) version that wrote it.
    pub terraform_version: Option<String>,
    /// Every resource change, in the file's order.
    pub resource_changes: Vec<ResourceChange>,
    /// Configuration expressions by resource address without instance keys
    /// (`module.db.aws_security_group.x`): attribute name to expression.
    expressions: HashMap<String, Map<String, Value>>,
}

impl Plan {
    /// Reads and parses a plan file.
    ///
    /// Errors: [`PlanError::Io`], [`PlanError::Binary`] (a `-out` file),
    /// [`PlanError::Shape`], [`PlanError::Version`].
    pub fn read(path: &Path) -> Result<Plan, PlanError> {
        let bytes = std::fs::read(path).map_err(|source| PlanError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Plan::parse(&bytes, path)
    }

    /// Parses a plan document's bytes; `path` is used in messages only.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Plan, PlanError> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Err(PlanError::Binary {
                path: path.to_path_buf(),
            });
        }
        let shape = |message: String| PlanError::Shape {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawPlan = serde_json::from_slice(bytes)
            .map_err(|e| shape(format!("line {} column {}: {e}", e.line(), e.column())))?;
        let Some(version) = raw.format_version else {
            return Err(shape(
                "it has no `format_version`; make it with `terraform show -json PLANFILE`".into(),
            ));
        };
        // 0.x (Terraform 0.12 to 0.15) and 1.x are the same shape: 1.0
        // declared it stable without changing it.
        if !matches!(version.split('.').next(), Some("0" | "1")) {
            return Err(PlanError::Version {
                path: path.to_path_buf(),
                version,
            });
        }
        let Some(resource_changes) = raw.resource_changes else {
            if raw.configuration.is_null() {
                return Err(shape(
                    "it has no `resource_changes`: this looks like a state (`terraform show -json` without a plan file), not a plan".into(),
                ));
            }
            return Ok(Plan {
                path: path.to_path_buf(),
                format_version: version,
                terraform_version: raw.terraform_version,
                resource_changes: Vec::new(),
                expressions: expressions(&raw.configuration),
            });
        };
        Ok(Plan {
            path: path.to_path_buf(),
            format_version: version,
            terraform_version: raw.terraform_version,
            resource_changes,
            expressions: expressions(&raw.configuration),
        })
    }

    /// The configuration expression of `attribute` of the resource at
    /// `address` (instance keys are ignored), if the configuration sets it.
    pub fn expression(&self, address: &str, attribute: &str) -> Option<&Value> {
        self.expressions
            .get(&config_address(address))
            .and_then(|m| m.get(attribute))
    }

    /// True when the plan holds the configuration of `address`.
    pub fn has_configuration(&self, address: &str) -> bool {
        self.expressions.contains_key(&config_address(address))
    }

    /// True when the configuration of `address` sets `attribute` (e.g. a
    /// group's inline `ingress`).
    pub fn configures(&self, address: &str, attribute: &str) -> bool {
        self.expression(address, attribute).is_some()
    }

    /// The resource addresses an attribute's expression refers to, most
    /// specific first and without duplicates (`aws_security_group.db.id`
    /// and `aws_security_group.db` give `aws_security_group.db`), each
    /// prefixed with the referring resource's module; and whether the
    /// expression refers to anything else too (variables, locals, `count`,
    /// `each`, module outputs, data sources), which makes it more than a
    /// plain list of those resources.
    pub fn references(&self, address: &str, attribute: &str) -> (Vec<String>, bool) {
        let module = module_prefix(address);
        let mut out: Vec<String> = Vec::new();
        let mut other = false;
        let mut refs: Vec<&str> = Vec::new();
        if let Some(e) = self.expression(address, attribute) {
            collect_references(e, &mut refs);
        }
        for r in refs {
            let first = r.split('.').next().unwrap_or("");
            if matches!(
                first,
                "var"
                    | "local"
                    | "count"
                    | "each"
                    | "module"
                    | "data"
                    | "path"
                    | "terraform"
                    | "self"
            ) || !first.contains('_')
            {
                other = true;
                continue;
            }
            // type.name[key]?(.attr)*: keep type.name[key]?
            let mut parts = r.splitn(3, '.');
            let (Some(t), Some(n)) = (parts.next(), parts.next()) else {
                other = true;
                continue;
            };
            let addr = format!("{module}{t}.{n}");
            // `x.y[0]` and `x.y` both appear: keep the one with the key.
            if out
                .iter()
                .any(|o| *o == addr || o.starts_with(&format!("{addr}[")))
            {
                continue;
            }
            let bare = addr.split('[').next().unwrap_or(&addr).to_string();
            out.retain(|o| *o != bare);
            out.push(addr);
        }
        (out, other)
    }

    /// The resource change at `address`, if the plan has one.
    pub fn change(&self, address: &str) -> Option<&ResourceChange> {
        self.resource_changes.iter().find(|r| r.address == address)
    }

    /// The changes of resources at `address` with any instance key (for a
    /// reference `aws_security_group.x` to a resource with `count`).
    pub fn instances_of(&self, address: &str) -> Vec<&ResourceChange> {
        self.resource_changes
            .iter()
            .filter(|r| r.address == address || config_address(&r.address) == address)
            .collect()
    }
}

/// `module.a["k"].aws_x.y[0]` → `module.a.aws_x.y`: the configuration's
/// address of a resource instance.
pub fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// `module.a.aws_x.y` → `module.a.`; a root address gives ``.
fn module_prefix(address: &str) -> String {
    let parts: Vec<&str> = address.split('.').collect();
    let mut out = String::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        out.push_str("module.");
        out.push_str(parts[i + 1]);
        out.push('.');
        i += 2;
    }
    out
}

fn collect_references<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(refs)) = m.get("references") {
                out.extend(refs.iter().filter_map(Value::as_str));
            }
            for (k, x) in m {
                if k != "references" && k != "constant_value" {
                    collect_references(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_references(x, out)),
        _ => {}
    }
}

/// Every resource's expressions, by configuration address, walking
/// `root_module` and nested `module_calls`.
fn expressions(configuration: &Value) -> HashMap<String, Map<String, Value>> {
    fn walk(module: &Value, prefix: &str, out: &mut HashMap<String, Map<String, Value>>) {
        if let Some(Value::Array(rs)) = module.get("resources") {
            for r in rs {
                let (Some(addr), Some(Value::Object(e))) = (
                    r.get("address").and_then(Value::as_str),
                    r.get("expressions"),
                ) else {
                    continue;
                };
                out.insert(format!("{prefix}{addr}"), e.clone());
            }
        }
        if let Some(Value::Object(calls)) = module.get("module_calls") {
            for (name, call) in calls {
                if let Some(m) = call.get("module") {
                    walk(m, &format!("{prefix}module.{name}."), out);
                }
            }
        }
    }
    let mut out = HashMap::new();
    if let Some(root) = configuration.get("root_module") {
        walk(root, "", &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_addresses_drop_instance_keys() {
        assert_eq!(config_address("aws_route.nat[0]"), "aws_route.nat");
        assert_eq!(
            config_address("module.db[\"a.b\"].aws_security_group.x[\"k\"]"),
            "module.db.aws_security_group.x"
        );
        assert_eq!(
            module_prefix("module.a.module.b.aws_x.y"),
            "module.a.module.b."
        );
        assert_eq!(module_prefix("aws_x.y"), "");
    }

    #[test]
    fn references_keep_resources_whose_names_share_a_prefix() {
        let doc = br#"{"format_version":"1.2","resource_changes":[],"configuration":{"root_module":{"resources":[
            {"address":"aws_instance.app","expressions":{"vpc_security_group_ids":{"references":[
              "var.blue","aws_security_group.app_v2[0].id","aws_security_group.app_v2[0]","aws_security_group.app_v2",
              "aws_security_group.app.id","aws_security_group.app"]}}}]}}}"#;
        let p = Plan::parse(doc, Path::new("p")).unwrap();
        let (refs, other) = p.references("aws_instance.app", "vpc_security_group_ids");
        assert_eq!(
            refs,
            ["aws_security_group.app_v2[0]", "aws_security_group.app"]
        );
        assert!(other);
    }

    #[test]
    fn binary_plans_and_states_are_refused_with_the_fix() {
        let p = Path::new("tfplan");
        let e = Plan::parse(b"PK\x03\x04rest", p).unwrap_err().to_string();
        assert!(e.contains("terraform show -json"), "{e}");
        let e = Plan::parse(br#"{"format_version":"1.0","values":{}}"#, p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("looks like a state"), "{e}");
        let e = Plan::parse(br#"{"format_version":"2.0","resource_changes":[]}"#, p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 2.0"), "{e}");
    }
}
