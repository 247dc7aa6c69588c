//! The provision log as a file the resident keeps or hands to the operator: JSON (every field)
//! and CSV (one line per provision, for a spreadsheet).

use super::entry::Provision;

/// The entries as pretty JSON.
pub fn to_json(entries: &[Provision]) -> String {
    // Serialising string-keyed plain data cannot fail.
    serde_json::to_string_pretty(entries).unwrap_or_default()
}

/// The entries as CSV with a header line; times in RFC 3339 at the device's offset then.
pub fn to_csv(entries: &[Provision]) -> String {
    let mut out = String::from(
        "at,recipient,recipient_name,purpose,channel,form,categories,details,item_count,directive_ids,actor,keep_until\n",
    );
    for e in entries {
        let cats: Vec<&str> = e.categories.iter().map(|c| c.as_str()).collect();
        let details: Vec<&str> = e.details.iter().map(|d| d.as_str()).collect();
        let fields = [
            e.at.to_rfc3339(),
            e.recipient.clone(),
            e.recipient_name.clone(),
            e.purpose.clone(),
            e.channel.as_str().to_owned(),
            e.form.as_str().to_owned(),
            cats.join(" "),
            details.join(" "),
            e.item_count.to_string(),
            e.directive_ids.join(" "),
            e.actor.clone(),
            e.keep_until.to_rfc3339(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quoted(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn quoted(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_owned()
    }
}
