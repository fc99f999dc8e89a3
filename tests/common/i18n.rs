//! What the language must not change: the shape of a `--json` report.

use std::collections::BTreeSet;

use serde_json::Value;

/// Every key path in a JSON value (`stages[].data.runs[].config.writes`…),
/// into `out`: two reports with the same paths have the same keys.
pub fn key_paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}.{k}");
                out.insert(p.clone());
                key_paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                key_paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}
