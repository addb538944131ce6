//! Junk at every server function: each one (from the policy table), each form field of its
//! arguments (learnt from the argument struct's `Deserialize`, not from source), each kind
//! of junk, as an anonymous visitor, as a person without rights and as the administrator.
//! A malformed request is the client's fault: it gets a 4xx, never a 5xx or a panic, and
//! what it leaves in the database shows as text on the pages afterwards.
//!
//! The calls also check the policy declaration: a server function that asks for an action
//! its entry in `app/src/policy/endpoints.rs` does not list answers 500.

mod common;

use app::co_creation::api::StartProposal;
use app::cohort_access::api::{AddToBasket, StartApplication};
use app::policy::endpoints::{FieldKind, FormField, SERVER_FUNCTIONS, ServerFnPolicy};
use common::{TestApp, TestDb};
use leptos::server_fn::ServerFn;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts every panic in this process (the server's included), then reports it as usual.
fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            report(info);
        }));
    });
}

/// How many requests are in flight at once.
const CONCURRENCY: usize = 8;

const SCRIPT: &str = "<script>alert(1)</script>";
const META: &str = r#"</title><meta http-equiv="refresh" content="0;url=https://elsewhere.example">"#;

/// What goes in place of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Junk {
    Missing,
    Empty,
    /// A megabyte of text (sent once per field, as the administrator).
    Huge,
    /// Bytes that are no UTF-8.
    InvalidUtf8,
    Negative,
    TooBig,
    FarDate,
    Script,
    Meta,
    UnknownChoice,
    /// The field twice.
    Twice,
    /// [`Junk::Script`] with every other field missing.
    ScriptAlone,
    /// No junk: every field plausible (to see that the others get past decoding).
    Plausible,
}

impl Junk {
    const ALL: [Junk; 12] = [
        Junk::Missing,
        Junk::Empty,
        Junk::Huge,
        Junk::InvalidUtf8,
        Junk::Negative,
        Junk::TooBig,
        Junk::FarDate,
        Junk::Script,
        Junk::Meta,
        Junk::UnknownChoice,
        Junk::Twice,
        Junk::ScriptAlone,
    ];

    fn text(self) -> Option<String> {
        Some(match self {
            Junk::Empty => String::new(),
            Junk::Huge => "a".repeat(1024 * 1024),
            Junk::Negative => "-1".into(),
            Junk::TooBig => "99999999999999999999".into(),
            Junk::FarDate => "+262142-01-01".into(),
            Junk::Script | Junk::ScriptAlone => SCRIPT.into(),
            Junk::Meta => META.into(),
            Junk::UnknownChoice => "no_such_choice".into(),
            Junk::Missing | Junk::InvalidUtf8 | Junk::Twice | Junk::Plausible => return None,
        })
    }

    /// Also sent as a form without JavaScript.
    fn also_without_javascript(self) -> bool {
        matches!(self, Junk::InvalidUtf8 | Junk::Script | Junk::Meta | Junk::Missing)
    }
}

/// `application/x-www-form-urlencoded`, as a browser writes it.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// Values that get a request past argument decoding and into the function's work.
struct Plausible {
    call: String,
    company: String,
    company_id: i64,
    cohort: String,
    cohort_id: i64,
    application_id: i64,
    proposal_id: i64,
    sara_id: i64,
    /// A date a month away.
    expires_on: String,
}

