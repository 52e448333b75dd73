//! The page frame shared by every page: title, language, navigation, the logged-in user.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use crate::web::ctx::Ctx;
use crate::web::i18n::Tr;
use crate::web::nav::CONTEXTS;

/// One entry of the navigation.
#[derive(Clone, Debug)]
pub struct NavLink {
    /// Target.
    pub href: &'static str,
    /// Translated label.
    pub label: String,
    /// The current page belongs here.
    pub active: bool,
    /// Built yet, or a page that says it is not.
    pub built: bool,
}

/// What the frame shows around every page.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// Translator.
    pub tr: Tr,
    /// Page language code for `<html lang>`.
    pub lang: &'static str,
    /// Page title.
    pub title: String,
    /// Display name of the logged-in user.
    pub user_name: Option<String>,
    /// Navigation entries the user may open.
    pub nav: Vec<NavLink>,
    /// The path of the page (for the language switch).
    pub path: String,
}

impl Chrome {
    /// Builds the frame for a request.
    pub fn new(ctx: &Ctx, title: String) -> Chrome {
        let path_only = ctx.path.split('?').next().unwrap_or("/");
        let nav = match &ctx.user {
            None => vec![],
            Some(user) => CONTEXTS
                .iter()
                .filter(|c| c.capability.is_none_or(|cap| user.has_anywhere(cap)))
                .map(|c| NavLink {
                    href: c.href,
                    label: ctx.tr.t(c.label_key),
                    active: if c.href == "/" {
                        path_only == "/"
                    } else {
                        path_only.starts_with(c.href)
                    },
                    built: c.built,
                })
                .collect(),
        };
        Chrome {
            tr: ctx.tr,
            lang: ctx.tr.lang().code(),
            title,
            user_name: ctx.user.as_ref().map(|u| u.display_name.clone()),
            nav,
            path: ctx.path.clone(),
        }
    }
}

/// Renders a template into a page; a rendering failure is logged and shown as a plain error.
pub trait RenderPage {
    /// The HTML text.
    fn render_page(&self) -> String;
}

impl<T: Template> RenderPage for T {
    fn render_page(&self) -> String {
        self.render().unwrap_or_else(|err| {
            tracing::error!(error = %err, "template rendering failed");
            "<!doctype html><title>Error</title><p>Lỗi hiển thị trang / Page rendering error</p>"
                .into()
        })
    }
}

/// A rendered template as a response.
pub fn page<T: Template>(template: T) -> Response {
    Html(template.render_page()).into_response()
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate {
    /// Frame.
    pub c: Chrome,
    /// Translated message.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}
