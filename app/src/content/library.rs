//! Markdown pages from `content/{sv,en}/*.md`: front matter, rendering and language
//! fallback. Loaded once at start-up; pages are part of the release, not state.

use super::model::{PageLink, RenderedPage};
use crate::i18n::Lang;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub order: i64,
    pub html: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContentError {
    #[error("{file}: the page must start with a front matter block between --- lines")]
    MissingFrontMatter { file: String },
    #[error("{file}: front matter line {line} is not `key: value`")]
    MalformedLine { file: String, line: usize },
    #[error("{file}: unknown front matter key `{key}` (title, slug, order)")]
    UnknownKey { file: String, key: String },
    #[error("{file}: front matter lacks `{key}`")]
    MissingKey { file: String, key: &'static str },
    #[error("{file}: `order` must be a whole number")]
    BadOrder { file: String },
    #[error("{file}: slug `{slug}` may contain only a-z, 0-9 and -")]
    BadSlug { file: String, slug: String },
    #[error("{file}: slug `{slug}` is used twice in one language")]
    DuplicateSlug { file: String, slug: String },
    #[error("cannot read {0}")]
    Io(String),
}

/// Parses one Markdown file with its front matter.
pub fn parse_page(file: &str, source: &str) -> Result<Page, ContentError> {
    let missing = || ContentError::MissingFrontMatter { file: file.to_owned() };
    let rest = source.strip_prefix("---\n").or_else(|| source.strip_prefix("---\r\n")).ok_or_else(missing)?;
    let end = rest.find("\n---").ok_or_else(missing)?;
    let (front, body) = (&rest[..end], &rest[end + 4..]);
    let body = body.split_once('\n').map(|(_, b)| b).unwrap_or_default();

    let (mut title, mut slug, mut order) = (None, None, None);
    for (index, line) in front.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once(':')
            .ok_or(ContentError::MalformedLine { file: file.to_owned(), line: index + 2 })?;
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim() {
            "title" => title = Some(value),
            "slug" => slug = Some(value),
            "order" => {
                order =
                    Some(value.parse::<i64>().map_err(|_| ContentError::BadOrder { file: file.to_owned() })?)
            }
            other => return Err(ContentError::UnknownKey { file: file.to_owned(), key: other.to_owned() }),
        }
    }
    let title = title.ok_or(ContentError::MissingKey { file: file.to_owned(), key: "title" })?;
    let slug = slug.ok_or(ContentError::MissingKey { file: file.to_owned(), key: "slug" })?;
    let order = order.ok_or(ContentError::MissingKey { file: file.to_owned(), key: "order" })?;
    if slug.is_empty() || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(ContentError::BadSlug { file: file.to_owned(), slug });
    }
    Ok(Page { slug, title, order, html: render_markdown(body) })
}

/// An anchor id from heading text: lower case, letters and digits kept (å, ä, ö too),
/// everything else folded into single dashes.
pub fn anchor_id(text: &str) -> String {
    let mut id = String::new();
    for ch in text.trim().chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() {
            id.push(ch);
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// Markdown to HTML with tables, strikethrough and an id on every heading (unique per page).
/// For the portal's own pages, whose raw HTML is kept.
pub fn render_markdown(markdown: &str) -> String {
    render(markdown, true)
}

/// [`render_markdown`] for text people type into the portal (a call's description): raw
/// HTML is shown as text, never run.
pub fn render_typed_markdown(markdown: &str) -> String {
    render(markdown, false)
}

/// A link or image target typed text may have: `http(s)`, `mailto` or one within the portal
/// (a path, a query, a fragment). Anything with another scheme (`javascript:`, `data:`,
/// `vbscript:`) is dropped, as is a scheme hidden behind control characters or entities
/// a browser would strip.
pub fn allowed_url(url: &str) -> bool {
    let url = url.trim();
    if url.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    match url.find(':') {
        None => true,
        Some(colon) => {
            // A colon after the first `/`, `?` or `#` is part of a path, not a scheme.
            let first_delimiter = url.find(['/', '?', '#']).unwrap_or(usize::MAX);
            if first_delimiter < colon {
                return true;
            }
            let scheme = url[..colon].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
    }
}

fn render(markdown: &str, own_page: bool) -> String {
    // Heading attributes (`# T {onclick=...}`) only in the portal's own pages, never from
    // typed text.
    let mut options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    if own_page {
        options |= Options::ENABLE_HEADING_ATTRIBUTES;
    }
    // For each open link or image, whether its target was dropped (its text stays).
    let mut open_targets: Vec<bool> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(text) | Event::InlineHtml(text) if !own_page => events.push(Event::Text(text)),
            Event::Start(Tag::Link { ref dest_url, .. }) | Event::Start(Tag::Image { ref dest_url, .. }) => {
                let dropped = !allowed_url(dest_url);
                open_targets.push(dropped);
                if !dropped {
                    events.push(event);
                }
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                if !open_targets.pop().unwrap_or(false) {
                    events.push(event);
                }
            }
            other => events.push(other),
        }
    }
    let mut used = HashSet::new();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id: None, classes, attrs }) = &events[i] {
            let text: String = events[i + 1..]
                .iter()
                .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let base = if anchor_id(&text).is_empty() { "section".to_owned() } else { anchor_id(&text) };
            let mut id = base.clone();
            let mut n = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}-{n}");
                n += 1;
            }
            out.push(Event::Start(Tag::Heading {
                level: *level,
                id: Some(CowStr::from(id)),
                classes: classes.clone(),
                attrs: attrs.clone(),
            }));
        } else {
            if let Event::Start(Tag::Heading { id: Some(id), .. }) = &events[i] {
                used.insert(id.to_string());
            }
            out.push(events[i].clone());
        }
        i += 1;
    }
    let mut html_out = String::new();
    html::push_html(&mut html_out, out.into_iter());
    html_out
}

