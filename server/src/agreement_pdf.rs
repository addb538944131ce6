//! The PDF of a signed agreement version, written with krilla: real text in embedded,
//! subset DejaVu fonts (Swedish letters, searchable, copyable), the version's SHA-256 in
//! the footer of every page, and a signing certificate as the last page. Laid out in two
//! passes: the lines are placed first, then the pages written, so each footer knows how
//! many pages there are. The same version always gives the same bytes (no clock is read),
//! which the verification page relies on.

use app::agreements::document::PrintedVersion;
use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

static SERIF: &[u8] = include_bytes!("../fonts/DejaVuSerif.ttf");
static SERIF_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSerif-Bold.ttf");
static MONO: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Where the body ends; the footer lives below.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 72.0;
pub(crate) const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
const LEADING: f32 = 1.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Serif,
    Bold,
    Mono,
}

impl Face {
    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Serif => SERIF,
            Face::Bold => SERIF_BOLD,
            Face::Mono => MONO,
        }
    }
}

/// Widths of text in a face, from the font's own advances (in ems).
pub(crate) struct Measure {
    fonts: Vec<(Face, skrifa::FontRef<'static>)>,
}

impl Measure {
    pub(crate) fn new() -> Result<Measure, PdfError> {
        let fonts = [Face::Serif, Face::Bold, Face::Mono]
            .into_iter()
            .map(|face| {
                skrifa::FontRef::new(face.bytes()).map(|font| (face, font)).map_err(|_| PdfError::Font)
            })
            .collect::<Result<_, _>>()?;
        Ok(Measure { fonts })
    }

    fn width(&self, face: Face, size: f32, text: &str) -> f32 {
        let Some((_, font)) = self.fonts.iter().find(|(f, _)| *f == face) else { return 0.0 };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(1.0), LocationRef::default());
        text.chars()
            .map(|c| charmap.map(c).and_then(|glyph| metrics.advance_width(glyph)).unwrap_or(0.5))
            .sum::<f32>()
            * size
    }
}

/// One line of text, placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    face: Face,
    size: f32,
    x: f32,
    /// The baseline, from the top of the page.
    y: f32,
    text: String,
}

/// The lines of each page, placed top to bottom.
pub(crate) struct Layout<'m> {
    measure: &'m Measure,
    pub(crate) pages: Vec<Vec<Line>>,
    y: f32,
}

