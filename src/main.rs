//! The `duluan` binary: `serve`, `migrate`, `reindex`, `backup`, `restore`, `user add`,
//! `orgs import`, and the engine
//! fronts `stats`, `forms`, `text`. The benchmarks are ignored tests (`tests/app/bench/`).

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use duluan::accounts::model::Role;
use duluan::cli;
use duluan::config::{Config, DatabaseConfig};

/// mimalloc instead of the C library's allocator: requests allocate many small, short-lived
/// values on two threads at once, where glibc's malloc spent about a sixth of the server's time
/// (profile in docs/benchmarks/surveys.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "duluan",
    version,
    about = "duluan — nền tảng công tác dư luận xã hội / public-opinion work platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the web server (migrates the database first).
    Serve(Config),
    /// Apply database migrations and exit.
    Migrate(DatabaseConfig),
    /// Rebuild the monitoring search index from the database (the server should be stopped).
    Reindex(DatabaseConfig),
    /// Write a consistent copy of the embedded database while the server runs.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Replace the embedded database by a backup (the server must be stopped; the current
    /// database is kept beside it) and rebuild the search index.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Manage users from the command line.
    #[command(subcommand)]
    User(UserCommand),
    /// Organisation tree tools.
    #[command(subcommand)]
    Orgs(OrgsCommand),
    /// Survey statistics over a CSV file.
    Stats(cli::stats::StatsArgs),
    /// Questionnaires: check and convert XLSForms.
    Forms(cli::forms::FormsArgs),
    /// Vietnamese text tools.
    Text(cli::text::TextArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user with a role at a unit (e.g. the first administrator).
    Add {
        /// Login name.
        #[arg(long)]
        name: String,
        /// Role: administrator, analyst, reporter, collaborator, designer, interviewer, verifier, viewer.
        #[arg(long)]
        role: String,
        /// Unit code (e.g. 92) or #id.
        #[arg(long)]
        unit: String,
        /// Display name (defaults to the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Make the user platform-wide: their role holds over every tree of units (also trees
        /// imported later) and the deployment-wide settings (mail, thresholds, unit types). A
        /// grant at one top-level unit alone is not platform-wide. The first administrator needs it.
        #[arg(long)]
        platform_wide: bool,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

#[derive(Debug, Subcommand)]
enum OrgsCommand {
    /// Import units from a CSV file (all or nothing), as top-level administrator.
    Import {
        /// The CSV file (columns code,name,type[,parent_code,valid_from,valid_to,note]).
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(config) => {
            init_logs(config.log_format == "json");
            runtime()?.block_on(duluan::app::serve(config))?;
        }
        Command::Migrate(database) => {
            init_logs(false);
            runtime()?.block_on(async {
                let db = database.open().await?;
                db.migrate().await?;
                println!("migrations applied ({})", db.backend());
                anyhow::Ok(())
            })?;
        }
        Command::Reindex(database) => {
            init_logs(false);
            runtime()?.block_on(async {
                let mut config = duluan::config::Config::for_database(
                    database.data_dir.clone(),
                    database.database_url.clone(),
                );
                config.database = database;
                duluan::monitoring::index::reindex_command(&config).await
            })?;
        }
        Command::Backup { to, database } => {
            init_logs(false);
            runtime()?.block_on(async {
                let db = database.open().await?;
                let done = duluan::ops::backup::backup(&db, &to).await;
                db.close().await;
                let s = done?;
                println!(
                    "Đã sao lưu {} bảng ({} byte) vào {}.\nBacked up {} tables ({} bytes) to {}.",
                    s.tables,
                    s.bytes,
                    to.display(),
                    s.tables,
                    s.bytes,
                    to.display()
                );
                anyhow::Ok(())
            })?;
        }
        Command::Restore { from, database } => {
            init_logs(false);
            if database.database_url.is_some() {
                anyhow::bail!(
                    "khôi phục chỉ dành cho cơ sở dữ liệu nhúng; PostgreSQL dùng pg_restore / restore is for the embedded database; PostgreSQL uses pg_restore (docs/operations.md)"
                );
            }
            runtime()?.block_on(async {
                let s = duluan::ops::backup::restore(&from, &database.data_dir).await?;
                println!(
                    "Đã khôi phục {} bảng từ {}; chỉ mục tìm kiếm đã được lập lại.\nRestored {} tables from {}; the search index was rebuilt.",
                    s.tables,
                    from.display(),
                    s.tables,
                    from.display()
                );
                anyhow::Ok(())
            })?;
        }
        Command::User(UserCommand::Add {
            name,
            role,
            unit,
            display_name,
            password_stdin,
            platform_wide,
            database,
        }) => {
            init_logs(false);
            let role = Role::parse(&role).with_context(|| {
                let roles: Vec<_> = Role::ALL.iter().map(|r| r.key()).collect();
                format!("unknown role {role:?}; roles: {}", roles.join(", "))
            })?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                (s.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                let mut bytes = [0u8; 12];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
                (hex::encode(bytes), true)
            };
            runtime()?.block_on(async {
                let db = database.open().await?;
                db.migrate().await?;
                let unit_id = duluan::orgs::resolve_unit_ref(&db, &unit)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .with_context(|| {
                        format!("no unit with code {unit:?} (use a code such as 92, or #id)")
                    })?;
                let display = display_name.unwrap_or_else(|| name.clone());
                let id =
                    duluan::accounts::create_user(&db, &name, &display, &password, role, unit_id)
                        .await
                        .map_err(|e| anyhow::anyhow!("cannot create the user: {e}"))?;
                if platform_wide {
                    let system = duluan::accounts::system_actor();
                    duluan::accounts::set_platform_wide(&db, &system, id, true)
                        .await
                        .map_err(|e| anyhow::anyhow!("cannot make the user platform-wide: {e}"))?;
                }
                anyhow::Ok(())
            })?;
            println!("user {name} created ({} at {unit})", role.key());
            if generated {
                println!("password: {password}");
            }
        }
        Command::Orgs(OrgsCommand::Import { file, database }) => {
            init_logs(false);
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let summary =
                runtime()?.block_on(duluan::orgs::actions::import_file(&database, &bytes))?;
            println!(
                "imported: {} created, {} updated",
                summary.created, summary.updated
            );
        }
        Command::Stats(args) => return cli::stats::run(args),
        Command::Forms(args) => return cli::forms::run(args),
        Command::Text(args) => return cli::text::run(args),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
