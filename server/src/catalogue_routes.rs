//! The national catalogue for harvesters (`/catalog.ttl`, `.jsonld`, `.rdf`, paged with
//! Hydra), and the demo node catalogues the portal serves for itself in demo mode.

use app::catalogue::dcat::{self, CatalogueFormat, PageInfo};
use app::request::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(catalogue_negotiated))
        .route("/catalog.ttl", get(|s, q| catalogue_page(s, q, CatalogueFormat::Turtle)))
        .route("/catalog.jsonld", get(|s, q| catalogue_page(s, q, CatalogueFormat::JsonLd)))
        .route("/catalog.rdf", get(|s, q| catalogue_page(s, q, CatalogueFormat::RdfXml)))
}

fn text(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message.to_owned()).into_response()
}

/// `/catalog` itself: the first page in the format the caller asks for (Turtle by default).
async fn catalogue_negotiated(headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let format = [CatalogueFormat::JsonLd, CatalogueFormat::RdfXml, CatalogueFormat::Turtle]
        .into_iter()
        .find(|f| accept.contains(f.media_type()))
        .unwrap_or(CatalogueFormat::Turtle);
    Redirect::to(&format!("/catalog.{}?page=1", format.extension())).into_response()
}

async fn catalogue_page(
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    format: CatalogueFormat,
) -> Response {
    let page = match query.map(|Query(q)| q.page) {
        Ok(None) => 1,
        Ok(Some(page)) => match page.parse::<i64>() {
            Ok(page) if (1..=1_000_000).contains(&page) => page,
            _ => return text(StatusCode::BAD_REQUEST, "page must be a whole number from 1"),
        },
        Err(_) => return text(StatusCode::BAD_REQUEST, "page must be a whole number from 1"),
    };
    let page_size = i64::from(state.config.catalog_page_size.clamp(1, 1000));
    let (total, datasets) = match app::catalogue::store::published_page(&state.db, page, page_size).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "catalogue page failed");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    let info = PageInfo { page, page_size, total_items: total, format };
    if page > info.last_page() {
        return text(StatusCode::NOT_FOUND, "no such page");
    }
    let triples = dcat::catalogue_page(&state.config.public_url, info, &datasets);
    let body = match dcat::serialize(&triples, format) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "catalogue serialisation failed");
            return text(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = format!("{}; charset=utf-8", format.media_type());
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).unwrap_or(HeaderValue::from_static("text/plain")),
    );
    if page < info.last_page() {
        let next = format!("</catalog.{}?page={}>; rel=\"next\"", format.extension(), page + 1);
        if let Ok(value) = HeaderValue::from_str(&next) {
            headers.insert(header::LINK, value);
        }
    }
    response
}

/// The demo node catalogues (fictional; `server/demo-catalogues/`). The tests serve the
/// same router on a port of their own as the "fixture catalogue server".
pub mod demo {
    use super::*;

    pub const FILES: &[(&str, &str)] = &[
        ("uppsala/page-1.ttl", include_str!("../demo-catalogues/uppsala/page-1.ttl")),
        ("uppsala/page-2.ttl", include_str!("../demo-catalogues/uppsala/page-2.ttl")),
        ("uppsala-later/page-1.ttl", include_str!("../demo-catalogues/uppsala-later/page-1.ttl")),
        ("uppsala-later/page-2.ttl", include_str!("../demo-catalogues/uppsala-later/page-2.ttl")),
        ("lund-malmo/page-1.jsonld", include_str!("../demo-catalogues/lund-malmo/page-1.jsonld")),
        ("lund-malmo/page-2.jsonld", include_str!("../demo-catalogues/lund-malmo/page-2.jsonld")),
        ("umea/page-1.rdf", include_str!("../demo-catalogues/umea/page-1.rdf")),
        ("umea/page-2.rdf", include_str!("../demo-catalogues/umea/page-2.rdf")),
        ("orebro/page-1.ttl", include_str!("../demo-catalogues/orebro/page-1.ttl")),
        ("orebro/page-2.ttl", include_str!("../demo-catalogues/orebro/page-2.ttl")),
    ];

    /// Stateless, so it serves inside the portal or on its own.
    pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
        Router::new()
            .route("/demo-catalogues/{folder}/", get(folder_page))
            .route("/demo-catalogues/{folder}/{file}", get(file))
            .route("/demo-catalogues/{folder}/datasets/{id}", get(dataset_page))
    }

    async fn file(Path((folder, file)): Path<(String, String)>) -> Response {
        let path = format!("{folder}/{file}");
        let Some((_, body)) = FILES.iter().find(|(p, _)| *p == path) else {
            return text(StatusCode::NOT_FOUND, "no such demo catalogue page");
        };
        let extension = file.rsplit('.').next().unwrap_or_default();
        let media =
            CatalogueFormat::from_extension(extension).map(|f| f.media_type()).unwrap_or("text/plain");
        ([(header::CONTENT_TYPE, format!("{media}; charset=utf-8"))], *body).into_response()
    }

    fn known_folder(folder: &str) -> bool {
        FILES.iter().any(|(p, _)| p.split('/').next() == Some(folder))
    }

    fn page(title: &str, body: &str) -> Response {
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>{title}</title></head>\
             <body><main><p><strong>Demo node catalogue: fictional.</strong> The portal serves this page so that \
             links back to a node's catalogue work in the demo.</p><h1>{title}</h1>{body}</main></body></html>"
        );
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
    }

    /// Only plain slugs are echoed back into HTML.
    fn plain(value: &str) -> bool {
        !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    async fn folder_page(Path(folder): Path<String>) -> Response {
        if !known_folder(&folder) || !plain(&folder) {
            return text(StatusCode::NOT_FOUND, "no such demo catalogue");
        }
        let links: String = FILES
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{folder}/")))
            .map(|(p, _)| {
                let file = p.rsplit('/').next().unwrap_or_default();
                format!("<li><a href=\"{file}\">{file}</a></li>")
            })
            .collect();
        page(&format!("Catalogue of the {folder} node"), &format!("<ul>{links}</ul>"))
    }

    async fn dataset_page(Path((folder, id)): Path<(String, String)>) -> Response {
        if !known_folder(&folder) || !plain(&folder) || !plain(&id) {
            return text(StatusCode::NOT_FOUND, "no such demo dataset");
        }
        page(&format!("Dataset {id}"), &format!("<p>Entry {id} in the {folder} node's catalogue.</p>"))
    }
}