/// Every page in both languages, keyed by slug.
#[derive(Debug, Default)]
pub struct ContentLibrary {
    pages: BTreeMap<String, BTreeMap<&'static str, Page>>,
}

impl ContentLibrary {
    pub fn load(dir: &Path) -> Result<ContentLibrary, ContentError> {
        let mut library = ContentLibrary::default();
        for lang in Lang::ALL {
            let folder = dir.join(lang.code());
            let entries =
                std::fs::read_dir(&folder).map_err(|_| ContentError::Io(folder.display().to_string()))?;
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            for path in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
                let source = std::fs::read_to_string(&path)
                    .map_err(|_| ContentError::Io(path.display().to_string()))?;
                library.insert(
                    lang,
                    parse_page(&path.display().to_string(), &source)?,
                    &path.display().to_string(),
                )?;
            }
        }
        Ok(library)
    }

    pub fn insert(&mut self, lang: Lang, page: Page, file: &str) -> Result<(), ContentError> {
        let versions = self.pages.entry(page.slug.clone()).or_default();
        if versions.contains_key(lang.code()) {
            return Err(ContentError::DuplicateSlug { file: file.to_owned(), slug: page.slug });
        }
        versions.insert(lang.code(), page);
        Ok(())
    }

    /// The page in the wanted language, else in the other one (marked as a fallback).
    pub fn page(&self, slug: &str, lang: Lang) -> Option<RenderedPage> {
        let versions = self.pages.get(slug)?;
        let (served, page) =
            [lang, lang.other()].into_iter().find_map(|l| versions.get(l.code()).map(|p| (l, p)))?;
        Some(RenderedPage {
            slug: page.slug.clone(),
            title: page.title.clone(),
            html: page.html.clone(),
            lang: served,
            is_fallback: served != lang,
        })
    }

    /// Links to every page, titled in the wanted language where possible, in `order`.
    pub fn menu(&self, lang: Lang) -> Vec<PageLink> {
        let mut pages: Vec<(i64, PageLink)> = self
            .pages
            .keys()
            .filter_map(|slug| {
                let versions = &self.pages[slug];
                let page = versions.get(lang.code()).or_else(|| versions.get(lang.other().code()))?;
                Some((page.order, PageLink { slug: slug.clone(), title: page.title.clone() }))
            })
            .collect();
        pages.sort_by(|a, b| (a.0, &a.1.slug).cmp(&(b.0, &b.1.slug)));
        pages.into_iter().map(|(_, link)| link).collect()
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_markdown_keeps_no_script_urls_and_no_attributes() {
        let html = render_typed_markdown(
            "# T {onclick=alert(1) #x}\n\n[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) \
             [c](java%0Ascript:x) [d](data:text/html,x) ![e](javascript:x) [f](https://example.org/) \
             [g](/pages/about) [h](mailto:a@example.org) [i](#top) [j](?q=a:b)",
        );
        assert!(
            html.starts_with("<h1 id=\"t-onclick-alert-1-x\">T {onclick"),
            "attributes stay text: {html}"
        );
        assert!(!html.to_ascii_lowercase().contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        for kept in ["https://example.org/", "/pages/about", "mailto:a@example.org", "#top", "?q=a:b"] {
            assert!(html.contains(&format!("href=\"{kept}\"")), "{kept} in {html}");
        }
        assert!(html.contains("<p>a b c d e <a"), "the text of a dropped link stays: {html}");
    }

    #[test]
    fn allowed_urls_are_web_mail_and_relative_only() {
        for url in ["https://a.example", "HTTP://a.example", "mailto:x@y", "/p", "p/q:r", "#f", "?a=b:c", ""]
        {
            assert!(allowed_url(url), "{url}");
        }
        for url in [
            "javascript:x",
            " javascript:x",
            "vbscript:x",
            "data:x",
            "java\tscript:x",
            "file:///etc",
            "a\\b:c",
        ] {
            assert!(!allowed_url(url), "{url}");
        }
    }

    const PAGE: &str = "---\ntitle: Om klustret\nslug: about\norder: 1\n---\n# Om oss\n\nText med [länk](/pages/nodes).\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n## Noder och sjukhus\n\n## Noder och sjukhus\n";

    #[test]
    fn typed_markdown_shows_html_as_text() {
        let html = render_typed_markdown("**Open** <script>alert(1)</script> <b onclick=x>b</b>");
        assert!(html.contains("<strong>Open</strong>"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn front_matter_and_body_are_read() {
        let page = parse_page("about.md", PAGE).unwrap();
        assert_eq!((page.title.as_str(), page.slug.as_str(), page.order), ("Om klustret", "about", 1));
        assert!(page.html.contains("<table>"), "{}", page.html);
        assert!(page.html.contains(r#"<a href="/pages/nodes">länk</a>"#), "{}", page.html);
    }

    #[test]
    fn headings_get_unique_anchor_ids() {
        let page = parse_page("about.md", PAGE).unwrap();
        assert!(page.html.contains(r#"<h1 id="om-oss">"#), "{}", page.html);
        assert!(page.html.contains(r#"<h2 id="noder-och-sjukhus">"#));
        assert!(page.html.contains(r#"<h2 id="noder-och-sjukhus-2">"#));
        assert_eq!(
            anchor_id("Åtkomst till kohorter – så går det till!"),
            "åtkomst-till-kohorter-så-går-det-till"
        );
    }

    #[test]
    fn bad_front_matter_names_the_problem() {
        assert!(matches!(
            parse_page("x.md", "# no front matter"),
            Err(ContentError::MissingFrontMatter { .. })
        ));
        assert!(matches!(
            parse_page("x.md", "---\ntitle: T\norder: 1\n---\n"),
            Err(ContentError::MissingKey { key: "slug", .. })
        ));
        assert!(matches!(
            parse_page("x.md", "---\ntitle: T\nslug: Bad Slug\norder: 1\n---\n"),
            Err(ContentError::BadSlug { .. })
        ));
        assert!(matches!(
            parse_page("x.md", "---\ntitle: T\nslug: t\norder: one\n---\n"),
            Err(ContentError::BadOrder { .. })
        ));
        assert!(matches!(
            parse_page("x.md", "---\ntitle: T\nslug: t\norder: 1\nauthor: me\n---\n"),
            Err(ContentError::UnknownKey { .. })
        ));
    }

    #[test]
    fn a_missing_translation_falls_back_with_a_mark() {
        let mut library = ContentLibrary::default();
        library.insert(Lang::Sv, parse_page("a.md", PAGE).unwrap(), "a.md").unwrap();
        let swedish = library.page("about", Lang::Sv).unwrap();
        assert!(!swedish.is_fallback);
        let english = library.page("about", Lang::En).unwrap();
        assert!(english.is_fallback);
        assert_eq!(english.lang, Lang::Sv);
        assert!(library.page("nothing", Lang::En).is_none());
        assert_eq!(library.menu(Lang::En)[0].title, "Om klustret");
    }

    #[test]
    fn the_shipped_content_loads_in_both_languages() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../content"));
        let library = ContentLibrary::load(dir).unwrap();
        for slug in ["about", "nodes", "cohort-access", "co-creation", "privacy", "accessibility"] {
            for lang in Lang::ALL {
                let page = library.page(slug, lang).unwrap_or_else(|| panic!("{slug} missing"));
                assert!(!page.is_fallback, "{slug} has no {lang:?} version");
            }
        }
    }
}
