//! DOCX and ODT → text: paragraphs and headings in order, tables row by
//! row (cells separated by tabs), footnotes and endnotes gathered at the
//! end, and the core properties (title, creator, created/modified).
//! Headers, footers and comments are left out. Every part is inflated
//! under a size and ratio budget, so a zip bomb is refused, not unpacked.

use super::{Extracted, Found, Limits, ReadError};
use crate::ingest::parse_date;
use crate::model::SkipReason;
use quick_xml::events::{BytesStart, Event};
use std::io::{Cursor, Read};

/// Zip local-file-header magic.
pub fn sniff(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The OLE2 compound-file magic of legacy `.doc` files and of encrypted
/// Office documents.
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
}

/// Which flavour of office document.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Docx,
    Odt,
}

impl Kind {
    fn corrupt(self) -> SkipReason {
        match self {
            Kind::Docx => SkipReason::CorruptDocx,
            Kind::Odt => SkipReason::CorruptOdt,
        }
    }
}

struct Zip<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Bytes still allowed to be inflated from this file.
    budget: u64,
    limits: &'a Limits,
    kind: Kind,
}

impl Zip<'_> {
    /// Inflate one part, or `None` if the archive has no such part.
    fn part(&mut self, name: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let mut entry = match self.archive.by_name(name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err((self.kind.corrupt(), format!("{name}: {e}"))),
        };
        let compressed = entry.compressed_size().max(1);
        let bomb = |size: u64, limits: &Limits| {
            (
                SkipReason::ZipBomb,
                format!(
                    "{name} inflates to more than {} ({} compressed, ratio over {}:1); refused as a possible zip bomb; if the file is genuine, raise --max-unzipped-size (now {}) or --max-zip-ratio (now {})",
                    super::human(size),
                    super::human(compressed),
                    size / compressed,
                    super::human(limits.max_unzipped),
                    limits.max_zip_ratio
                ),
            )
        };
        // The sizes a zip declares may lie; the reader below enforces both.
        let ratio_cap = compressed
            .saturating_mul(self.limits.max_zip_ratio)
            .max(1 << 20);
        let cap = self.budget.min(ratio_cap);
        if entry.size() > cap {
            return Err(bomb(entry.size(), self.limits));
        }
        let mut out = Vec::with_capacity(entry.size().min(cap) as usize);
        (&mut entry)
            .take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|e| (self.kind.corrupt(), format!("{name}: cannot inflate: {e}")))?;
        if out.len() as u64 > cap {
            return Err(bomb(out.len() as u64, self.limits));
        }
        self.budget -= out.len() as u64;
        Ok(Some(out))
    }
}

pub fn read(bytes: &[u8], kind: Kind, limits: &Limits) -> Result<Extracted, ReadError> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| (kind.corrupt(), format!("not a readable zip container: {e}")))?;
    let mut zip = Zip {
        archive,
        budget: limits.max_unzipped,
        limits,
        kind,
    };
    let (main, props) = match kind {
        Kind::Docx => ("word/document.xml", "docProps/core.xml"),
        Kind::Odt => ("content.xml", "meta.xml"),
    };
    let body = zip.part(main)?.ok_or_else(|| {
        (
            kind.corrupt(),
            format!("the container has no {main}; is it really a {kind:?} file?").to_lowercase(),
        )
    })?;
    let mut w = Walker::default();
    match kind {
        Kind::Docx => {
            w.walk(&body, kind, main)?;
            for part in ["word/footnotes.xml", "word/endnotes.xml"] {
                if let Some(notes) = zip.part(part)? {
                    w.walk(&notes, kind, part)?;
                }
            }
        }
        Kind::Odt => w.walk(&body, kind, main)?,
    }
    let found = match zip.part(props)? {
        Some(xml) => properties(&xml),
        None => Found::default(),
    };
    let mut text = w.body.trim_end().to_string();
    if !w.notes.is_empty() {
        text.push_str("\n\nNotes\n\n");
        text.push_str(w.notes.join("\n\n").trim_end());
    }
    Ok(Extracted {
        text,
        found,
        ..Extracted::default()
    })
}

