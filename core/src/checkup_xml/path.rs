//! Element paths for error messages: `ClinicalDocument/component/structuredBody/component[1]/…`.
//! Repeated elements carry their 1-based position among siblings of the same name.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    pub fn root(name: &str) -> Path {
        Path(name.to_owned())
    }

    /// A child element that occurs once.
    pub fn child(&self, name: &str) -> Path {
        Path(format!("{}/{name}", self.0))
    }

    /// The `position`-th (1-based) child element of this name.
    pub fn nth(&self, name: &str, position: usize) -> Path {
        Path(format!("{}/{name}[{position}]", self.0))
    }

    /// An attribute of this element: `…/value@unit`.
    pub fn attr(&self, name: &str) -> String {
        format!("{}@{name}", self.0)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_positions_and_attributes() {
        let p = Path::root("ClinicalDocument")
            .child("component")
            .nth("entry", 3)
            .child("value");
        assert_eq!(
            p.attr("value"),
            "ClinicalDocument/component/entry[3]/value@value"
        );
    }
}