impl Plausible {
    /// Looks the values up, and gives Sara an application and Emma's company a proposal
    /// for the junk to reach.
    async fn from(app: &TestApp, db: &app::db::Db) -> Plausible {
        let text = |sql: &'static str| async move {
            sqlx::query_scalar::<_, String>(sql).fetch_optional(db.pool()).await.unwrap().unwrap_or_default()
        };
        let number = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql).fetch_optional(db.pool()).await.unwrap().unwrap_or(1)
        };
        let call = text("SELECT slug FROM calls ORDER BY id").await;
        let company = text(
            "SELECT o.slug FROM organisations o JOIN company_profiles c ON c.organisation_id = o.id \
             JOIN memberships m ON m.organisation_id = o.id JOIN people p ON p.id = m.person_id \
             WHERE p.display_name = 'Emma Novak' ORDER BY o.id",
        )
        .await;
        let cohort = text("SELECT slug FROM cohorts ORDER BY id").await;
        let started = |path: &'static str, form: Vec<(&'static str, String)>, who: &'static str| async move {
            let cookies = app.sign_in_as(who).await;
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = app.call(path, &form, &cookies).await;
            assert_eq!(status, 200, "{path} as {who}: {body}");
            body.trim().parse::<i64>().unwrap_or_else(|_| panic!("{path} answered {body}"))
        };
        let sara = app.sign_in_as("Sara Lindqvist").await;
        let (status, body) = app.call(AddToBasket::PATH, &[("slug", &cohort)], &sara).await;
        assert_eq!(status, 200, "add to basket: {body}");
        let application_id =
            started(StartApplication::PATH, vec![("title", "Junk to come".into())], "Sara Lindqvist").await;
        let proposal_id = started(
            StartProposal::PATH,
            vec![("call", call.clone()), ("company", company.clone()), ("title", "Junk to come".into())],
            "Emma Novak",
        )
        .await;
        Plausible {
            call,
            company,
            company_id: number("SELECT organisation_id FROM company_profiles ORDER BY organisation_id").await,
            cohort,
            cohort_id: number("SELECT id FROM cohorts ORDER BY id").await,
            application_id,
            proposal_id,
            sara_id: common::person_id(db, "Sara Lindqvist").await,
            expires_on: (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string(),
        }
    }

    /// A plausible value for this field of this function.
    fn value(&self, function: &str, field: &FormField) -> String {
        let name = field.key.rsplit('[').next().unwrap_or(&field.key).trim_end_matches(']');
        let about = |words: &[&str]| words.iter().any(|w| function.contains(w));
        let proposal = about(&["proposal", "review"]) && !about(&["review_request"]);
        match (&field.kind, name) {
            (FieldKind::Choice(variants), _) => variants.first().map(|v| (*v).to_owned()).unwrap_or_default(),
            (FieldKind::Flag, _) => "true".into(),
            (FieldKind::Integer, "id") if proposal => self.proposal_id.to_string(),
            (FieldKind::Integer, "id") => self.application_id.to_string(),
            (FieldKind::Integer, "cohort_id" | "cohort") => self.cohort_id.to_string(),
            (FieldKind::Integer, "company") => self.company_id.to_string(),
            (FieldKind::Integer, "person_id" | "person" | "reviewer" | "handler") => self.sara_id.to_string(),
            // Ids of things whose removal would spoil the rest of the run.
            (FieldKind::Integer, "grant_id" | "rule_id" | "token_id") => "999999".into(),
            (FieldKind::Integer, _) => "1".into(),
            (FieldKind::Decimal, _) => "1.5".into(),
            (_, "slug") if about(&["node"]) => "stockholm".into(),
            (_, "slug") if about(&["call", "panel"]) => self.call.clone(),
            (_, "slug") if about(&["compan", "representative"]) => self.company.clone(),
            (_, "slug") if about(&["dataset", "basket"]) => self.cohort.clone(),
            (_, "slug") if about(&["content"]) => "about".into(),
            (_, "slug") => "stockholm".into(),
            (_, "call") => self.call.clone(),
            (_, "company") => self.company.clone(),
            (_, "cohort") => self.cohort.clone(),
            (_, "node") => "stockholm".into(),
            (_, "organisation") => "ki".into(),
            (_, "lang") => "en".into(),
            (_, "return_to") => "/".into(),
            (_, "role") => "reviewer".into(),
            (_, "majority") => "simple".into(),
            (_, "org_number") => "556016-0680".into(),
            (_, "size") => "small".into(),
            (_, "kind") => "sme".into(),
            (_, "expires_on") => self.expires_on.clone(),
            (_, "opens") => "2030-01-01T09:00".into(),
            (_, "closes") => "2030-03-01T17:00".into(),
            (_, n) if n.contains("url") || n == "website" => "https://example.org/".into(),
            (_, "token") => "no-such-token".into(),
            (_, "query") => "cancer".into(),
            (_, "page") => "1".into(),
            (_, n) if n.contains("email") => "someone@example.org".into(),
            (_, n) if n.contains("date") || n.ends_with("_on") || n.starts_with("period_") => {
                "2030-01-01".into()
            }
            (_, n) if n.starts_with("trl") || n.contains("months") || n == "quorum" => "3".into(),
            _ => "Plausible text".into(),
        }
    }
}