/// Collects text while walking WordprocessingML or OpenDocument XML.
#[derive(Default)]
struct Walker {
    body: String,
    notes: Vec<String>,
    /// Text of the footnote being read (DOCX footnotes part, ODT note body).
    note: Option<String>,
    /// Depth inside elements whose text is left out (field codes,
    /// deleted text, note citations, annotations, separator footnotes).
    ignore: u32,
    /// Inside a `w:t` / text container.
    in_text: bool,
    /// Table cell nesting depth.
    cell: u32,
    /// ODT paragraph nesting depth.
    depth: u32,
    /// Inside a DOCX run (`w:r`): a `w:tab` there is a tab character, not
    /// a tab-stop definition.
    run: bool,
}

impl Walker {
    fn out(&mut self) -> &mut String {
        match &mut self.note {
            Some(n) => n,
            None => &mut self.body,
        }
    }

    fn push(&mut self, s: &str) {
        if self.ignore == 0 {
            self.out().push_str(s);
        }
    }

    /// End a paragraph: a blank line, or a space inside a table cell.
    fn paragraph_end(&mut self) {
        if self.ignore > 0 {
            return;
        }
        let in_cell = self.cell > 0;
        let out = self.out();
        let trimmed = out.trim_end_matches([' ', '\t']).len();
        out.truncate(trimmed);
        if out.is_empty() || out.ends_with('\n') && !in_cell {
            if !out.ends_with("\n\n") && !out.is_empty() {
                out.push('\n');
            }
            return;
        }
        if in_cell {
            if !out.ends_with(['\t', '\n']) {
                out.push(' ');
            }
        } else {
            out.push_str("\n\n");
        }
    }

    fn walk(&mut self, xml: &[u8], kind: Kind, part: &str) -> Result<(), ReadError> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        reader.config_mut().trim_text(false);
        let mut buf = Vec::new();
        loop {
            let ev = reader.read_event_into(&mut buf).map_err(|e| {
                (
                    kind.corrupt(),
                    format!(
                        "{part}: malformed XML at byte {}: {e}",
                        reader.buffer_position()
                    ),
                )
            })?;
            match ev {
                Event::Eof => break,
                Event::Start(e) => self.start(&e, kind, false),
                Event::Empty(e) => self.start(&e, kind, true),
                Event::End(e) => self.end(e.name().as_ref(), kind),
                Event::Text(t) if self.in_text => {
                    let s = t
                        .decode()
                        .map_err(|e| (kind.corrupt(), format!("{part}: {e}")))?;
                    self.push(&s);
                }
                Event::GeneralRef(r) if self.in_text => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        self.push(c.encode_utf8(&mut [0; 4]));
                    } else if let Ok(name) = r.decode() {
                        if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                            self.push(s);
                        }
                    }
                }
                Event::CData(t) if self.in_text => {
                    self.push(&String::from_utf8_lossy(&t));
                }
                _ => {}
            }
            buf.clear();
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart, kind: Kind, empty: bool) {
        let name = e.name();
        let name = name.as_ref();
        match (kind, name) {
            (Kind::Docx, b"w:t") => self.in_text = !empty,
            (Kind::Docx, b"w:r") if !empty => self.run = true,
            (Kind::Docx, b"w:tab") if self.run => self.push("\t"),
            (Kind::Docx, b"w:br" | b"w:cr") => self.push("\n"),
            (Kind::Docx, b"w:noBreakHyphen") => self.push("-"),
            (Kind::Docx, b"w:tc") if !empty => self.cell += 1,
            (Kind::Docx, b"w:footnote" | b"w:endnote") if !empty => {
                let separator = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"w:type" && a.value.as_ref() != b"normal");
                if separator {
                    self.ignore += 1;
                } else {
                    self.note = Some(String::new());
                }
            }
            (Kind::Docx, b"w:del" | b"w:instrText" | b"w:delText") if !empty => self.ignore += 1,
            (Kind::Odt, b"text:p" | b"text:h") => {
                if empty {
                    self.paragraph_end();
                } else {
                    self.depth += 1;
                    self.in_text = true;
                }
            }
            (Kind::Odt, b"text:s") => {
                let n = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"text:c")
                    .and_then(|a| std::str::from_utf8(&a.value).ok()?.parse::<usize>().ok())
                    .unwrap_or(1)
                    .min(64);
                self.push(&" ".repeat(n));
            }
            (Kind::Odt, b"text:tab") => self.push("\t"),
            (Kind::Odt, b"text:line-break") => self.push("\n"),
            (Kind::Odt, b"table:table-cell") if !empty => self.cell += 1,
            (Kind::Odt, b"table:table-cell") => self.push("\t"),
            (Kind::Odt, b"text:note-body") if !empty => {
                self.note = Some(String::new());
            }
            (Kind::Odt, b"text:note-citation" | b"office:annotation" | b"text:tracked-changes")
                if !empty =>
            {
                self.ignore += 1
            }
            _ => {}
        }
    }

    fn end(&mut self, name: &[u8], kind: Kind) {
        match (kind, name) {
            (Kind::Docx, b"w:t") => self.in_text = false,
            (Kind::Docx, b"w:r") => self.run = false,
            (Kind::Docx, b"w:p") | (Kind::Odt, b"text:p" | b"text:h") => {
                if kind == Kind::Odt {
                    // Paragraphs nest in ODT (a note's paragraph inside
                    // the body's): text goes on until the outermost ends.
                    self.depth = self.depth.saturating_sub(1);
                    self.in_text = self.depth > 0;
                }
                self.paragraph_end()
            }
            (Kind::Docx, b"w:tc") | (Kind::Odt, b"table:table-cell") => {
                self.cell = self.cell.saturating_sub(1);
                let out = self.out();
                let t = out.trim_end_matches([' ', '\n']).len();
                out.truncate(t);
                self.push("\t");
            }
            (Kind::Docx, b"w:tr") | (Kind::Odt, b"table:table-row") => {
                let out = self.out();
                let t = out.trim_end_matches(['\t', ' ']).len();
                out.truncate(t);
                self.push("\n");
            }
            (Kind::Docx, b"w:tbl") | (Kind::Odt, b"table:table") => self.push("\n"),
            (Kind::Docx, b"w:footnote" | b"w:endnote") | (Kind::Odt, b"text:note-body") => {
                if self.ignore > 0 && kind == Kind::Docx && self.note.is_none() {
                    self.ignore -= 1;
                } else if let Some(n) = self.note.take() {
                    let n = n.trim().to_string();
                    if !n.is_empty() {
                        self.notes.push(n);
                    }
                }
            }
            (Kind::Docx, b"w:del" | b"w:instrText" | b"w:delText")
            | (Kind::Odt, b"text:note-citation" | b"office:annotation" | b"text:tracked-changes") => {
                self.ignore = self.ignore.saturating_sub(1)
            }
            (Kind::Odt, b"text:span" | b"text:a") => {}
            _ => {}
        }
    }
}