impl<'m> Layout<'m> {
    pub(crate) fn new(measure: &'m Measure) -> Self {
        Layout { measure, pages: vec![Vec::new()], y: MARGIN }
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    pub(crate) fn gap(&mut self, points: f32) {
        if self.y > MARGIN {
            self.y += points;
        }
    }

    /// Breaks `text` into lines that fit `width`; a word longer than a line (a hash, an
    /// address) is broken where it must be.
    fn wrap(&self, face: Face, size: f32, width: f32, text: &str) -> Vec<String> {
        let fits = |s: &str| self.measure.width(face, size, s) <= width;
        let mut lines = Vec::new();
        for hard_line in text.split('\n') {
            let mut line = String::new();
            for word in hard_line.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if fits(&candidate) {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    line.push(c);
                    if !fits(&line) && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    }
                }
            }
            lines.push(line);
        }
        lines
    }

    /// A block of text at `indent`, after `first` (a bullet or a label) on its first line.
    pub(crate) fn block(&mut self, face: Face, size: f32, indent: f32, first: &str, text: &str) {
        let first_width = if first.is_empty() { 0.0 } else { self.measure.width(face, size, first) + 4.0 };
        let lines = self.wrap(face, size, TEXT_WIDTH - indent - first_width, text);
        let height = size * LEADING;
        for (n, line) in lines.into_iter().enumerate() {
            if self.y + height > BODY_BOTTOM {
                self.new_page();
            }
            self.y += height;
            let page = self.pages.last_mut().expect("a layout always has a page");
            if n == 0 && !first.is_empty() {
                page.push(Line { face, size, x: MARGIN + indent, y: self.y, text: first.to_owned() });
            }
            if !line.is_empty() {
                page.push(Line { face, size, x: MARGIN + indent + first_width, y: self.y, text: line });
            }
        }
    }

    /// A heading, kept with at least two lines of what follows it.
    pub(crate) fn heading(&mut self, size: f32, text: &str) {
        if self.y + size * LEADING + 2.0 * BODY * LEADING > BODY_BOTTOM {
            self.new_page();
        }
        self.gap(size * 0.6);
        self.block(Face::Bold, size, 0.0, "", text);
        self.y += 2.0;
    }

    /// Label and value lines, side by side: the label in bold in a narrow column, the
    /// value wrapped beside it (a hash in the monospaced face).
    pub(crate) fn facts(&mut self, lines: &[(String, String)], value_face: Face) {
        const LABEL_WIDTH: f32 = 150.0;
        let value_size = if value_face == Face::Mono { SMALL } else { BODY - 1.0 };
        for (label, value) in lines {
            let labels = self.wrap(Face::Bold, SMALL, LABEL_WIDTH - 8.0, label);
            let values = self.wrap(value_face, value_size, TEXT_WIDTH - LABEL_WIDTH, value);
            let height = (BODY - 1.0) * LEADING;
            let rows = labels.len().max(values.len());
            if self.y + height * rows.min(4) as f32 > BODY_BOTTOM {
                self.new_page();
            }
            for n in 0..rows {
                if self.y + height > BODY_BOTTOM {
                    self.new_page();
                }
                self.y += height;
                let page = self.pages.last_mut().expect("a layout always has a page");
                if let Some(text) = labels.get(n).filter(|t| !t.is_empty()) {
                    page.push(Line {
                        face: Face::Bold,
                        size: SMALL,
                        x: MARGIN,
                        y: self.y,
                        text: text.clone(),
                    });
                }
                if let Some(text) = values.get(n).filter(|t| !t.is_empty()) {
                    page.push(Line {
                        face: value_face,
                        size: value_size,
                        x: MARGIN + LABEL_WIDTH,
                        y: self.y,
                        text: text.clone(),
                    });
                }
            }
            self.y += 2.0;
        }
    }

    /// A clause's Markdown as paragraphs, headings and list items.
    fn markdown(&mut self, text: &str) {
        for block in blocks(text) {
            match block {
                Block::Heading(text) => self.heading(BODY + 1.0, &text),
                Block::Paragraph { indent, marker, text } => {
                    self.block(Face::Serif, BODY, indent, &marker, &text);
                    self.y += 4.0;
                }
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Block {
    Heading(String),
    Paragraph { indent: f32, marker: String, text: String },
}

/// Markdown as blocks of plain text: emphasis and links keep their words, list items
/// their bullet or number, table rows their cells separated by a bar.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut marker = String::new();
    let flush = |out: &mut Vec<Block>, text: &mut String, marker: &mut String, depth: usize| {
        let content = text.trim().to_owned();
        if !content.is_empty() || !marker.is_empty() {
            out.push(Block::Paragraph {
                indent: 14.0 * depth as f32,
                marker: std::mem::take(marker),
                text: content,
            });
        }
        text.clear();
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(Tag::Heading { .. }) => flush(&mut out, &mut text, &mut marker, lists.len()),
            Event::End(TagEnd::Heading(_)) => {
                out.push(Block::Heading(text.trim().to_owned()));
                text.clear();
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut out, &mut text, &mut marker, lists.len());
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut out, &mut text, &mut marker, lists.len());
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut out, &mut text, &mut marker, lists.len());
                marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_owned(),
                };
            }
            Event::End(TagEnd::Item | TagEnd::Paragraph | TagEnd::TableRow | TagEnd::TableHead) => {
                flush(&mut out, &mut text, &mut marker, lists.len().saturating_sub(1).min(lists.len()));
            }
            Event::Start(Tag::TableCell) if !text.is_empty() => text.push_str("  |  "),
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::Rule => flush(&mut out, &mut text, &mut marker, lists.len()),
            _ => {}
        }
    }
    flush(&mut out, &mut text, &mut marker, 0);
    out
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("an embedded font could not be read")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The bytes of the PDF.
pub fn render(doc: &PrintedVersion, signed_at: chrono::DateTime<chrono::Utc>) -> Result<Vec<u8>, PdfError> {
    let measure = Measure::new()?;
    let mut layout = Layout::new(&measure);
    layout.block(Face::Bold, 17.0, 0.0, "", &doc.title);
    layout.block(Face::Serif, BODY, 0.0, "", &doc.subtitle);
    layout.y += 8.0;
    layout.facts(&doc.facts, Face::Serif);
    layout.heading(12.0, &doc.parties_heading);
    if let Some((header, rows)) = doc.parties.split_first() {
        for row in rows {
            let label = row.first().cloned().unwrap_or_default();
            let rest = row.iter().skip(1).zip(header.iter().skip(1)).map(|(v, h)| format!("{h}: {v}"));
            layout.block(
                Face::Serif,
                BODY,
                0.0,
                "•",
                &format!("{label}. {}", rest.collect::<Vec<_>>().join(" · ")),
            );
        }
    }
    for (heading, text) in &doc.clauses {
        layout.heading(12.0, heading);
        layout.markdown(text);
    }
    layout.new_page();
    layout.block(Face::Bold, 15.0, 0.0, "", &doc.certificate.heading);
    layout.y += 4.0;
    layout.block(Face::Serif, BODY, 0.0, "", &doc.certificate.lede);
    layout.y += 6.0;
    layout.facts(&[(doc.certificate.hash_label.clone(), doc.hash.clone())], Face::Mono);
    if let Some(note) = &doc.certificate.demo_note {
        layout.block(Face::Bold, BODY, 0.0, "", note);
    }
    for signature in &doc.certificate.signatures {
        layout.gap(8.0);
        let (name, rest) = signature.split_first().map(|(n, r)| (n.1.clone(), r)).unwrap_or_default();
        layout.heading(11.0, &name);
        layout.facts(rest, Face::Serif);
    }
    let meta = PdfMeta {
        title: &doc.title,
        subtitle: &doc.subtitle,
        language: doc.language,
        footer: &doc.footer,
        document_id: Some(&doc.hash),
        second_footer: Some(format!("SHA-256 {}", doc.hash)),
    };
    write(&meta, signed_at, layout.pages)
}

