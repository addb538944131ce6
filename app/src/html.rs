//! Escaping for the few places the portal writes HTML text itself instead of through a
//! view (where Leptos escapes).

/// Text made safe between tags: `&`, `<`, `>` and quotes as character references.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape_text(r#"</title><meta http-equiv="refresh" content="0;url=https://elsewhere.example">"#),
            "&lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=https://elsewhere.example&quot;&gt;"
        );
        assert_eq!(escape_text("Åtgärd & plan"), "Åtgärd &amp; plan");
    }
}