/// Title, creator and dates from `docProps/core.xml` or `meta.xml`.
fn properties(xml: &[u8]) -> Found {
    let mut found = Found::default();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut value = String::new();
    let (mut created, mut modified) = (None, None);
    loop {
        match reader.read_event_into(&mut buf) {
            Err(_) | Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                current = Some(e.name().as_ref().to_vec());
                value.clear();
            }
            Ok(Event::Text(t)) if current.is_some() => {
                if let Ok(s) = t.decode() {
                    value.push_str(&s);
                }
            }
            Ok(Event::GeneralRef(r)) if current.is_some() => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    value.push(c);
                } else if let Some(s) = r
                    .decode()
                    .ok()
                    .and_then(|n| quick_xml::escape::resolve_predefined_entity(&n))
                {
                    value.push_str(s);
                }
            }
            Ok(Event::End(_)) => {
                let v = value.trim();
                if let Some(name) = current.take().filter(|_| !v.is_empty()) {
                    match name.as_slice() {
                        b"dc:title" => found.title = Some(v.to_string()),
                        b"dc:creator" => found.author = Some(v.to_string()),
                        b"meta:initial-creator" if found.author.is_none() => {
                            found.author = Some(v.to_string())
                        }
                        b"dcterms:created" | b"meta:creation-date" => created = parse_date(v),
                        b"dcterms:modified" | b"dc:date" => modified = parse_date(v),
                        _ => {}
                    }
                }
                value.clear();
            }
            _ => {}
        }
        buf.clear();
    }
    found.date = created.or(modified);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const DOC: &str = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Welfare &amp; work</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Benefit cuts </w:t></w:r><w:r><w:t>hit families.</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Year</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Rate</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>2019</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>4.1</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>After the table.</w:t></w:r></w:p></w:body></w:document>"#;
    const NOTES: &str = r#"<w:footnotes xmlns:w="x"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
