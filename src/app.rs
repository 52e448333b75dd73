//! Start-up: the shared state, the router with its middleware, the server and its graceful
//! shutdown. Tests start the same server on `127.0.0.1:0` through [`spawn`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub config: Arc<Config>,
    /// Opinion monitoring's search index and models.
    pub monitoring: crate::monitoring::Runtime,
    /// The rate limits of the public survey endpoints, per client address.
    pub survey_limits: crate::surveys::ratelimit::Limiter,
    /// The interviews the results pages read last, by survey, while unchanged.
    pub results_cache: crate::surveys::results::Cache,
    /// This process's name among the nodes on the same database (its job leases).
    pub node: std::sync::Arc<str>,
}

impl AppState {
    /// The state of a server on `db` with `config` (opens the search index in the data folder).
    pub fn new(db: Db, config: Config) -> AppState {
        let monitoring = crate::monitoring::Runtime::open(&config.database.data_dir);
        AppState {
            db,
            config: Arc::new(config),
            monitoring,
            survey_limits: Default::default(),
            results_cache: Default::default(),
            node: uuid::Uuid::new_v4().to_string().into(),
        }
    }
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let csrf = CsrfLayer::new().with_rejection_response(|_err| -> Response<axum::body::Body> {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Yêu cầu bị từ chối: biểu mẫu được gửi từ một trang khác (CSRF).\n\
             Request refused: the form was sent from another site (CSRF).\n",
        )
            .into_response()
    });
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::web::routes())
        .merge(crate::accounts::routes())
        .merge(crate::orgs::routes())
        .merge(crate::audit::routes())
        .merge(crate::collaborators::routes())
        .merge(crate::reporting::routes())
        .merge(crate::mail::routes())
        .merge(crate::surveys::routes())
        .merge(crate::monitoring::routes())
        .merge(crate::documents::routes())
        .merge(crate::hotspots::routes())
        .merge(crate::briefings::routes())
        .merge(crate::training::routes())
        .merge(crate::plans::routes())
        .merge(crate::dashboard::routes())
        .merge(crate::ops::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::ctx::request_context,
        ))
        .layer(csrf)
        .layer(axum::middleware::from_fn(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
        // Outermost, so that every answer is counted (a redirect to the login page too); a
        // router's layers run after routing, so the route's template is known.
        .layer(axum::middleware::from_fn(crate::ops::track))
        .with_state(state)
}

/// The bytes a request body may have: 20 MB, except the routes that take larger files and say
/// so (a scanned stack of paper sheets, `surveys::paper::scan_upload_limit`); those routes still
/// set their own extractor limit (`DefaultBodyLimit`).
pub const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// [`RequestBodyLimitLayer`] with the limit of the request's route: a `Content-Length` over it
/// is refused at once (413), a body without one is cut off there.
async fn body_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use tower::{ServiceBuilder, ServiceExt as _};
    let limit = crate::surveys::paper::scan_upload_limit(req.method(), req.uri().path())
        .unwrap_or(BODY_LIMIT);
    let service = ServiceBuilder::new()
        .layer(RequestBodyLimitLayer::new(limit))
        .map_request(|r: axum::http::Request<_>| r.map(axum::body::Body::new))
        .service(next);
    match service.oneshot(req).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
    }
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

/// Opens and migrates the configured database, filling the demo when asked.
pub async fn prepare(config: &Config) -> anyhow::Result<Db> {
    let db = config.database.open().await?;
    db.migrate().await.context("database migration failed")?;
    if config.demo {
        crate::demo::load(&db).await?;
    }
    Ok(db)
}

/// A running server (for tests and tools).
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The state it serves.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `config.addr` (before spawning, so the address is ready) and serves `db` in a task.
pub async fn spawn(config: Config, db: Db) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(db, config);
    // Requests are counted from the first one (`/metrics`).
    crate::ops::recorder();
    let app = router(state.clone());
    let indexer = crate::monitoring::spawn_indexer(state.clone());
    let checkpointer = state.db.spawn_checkpointer();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "server stopped with an error");
        }
        indexer.abort();
        if let Some(c) = checkpointer {
            c.abort();
        }
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// `duluan serve`: runs until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // One server per data folder: a restore (or a second server) waits for it to stop.
    let _folder = crate::ops::backup::lock_folder(&config.database.data_dir)?;
    let db = prepare(&config).await?;
    if config.demo {
        crate::accounts::demo::print_logins();
    }
    let running = spawn(config, db.clone()).await?;
    tracing::info!(
        addr = %running.addr,
        backend = db.backend(),
        startup_ms = started.elapsed().as_millis() as u64,
        "duluan is listening on http://{}",
        running.addr
    );
    // Background work of the contexts: the mail outbox sender, the reporting reminders, and
    // monitoring's sources, models, clusters and alerts.
    crate::mail::spawn_workers(running.state.clone());
    crate::reporting::jobs::spawn_workers(running.state.clone());
    crate::monitoring::spawn_workers(running.state.clone());
    crate::surveys::jobs::spawn_workers(running.state.clone());
    crate::surveys::fieldwork::email::spawn_workers(running.state.clone());
    crate::ops::retention::spawn_workers(running.state.clone());
    let cleaner = tokio::spawn(clean_sessions(db.clone()));
    shutdown_signal().await;
    tracing::info!("shutting down");
    crate::ops::lease::release_all(&running.state).await;
    cleaner.abort();
    running.stop().await;
    db.close().await;
    Ok(())
}

async fn clean_sessions(db: Db) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        let run = crate::accounts::end_expired_sessions(&db).await;
        crate::ops::job_ran("sessions_cleanup", run.is_ok());
        if let Err(err) = run {
            tracing::warn!(error = %err, "could not remove expired sessions");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