/// Which variant each enum of a function's form takes in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Chosen {
    /// The enum's own key carries this variant name.
    Unit(String),
    /// Fields inside this variant are posted.
    Fields(&'static str),
}

/// One function's form fields, and the variants its enums take by default: the first that
/// takes no fields, else the first.
struct Form<'a> {
    fields: &'a [FormField],
    defaults: BTreeMap<String, Chosen>,
}

impl<'a> Form<'a> {
    fn new(fields: &'a [FormField]) -> Form<'a> {
        let mut defaults = BTreeMap::new();
        for field in fields {
            if let FieldKind::Choice(variants) = &field.kind {
                let has_fields = |variant: &str| {
                    fields.iter().any(|f| f.within.iter().any(|(k, v)| *k == field.key && *v == variant))
                };
                let chosen = match variants.iter().find(|v| !has_fields(v)) {
                    Some(unit) => Chosen::Unit((*unit).to_owned()),
                    None => Chosen::Fields(variants.first().copied().unwrap_or_default()),
                };
                defaults.insert(field.key.clone(), chosen);
            }
        }
        Form { fields, defaults }
    }

    /// The other fields posted beside `target`, with plausible values.
    fn others(&self, plausible: &Plausible, function: &str, target: &FormField) -> Vec<(String, String)> {
        let mut chosen = self.defaults.clone();
        for (key, variant) in &target.within {
            chosen.insert(key.clone(), Chosen::Fields(variant));
        }
        let target_is_choice = matches!(target.kind, FieldKind::Choice(_));
        let mut pairs = Vec::new();
        for field in self.fields {
            if field.key == target.key
                || matches!(field.kind, FieldKind::Map | FieldKind::List | FieldKind::Opaque)
            {
                continue;
            }
            if target_is_choice && field.within.iter().any(|(k, _)| *k == target.key) {
                continue;
            }
            if !field.within.iter().all(|(k, v)| chosen.get(k) == Some(&Chosen::Fields(v))) {
                continue;
            }
            if let FieldKind::Choice(_) = field.kind {
                match chosen.get(&field.key) {
                    Some(Chosen::Unit(variant)) => pairs.push((field.key.clone(), variant.clone())),
                    _ => continue,
                }
            } else {
                pairs.push((field.key.clone(), plausible.value(function, field)));
            }
        }
        pairs
    }
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// Sara Lindqvist, an applicant: no rights to the administrator's functions.
    WithoutRights,
    /// Maria Lund, the administrator.
    Administrator,
}

struct Request {
    function: &'static str,
    path: &'static str,
    caller: Caller,
    junk: Junk,
    key: String,
    body: String,
    without_javascript: bool,
}

fn body(pairs: &[(String, String)], target: Option<(&str, Junk, &str)>) -> String {
    let mut parts: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    if let Some((key, junk, plausible)) = target {
        let key = encode(key);
        match junk {
            Junk::Missing => {}
            Junk::InvalidUtf8 => parts.push(format!("{key}=%FF%FE")),
            Junk::Twice => {
                parts.push(format!("{key}={}", encode(plausible)));
                parts.push(format!("{key}={}", encode(&format!("{plausible}2"))));
            }
            junk => parts.push(format!("{key}={}", encode(&junk.text().unwrap_or_default()))),
        }
    }
    parts.join("&")
}

/// The requests for one function as one caller.
fn requests_for(entry: &'static ServerFnPolicy, caller: Caller, plausible: &Plausible) -> Vec<Request> {
    let shape = entry.form_shape();
    let form = Form::new(&shape.fields);
    let mut out = Vec::new();
    let mut push = |junk: Junk, key: &str, body: String| {
        for without_javascript in [false, true] {
            if without_javascript && !junk.also_without_javascript() {
                continue;
            }
            out.push(Request {
                function: entry.name,
                path: entry.path,
                caller,
                junk,
                key: key.to_owned(),
                body: body.clone(),
                without_javascript,
            });
        }
    };
    // No arguments at all, one nobody asked for, and every field plausible.
    push(Junk::Missing, "", String::new());
    let everything = FormField { key: String::new(), kind: FieldKind::Opaque, within: Vec::new() };
    push(Junk::Plausible, "", body(&form.others(plausible, entry.name, &everything), None));
    push(Junk::Script, "unexpected", format!("unexpected={}", encode(SCRIPT)));
    let variants_with_fields: Vec<(String, &'static str)> =
        shape.fields.iter().flat_map(|f| f.within.iter().cloned()).collect();
    for field in &shape.fields {
        let key = match field.kind {
            FieldKind::Map => format!("{}[x-1]", field.key),
            FieldKind::List => format!("{}[0]", field.key),
            _ => field.key.clone(),
        };
        let plausible_value = match &field.kind {
            FieldKind::Choice(variants) => variants
                .iter()
                .find(|v| !variants_with_fields.iter().any(|(k, w)| *k == field.key && w == *v))
                .or(variants.first())
                .map(|v| (*v).to_owned())
                .unwrap_or_default(),
            _ => plausible.value(entry.name, field),
        };
        let others = form.others(plausible, entry.name, field);
        for junk in Junk::ALL {
            if junk == Junk::Huge && caller != Caller::Administrator {
                continue;
            }
            let others: &[(String, String)] = if junk == Junk::ScriptAlone { &[] } else { &others };
            push(junk, &key, body(others, Some((&key, junk, &plausible_value))));
        }
    }
    out
}

/// Decodes `%XX` and `+`.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A form post without JavaScript. A refusal answers a redirect back with the error in the
/// address (or, where the form is kept, to the page with a token): an internal error there
/// counts as the 500 it stands for.
async fn without_javascript(
    app: &TestApp,
    request: &Request,
    cookies: &str,
) -> reqwest::Result<(u16, String)> {
    let response = app.post_form_raw(request.path, request.body.clone(), cookies).await?;
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(decode);
    let body = response.text().await?;
    match location {
        Some(location) if location.contains("\"Internal\"") || location.contains("\"Busy\"") => {
            Ok((500, format!("redirected with an internal error: {location}")))
        }
        Some(location) if location.contains("__err=") => Ok((400, location)),
        _ => Ok((status, body)),
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    client_errors: usize,
    failures: Vec<String>,
}

async fn junk_everywhere(t: &TestDb) {
    count_panics();
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = Arc::new(
        TestApp::spawn(t, |config| {
            config.rate_limit_sign_in_per_minute = u32::MAX;
            config.rate_limit_actions_per_minute = u32::MAX;
            config.rate_limit_api_per_minute = u32::MAX;
        })
        .await,
    );
    let plausible = Plausible::from(&app, &t.db).await;
    let started = std::time::Instant::now();

    // A session of its own per function and caller: signing out or in spoils only that one.
    let mut requests = Vec::new();
    for entry in SERVER_FUNCTIONS {
        for caller in [Caller::Anonymous, Caller::WithoutRights, Caller::Administrator] {
            requests.extend(requests_for(entry, caller, &plausible));
        }
    }
    let mut sessions: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for entry in SERVER_FUNCTIONS {
        sessions.insert((entry.name, "sara"), app.sign_in_as("Sara Lindqvist").await);
        sessions.insert((entry.name, "maria"), app.sign_in_as("Maria Lund").await);
    }
    let sessions = Arc::new(sessions);

    let mut tally = Tally::default();
    let mut running = tokio::task::JoinSet::new();
    let mut queue = requests.into_iter();
    loop {
        while running.len() < CONCURRENCY {
            let Some(request) = queue.next() else { break };
            let app = app.clone();
            let sessions = sessions.clone();
            running.spawn(async move {
                let cookies = match request.caller {
                    Caller::Anonymous => String::new(),
                    Caller::WithoutRights => sessions[&(request.function, "sara")].clone(),
                    Caller::Administrator => sessions[&(request.function, "maria")].clone(),
                };
                let answer = if request.without_javascript {
                    without_javascript(&app, &request, &cookies).await
                } else {
                    app.call_raw(request.path, request.body.clone(), &cookies).await
                };
                (request, answer)
            });
        }
        let Some(done) = running.join_next().await else { break };
        let (request, answer) = done.expect("a request task panicked");
        tally.requests += 1;
        let describe = || {
            format!(
                "{} as {:?}{}, {:?} at {:?}",
                request.function,
                request.caller,
                if request.without_javascript { " without JavaScript" } else { "" },
                request.junk,
                request.key
            )
        };
        if std::env::var("JUNK_TRACE").is_ok()
            && let Ok((status, body)) = &answer
        {
            let body: String = body.chars().take(200).collect();
            eprintln!(
                "<- {} {:?} {:?} {:?} {} {status} {body}",
                request.function, request.caller, request.junk, request.key, request.without_javascript
            );
        }
        match answer {
            Ok((status, _)) if (400..500).contains(&status) => tally.client_errors += 1,
            Ok((status, body)) if status >= 500 => {
                let body: String = body.chars().take(300).collect();
                tally.failures.push(format!("{}: answered {status}: {body}", describe()));
            }
            Ok(_) => {}
            Err(error) => tally.failures.push(format!("{}: no answer: {error}", describe())),
        }
    }

    let panics = PANICS.load(Ordering::SeqCst);
    figure!(
        "junk: {} requests, {} answered 4xx, {} answered 5xx, {panics} panics ({}, {:.1} s)",
        tally.requests,
        tally.client_errors,
        tally.failures.len(),
        t.db.backend().name(),
        started.elapsed().as_secs_f64()
    );
    for failure in tally.failures.iter().take(60) {
        figure!("  {failure}");
    }
    // What the junk left behind shows as text, never as markup.
    let maria = app.sign_in_as("Maria Lund").await;
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let emma = app.sign_in_as("Emma Novak").await;
    let call_page = format!("/calls/{}", plausible.call);
    let pages: [(&str, &str); 8] = [
        ("/", ""),
        ("/calls", ""),
        (&call_page, ""),
        ("/catalogue", ""),
        ("/nodes/stockholm", ""),
        ("/admin/audit", &maria),
        ("/applications", &sara),
        ("/proposals", &emma),
    ];
    for (path, cookies) in pages {
        let (status, html) = app.get_text(path, cookies).await;
        assert!(status < 500, "{path} answered {status}");
        let lower = html.to_lowercase();
        for markup in ["<script>alert(1)", "<meta http-equiv"] {
            assert!(!lower.contains(markup), "{path} shows junk as markup: {markup}");
        }
    }

    assert!(tally.failures.is_empty(), "{} junk requests answered 5xx or not at all", tally.failures.len());
    assert_eq!(panics, 0, "junk made the server panic");
}

on_both_backends!(no_junk_gets_a_server_error, |t| {
    junk_everywhere(t).await;
});
