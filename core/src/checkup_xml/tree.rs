//! A small, bounded element tree read from the document with quick-xml's pull parser.
//!
//! The checkup file is at most a few hundred kilobytes, so the importer reads it into a tree
//! first and then walks the tree by element name: that keeps the mapping code readable and
//! lets every refusal name the element path. Reading refuses, before anything grows without
//! bound: a DOCTYPE (so no entity can be declared, let alone expanded), entity references other
//! than the five predefined ones and character references, elements outside the HL7 v3
//! namespace, more than [`MAX_DEPTH`] levels or [`MAX_ELEMENTS`] elements, and any text or
//! attribute longer than [`MAX_TEXT`]. Errors from the parser are reported by kind only, never
//! with its message (which may quote the document).

use super::path::Path;
use crate::error::{Error, Result};
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;

/// The HL7 v3 namespace every CDA element lives in.
pub const HL7_V3: &str = "urn:hl7-org:v3";
/// The XML Schema instance namespace (`xsi:type`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

pub const MAX_DEPTH: usize = 48;
pub const MAX_ELEMENTS: usize = 200_000;
pub const MAX_TEXT: usize = 64 * 1024;
const MAX_ATTRIBUTES: usize = 32;
const MAX_NAMESPACE_BINDINGS: usize = 32;

/// One element: its local name, attributes (by local name; `xsi:type` under `xsi:type`), its
/// text (direct text children, concatenated) and its child elements in order.
#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child with this name, or an error naming the missing element.
    pub fn require(&self, path: &Path, name: &str) -> Result<&Element> {
        self.child(name)
            .ok_or_else(|| Error::invalid(path.child(name).to_string(), "is required"))
    }

    /// The text, trimmed of XML and ideographic spaces; `None` when empty.
    pub fn trimmed_text(&self) -> Option<&str> {
        Some(self.text.trim_matches(|c: char| c.is_whitespace())).filter(|t| !t.is_empty())
    }
}

/// Read `xml` (UTF-8, BOM allowed) into its root element.
pub fn read(xml: &str) -> Result<Element> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = NsReader::from_str(xml);
    reader
        .resolver_mut()
        .set_max_namespace_bindings(MAX_NAMESPACE_BINDINGS);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| parser_error(&stack, &e))?;
        match event {
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|_| Error::invalid("xml declaration", "is malformed"))?;
                    if !enc.eq_ignore_ascii_case("utf-8") {
                        return Err(Error::invalid("xml declaration", "encoding must be UTF-8"));
                    }
                }
            }
            Event::DocType(_) => {
                return Err(Error::invalid(
                    "DOCTYPE",
                    "document type declarations (and their entities) are not allowed",
                ));
            }
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(Error::invalid(
                    "document",
                    "must have exactly one root element",
                ));
            }
            Event::Start(s) => {
                elements += 1;
                let el = open(&reader, &s, &stack, elements)?;
                stack.push(el);
                if stack.len() > MAX_DEPTH {
                    return Err(Error::invalid(
                        path_of(&stack),
                        format!("nests deeper than {MAX_DEPTH} levels"),
                    ));
                }
            }
            Event::Empty(s) => {
                elements += 1;
                let el = open(&reader, &s, &stack, elements)?;
                close(el, &mut stack, &mut root);
            }
            Event::End(_) => {
                // quick-xml checks that the end name matches the open element.
                let el = stack
                    .pop()
                    .ok_or_else(|| Error::invalid("document", "has an unmatched end tag"))?;
                close(el, &mut stack, &mut root);
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                push_text(&mut stack, &content, root.is_some())?;
            }
            Event::CData(t) => {
                let content = t.xml10_content();
                push_text(&mut stack, &content, root.is_some())?;
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r.into_inner() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => {
                            return Err(Error::invalid(
                                path_of(&stack),
                                "uses an undeclared entity (entities are not allowed)",
                            ));
                        }
                    },
                    Err(_) => {
                        return Err(Error::invalid(
                            path_of(&stack),
                            "has an invalid character reference",
                        ));
                    }
                };
                push_text(&mut stack, ch.encode_utf8(&mut [0; 4]), root.is_some())?;
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(Error::invalid(path_of(&stack), "is not closed (truncated)"));
    }
    root.ok_or_else(|| Error::invalid("ClinicalDocument", "is required (no root element)"))
}

