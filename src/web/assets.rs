//! Static files compiled into the binary: nothing is loaded from outside.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const HTMX: &[u8] = include_bytes!("../../assets/vendor/htmx.min.js");
const CSS: &[u8] = include_bytes!("../../assets/app.css");

/// A static file compiled into the binary, with its type and an hour of caching.
pub fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// `GET /assets/htmx.min.js` (htmx 2.0.11, 0BSD, from the npm registry).
pub async fn htmx() -> Response {
    asset(HTMX, "text/javascript; charset=utf-8")
}

/// `GET /assets/app.css`.
pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}