/// What a document says of itself: its metadata and the footer of every page
/// (`{page}` and `{pages}` filled in), with an optional second footer line in the
/// monospaced face.
pub(crate) struct PdfMeta<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub language: &'a str,
    pub footer: &'a str,
    pub document_id: Option<&'a str>,
    pub second_footer: Option<String>,
}

pub(crate) fn write(
    doc: &PdfMeta<'_>,
    signed_at: chrono::DateTime<chrono::Utc>,
    pages: Vec<Vec<Line>>,
) -> Result<Vec<u8>, PdfError> {
    use chrono::{Datelike, Timelike};
    let font = |face: Face| Font::new(face.bytes().into(), 0).ok_or(PdfError::Font);
    let (serif, bold, mono) = (font(Face::Serif)?, font(Face::Bold)?, font(Face::Mono)?);
    let font_of = |face: Face| match face {
        Face::Serif => serif.clone(),
        Face::Bold => bold.clone(),
        Face::Mono => mono.clone(),
    };
    let mut document = Document::new();
    let created = PdfDateTime::new(u16::try_from(signed_at.year()).unwrap_or(2000))
        .month(u8::try_from(signed_at.month()).unwrap_or(1))
        .day(u8::try_from(signed_at.day()).unwrap_or(1))
        .hour(u8::try_from(signed_at.hour()).unwrap_or(0))
        .minute(u8::try_from(signed_at.minute()).unwrap_or(0))
        .second(u8::try_from(signed_at.second()).unwrap_or(0))
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    let mut metadata = Metadata::new()
        .title(doc.title.to_owned())
        .description(doc.subtitle.to_owned())
        .language(doc.language.to_owned())
        .creator("Precision medicine cluster portal".to_owned())
        .creation_date(created);
    if let Some(id) = doc.document_id {
        metadata = metadata.document_id(id.to_owned());
    }
    document.set_metadata(metadata);
    let count = pages.len().to_string();
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::Write("page size".into()))?;
    for (n, lines) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for line in lines {
            surface.draw_text(
                Point::from_xy(line.x, line.y),
                font_of(line.face),
                line.size,
                &line.text,
                false,
                TextDirection::Auto,
            );
        }
        let footer = doc.footer.replace("{page}", &(n + 1).to_string()).replace("{pages}", &count);
        let top = PAGE_HEIGHT - 44.0;
        surface.draw_text(
            Point::from_xy(MARGIN, top),
            serif.clone(),
            7.5,
            &footer,
            false,
            TextDirection::Auto,
        );
        if let Some(second) = &doc.second_footer {
            surface.draw_text(
                Point::from_xy(MARGIN, top + 11.0),
                mono.clone(),
                7.0,
                second,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::agreements::document::Certificate;

    fn sample(clauses: usize) -> PrintedVersion {
        PrintedVersion {
            language: "sv",
            title: "Samverkansavtal: Prediktiv biomarkör för sepsis".into(),
            subtitle: "Avtal 7, version 2 · gäller sedan 2026-11-30 10:00".into(),
            hash: "ab".repeat(32),
            facts: vec![("Period".into(), "2027-01-01 – 2028-12-31".into())],
            parties_heading: "Parter".into(),
            parties: vec![
                vec!["Organisation".into(), "Organisationsnummer".into(), "Typ".into(), "Roll".into()],
                vec!["Uppsala universitet".into(), "202100-2932".into(), "Universitet".into(), "Koordinator".into()],
            ],
            clauses: (0..clauses)
                .map(|n| {
                    (
                        format!("{n}. Äganderätt till resultat"),
                        "Resultat ägs av den part som **tagit fram** dem.\n\n- första punkten\n- andra punkten om \
                         förväntad nytta och överlåtelse av rättigheter till företaget på marknadsmässiga villkor"
                            .repeat(3),
                    )
                })
                .collect(),
            certificate: Certificate {
                heading: "Underskriftsintyg".into(),
                lede: "Varje underskrift nedan …".into(),
                hash_label: "SHA-256".into(),
                signatures: vec![vec![("Undertecknare".into(), "Åsa Öberg".into()), ("Tid".into(), "2026-11-30".into())]],
                demo_note: None,
            },
            footer: "Avtal 7, version 2 · sida {page} av {pages}".into(),
        }
    }

    fn at() -> chrono::DateTime<chrono::Utc> {
        "2026-11-30T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn the_same_version_gives_the_same_bytes() {
        let one = render(&sample(3), at()).unwrap();
        let two = render(&sample(3), at()).unwrap();
        assert!(one.starts_with(b"%PDF-"));
        assert_eq!(one, two);
        let mut changed = sample(3);
        changed.clauses[0].1.push_str(" Ändrad.");
        assert_ne!(render(&changed, at()).unwrap(), one);
    }

    #[test]
    fn long_texts_flow_onto_more_pages_and_each_footer_counts_them() {
        let measure = Measure::new().unwrap();
        let mut layout = Layout::new(&measure);
        for (heading, text) in sample(40).clauses {
            layout.heading(12.0, &heading);
            layout.markdown(&text);
        }
        assert!(layout.pages.len() > 3, "{} pages", layout.pages.len());
        for page in &layout.pages {
            assert!(page.iter().all(|line| line.y <= BODY_BOTTOM && line.y > MARGIN));
            assert!(
                page.iter()
                    .all(|l| l.x + measure.width(l.face, l.size, &l.text) <= PAGE_WIDTH - MARGIN + 0.5)
            );
        }
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken_and_no_text_is_lost() {
        let measure = Measure::new().unwrap();
        let layout = Layout::new(&measure);
        let hash = "0123456789abcdef".repeat(8);
        let lines = layout.wrap(Face::Mono, BODY, 200.0, &format!("hash {hash} end"));
        assert!(lines.len() > 2);
        assert_eq!(lines.concat().replace(' ', ""), format!("hash{hash}end"));
    }

    #[test]
    fn markdown_keeps_its_words_bullets_and_numbers() {
        let found = blocks(
            "Inledning med *betoning*.\n\n1. ett\n2. två\n\n- punkt\n\n### Rubrik\n\n| a | b |\n|---|---|\n| c | d |",
        );
        assert_eq!(
            found,
            vec![
                Block::Paragraph {
                    indent: 0.0,
                    marker: String::new(),
                    text: "Inledning med betoning.".into()
                },
                Block::Paragraph { indent: 0.0, marker: "1.".into(), text: "ett".into() },
                Block::Paragraph { indent: 0.0, marker: "2.".into(), text: "två".into() },
                Block::Paragraph { indent: 0.0, marker: "•".into(), text: "punkt".into() },
                Block::Heading("Rubrik".into()),
                Block::Paragraph { indent: 0.0, marker: String::new(), text: "a  |  b".into() },
                Block::Paragraph { indent: 0.0, marker: String::new(), text: "c  |  d".into() },
            ]
        );
    }
}