fn open(
    reader: &NsReader<&[u8]>,
    s: &BytesStart<'_>,
    stack: &[Element],
    count: usize,
) -> Result<Element> {
    let (ns, local) = reader.resolver().resolve_element(s.name());
    let name = local.as_ref().to_owned();
    let here = || match stack.last() {
        Some(parent) => format!("{}/{}", path_of(stack), segment(Some(parent), &name)),
        None => name.clone(),
    };
    if count > MAX_ELEMENTS {
        return Err(Error::invalid(
            "document",
            format!("has more than {MAX_ELEMENTS} elements"),
        ));
    }
    if ns != ResolveResult::Bound(Namespace(HL7_V3)) {
        return Err(Error::invalid(
            here(),
            "must be in the HL7 v3 namespace urn:hl7-org:v3",
        ));
    }
    let mut attributes = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|_| Error::invalid(here(), "has a malformed or repeated attribute"))?;
        if attributes.len() >= MAX_ATTRIBUTES {
            return Err(Error::invalid(here(), "has too many attributes"));
        }
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let (ans, alocal) = reader.resolver().resolve_attribute(a.key);
        let alocal = alocal.as_ref().to_owned();
        let key = match ans {
            ResolveResult::Unbound => alocal,
            ResolveResult::Bound(Namespace(XSI)) => format!("xsi:{alocal}"),
            // Attributes of other namespaces (schemaLocation aside) carry nothing we read.
            ResolveResult::Bound(_) => continue,
            ResolveResult::Unknown(_) => {
                return Err(Error::invalid(
                    format!("{}@{alocal}", here()),
                    "uses an undeclared namespace prefix",
                ));
            }
        };
        let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|_| {
            Error::invalid(
                format!("{}@{key}", here()),
                "has an invalid entity or character reference",
            )
        })?;
        if value.len() > MAX_TEXT {
            return Err(Error::invalid(format!("{}@{key}", here()), "is too long"));
        }
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        text: String::new(),
        children: Vec::new(),
    })
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], content: &str, after_root: bool) -> Result<()> {
    // Indentation between child elements (and before the first text) carries nothing and
    // would otherwise add up in elements with many children.
    if content.trim().is_empty()
        && stack
            .last()
            .is_some_and(|el| el.text.is_empty() || !el.children.is_empty())
    {
        return Ok(());
    }
    // The path is built only for an error: building it walks the siblings of every level.
    let too_long = stack
        .last()
        .is_some_and(|el| el.text.len() + content.len() > MAX_TEXT);
    if too_long {
        return Err(Error::invalid(path_of(stack), "has too much text"));
    }
    match stack.last_mut() {
        Some(el) => {
            el.text.push_str(content);
            Ok(())
        }
        None if content.trim().is_empty() => Ok(()),
        None if after_root => Err(Error::invalid(
            "document",
            "has text after the root element",
        )),
        None => Err(Error::invalid(
            "document",
            "has text before the root element",
        )),
    }
}

/// The path of the innermost open element, with the same positions [`Path`] gives.
fn path_of(stack: &[Element]) -> String {
    if stack.is_empty() {
        return "document".into();
    }
    let mut out = String::new();
    for (i, el) in stack.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        let parent = i.checked_sub(1).map(|p| &stack[p]);
        out.push_str(&segment(parent, &el.name));
    }
    out
}

/// `name`, or `name[n]` for elements that repeat (entries, body components, ids, …): the
/// element is the next child of `parent`, which holds its earlier siblings.
fn segment(parent: Option<&Element>, name: &str) -> String {
    let Some(parent) = parent else {
        return name.to_owned();
    };
    let repeats = matches!(
        name,
        "entry" | "entryRelationship" | "referenceRange" | "id"
    ) || (name == "component" && parent.name == "structuredBody");
    if !repeats {
        return name.to_owned();
    }
    let n = parent.children.iter().filter(|c| c.name == name).count() + 1;
    format!("{name}[{n}]")
}

/// Map a parser error to a reason without the parser's message (it may quote the document).
fn parser_error(stack: &[Element], e: &quick_xml::Error) -> Error {
    use quick_xml::Error as Q;
    let reason = match e {
        Q::Syntax(_) => "is not well-formed XML (syntax error)",
        Q::IllFormed(_) => "is not well-formed XML (mismatched, unclosed or unexpected tag)",
        Q::InvalidAttr(_) => "has a malformed or repeated attribute",
        Q::Encoding(_) => "is not valid UTF-8",
        Q::Escape(_) => "has an invalid entity or character reference",
        Q::Namespace(_) => "has an invalid or excessive namespace declaration",
        Q::Io(_) => "could not be read",
    };
    Error::invalid(path_of(stack), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = r#"xmlns="urn:hl7-org:v3""#;

    #[test]
    fn reads_text_attributes_and_references() {
        let xml = format!(r#"<a {NS} x="1&amp;2"><b>t&lt;&#x41;<![CDATA[<c>]]></b></a>"#);
        let root = read(&xml).unwrap();
        assert_eq!(root.attr("x"), Some("1&2"));
        assert_eq!(root.child("b").unwrap().text, "t<A<c>");
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let dt = format!(r#"<!DOCTYPE a [<!ENTITY e "x">]><a {NS}>&e;</a>"#);
        assert!(matches!(read(&dt), Err(Error::InvalidInput { field, .. }) if field == "DOCTYPE"));
        let ent = format!(r#"<a {NS}>&e;</a>"#);
        assert!(read(&ent).is_err());
    }

    #[test]
    fn refuses_foreign_namespace_deep_nesting_and_truncation() {
        assert!(read("<a/>").is_err());
        let deep = format!("<a {NS}>{}{}</a>", "<b>".repeat(100), "</b>".repeat(100));
        assert!(read(&deep).is_err());
        assert!(read(&format!("<a {NS}><b>")).is_err());
        assert!(read(&format!("<a {NS}/><a {NS}/>")).is_err());
    }
}
