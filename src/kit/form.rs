//! Forms with mistakes: a handler that finds field errors re-renders its form with each message
//! beside its field and answers 422 Unprocessable Content, the same way everywhere.
//!
//! `respond(page, failed)` for a page that shows a form, with or without errors; `invalid(page)`
//! as the error of a handler that stops at the first failed step with `?`.

use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppError;

/// The page as it is when `failed` is false; with status 422 when the form it shows has errors.
pub fn respond(mut page: Response, failed: bool) -> Response {
    if failed {
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    page
}

/// A form re-rendered with its errors, as the handler's error: answered with status 422.
pub fn invalid(page: Response) -> AppError {
    AppError::Invalid(Box::new(std::sync::Mutex::new(page)))
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;

    #[test]
    fn a_form_with_errors_is_a_422_and_keeps_its_page() {
        let page = || (StatusCode::OK, "the form").into_response();
        assert_eq!(respond(page(), false).status(), StatusCode::OK);
        assert_eq!(
            respond(page(), true).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let answer = invalid(page()).into_response();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The page itself is the answer: no generic error page replaces it.
        assert!(
            answer
                .extensions()
                .get::<crate::error::ErrorPage>()
                .is_none()
        );
    }
}