<w:footnote w:id="1"><w:p><w:r><w:t>Low pay is structural.</w:t></w:r></w:p></w:footnote></w:footnotes>"#;
    const CORE: &str = r#"<cp:coreProperties xmlns:cp="a" xmlns:dc="b" xmlns:dcterms="c"><dc:title>Fair Work</dc:title><dc:creator>A. Author</dc:creator><dcterms:created>2021-06-01T09:00:00Z</dcterms:created><dcterms:modified>2022-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>"#;

    #[test]
    fn docx_paragraphs_tables_footnotes_and_properties() {
        let bytes = zip_of(&[
            ("word/document.xml", DOC.as_bytes()),
            ("word/footnotes.xml", NOTES.as_bytes()),
            ("docProps/core.xml", CORE.as_bytes()),
        ]);
        let x = read(&bytes, Kind::Docx, &Limits::default()).unwrap();
        assert_eq!(
            x.text,
            "Welfare & work\n\nBenefit cuts hit families.\n\nYear\tRate\n2019\t4.1\n\nAfter the table.\n\nNotes\n\nLow pay is structural."
        );
        assert_eq!(x.found.title.as_deref(), Some("Fair Work"));
        assert_eq!(x.found.author.as_deref(), Some("A. Author"));
        assert_eq!(x.found.date.unwrap().date.to_string(), "2021-06-01");
    }

    #[test]
    fn odt_paragraphs_notes_and_meta() {
        let content = r#"<office:document-content xmlns:office="o" xmlns:text="t" xmlns:table="tb"><office:body><office:text>
<text:h>Poverty<text:s text:c="2"/>today</text:h>
<text:p>Housing costs rise.<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>Rents doubled.</text:p></text:note-body></text:note> Wages do not.</text:p>
<table:table><table:table-row><table:table-cell><text:p>A</text:p></table:table-cell><table:table-cell><text:p>B</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>"#;
        let meta = r#"<office:document-meta xmlns:office="o" xmlns:meta="m" xmlns:dc="d"><office:meta><dc:title>Rent</dc:title><meta:initial-creator>B</meta:initial-creator><meta:creation-date>2020-02-03T10:00:00</meta:creation-date></office:meta></office:document-meta>"#;
        let bytes = zip_of(&[
            ("content.xml", content.as_bytes()),
            ("meta.xml", meta.as_bytes()),
        ]);
        let x = read(&bytes, Kind::Odt, &Limits::default()).unwrap();
        assert_eq!(
            x.text,
            "Poverty  today\n\nHousing costs rise. Wages do not.\n\nA\tB\n\nNotes\n\nRents doubled."
        );
        assert_eq!(x.found.title.as_deref(), Some("Rent"));
        assert_eq!(x.found.author.as_deref(), Some("B"));
        assert_eq!(x.found.date.unwrap().date.to_string(), "2020-02-03");
    }

    #[test]
    fn zip_bombs_and_broken_containers_are_refused() {
        let big = vec![b' '; 8 << 20];
        let mut doc =
            b"<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p>".to_vec();
        doc.extend_from_slice(&big);
        doc.extend_from_slice(b"</w:body></w:document>");
        let bytes = zip_of(&[("word/document.xml", &doc)]);
        let (reason, detail) = read(&bytes, Kind::Docx, &Limits::default()).err().unwrap();
        assert_eq!(reason, "zip-bomb", "{detail}");
        assert!(detail.contains("--max-zip-ratio"), "{detail}");
        // Raising the limits reads it.
        let generous = Limits {
            max_zip_ratio: 100_000,
            ..Limits::default()
        };
        assert_eq!(read(&bytes, Kind::Docx, &generous).unwrap().text, "x");
        let tight = Limits {
            max_unzipped: 1000,
            max_zip_ratio: 100_000,
            ..Limits::default()
        };
        assert_eq!(
            read(&bytes, Kind::Docx, &tight).err().unwrap().0,
            "zip-bomb"
        );
        assert_eq!(
            read(b"PK\x03\x04junk", Kind::Docx, &Limits::default())
                .err()
                .unwrap()
                .0,
            "corrupt-docx"
        );
        let no_body = zip_of(&[("other.xml", b"<a/>")]);
        assert_eq!(
            read(&no_body, Kind::Docx, &Limits::default())
                .err()
                .unwrap()
                .0,
            "corrupt-docx"
        );
    }
}
