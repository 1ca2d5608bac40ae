//! `chongdich`: the server and its command-line tools.

#![allow(clippy::print_stdout)]

mod config;

use anyhow::{Context, Result, bail};
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::clock::{SharedClock, ShiftedClock, SystemClock};
use chongdich_domain::user::{Username, check_password, parse_display_name};
use chongdich_store::Store;
use chongdich_store::audit::{AuditFilter, Who};
use chongdich_store::users::NewUser;
use chongdich_web::auth::password;
use chongdich_web::{AppState, WebSettings};
use clap::{Parser, Subcommand};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "chongdich",
    version,
    about = "Phần mềm điều hành phòng, chống dịch cấp tỉnh"
)]
struct Cli {
    /// An optional TOML configuration file (keys: addr, database_url, no_demo, province, today, secure_cookies, session_hours, trusted_proxies).
    #[arg(long, env = "CHONGDICH_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// sqlite://path?mode=rwc or postgres://user:password@host/db (default: a SQLite file in ./data/).
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (creates the schema; loads the demo province on first start).
    Serve {
        /// HOST:PORT to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "CHONGDICH_ADDR")]
        addr: Option<String>,
        /// Start with an empty database: no demo province, no demo accounts.
        #[arg(long, env = "CHONGDICH_NO_DEMO")]
        no_demo: bool,
        /// The deployment: the provinces whose units are loaded at start (GSO codes, comma
        /// separated, e.g. 12,20), or `all` for the whole country. Replaces the demo.
        #[arg(long, env = "CHONGDICH_PROVINCE")]
        province: Option<String>,
        /// The date the application believes it is (YYYY-MM-DD), for demos and training.
        #[arg(long, env = "CHONGDICH_TODAY")]
        today: Option<String>,
        /// Mark cookies Secure (set when the server is behind TLS).
        #[arg(long, env = "CHONGDICH_SECURE_COOKIES")]
        secure_cookies: bool,
        /// How long a sign-in lasts, in hours (default 12).
        #[arg(long, env = "CHONGDICH_SESSION_HOURS")]
        session_hours: Option<i64>,
        /// Reverse proxies (addresses or CIDR networks, comma separated, e.g. 127.0.0.1,::1)
        /// whose X-Forwarded-For names the client, for the per-address limits and the audit log.
        #[arg(long, env = "CHONGDICH_TRUSTED_PROXIES")]
        trusted_proxies: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative units.
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Synthetic data for demos, training and benchmarks.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Area risk levels: what-if assessments from a file (no database needed).
    Risk {
        #[command(subcommand)]
        command: RiskCommand,
    },
    /// Directives: what the parser reads in a document (no database needed).
    Directive {
        #[command(subcommand)]
        command: DirectiveCommand,
    },
}

#[derive(Subcommand)]
enum DirectiveCommand {
    /// Parse a directive (.txt or .md in UTF-8, or .docx) and print what was read as JSON:
    /// kind, number, date, subject, recipients, references, items with lead and support
    /// agencies and deadlines, distribution, signer. Exit code 2 when the file cannot be read.
    Parse {
        /// The document.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum RiskCommand {
    /// Assess the units of a what-if file under a rule set and print the levels and reasons as
    /// JSON. Reads no settings and opens no database.
    Assess {
        /// A shipped rule set (qd2686, qd4800, qd218; see `risk rules`) or a rule-set file
        /// (*.json). Default: the shipped set in force on the file's as_of.
        #[arg(long)]
        rules: Option<String>,
        /// The what-if file: {"as_of", "units", "cases", "coverage", "capacity", "facts",
        /// "previous"}.
        #[arg(long)]
        input: PathBuf,
    },
    /// List the shipped rule sets and their dates.
    Rules,
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Generate a synthetic dataset (people, outbreaks, cases, contacts, tests, F-levels) into
    /// the wards of loaded provinces. Deterministic from the seed; adds to what is there.
    Generate {
        /// The seed: the same seed gives the same dataset.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The provinces people live in (GSO codes, comma separated, e.g. 12,20), or `all`
        /// (every province loaded). Their units must be loaded (`units import`).
        #[arg(long, default_value = "all")]
        province: String,
        /// How many people.
        #[arg(long, default_value_t = 100_000)]
        people: u64,
        /// How many confirmed cases, spread over outbreaks of varied size (at most a quarter
        /// of the people).
        #[arg(long, default_value_t = 5_000)]
        cases: u64,
        /// The dataset's "today" (YYYY-MM-DD): every date is on or before it, the units in
        /// force then are used, and the F-levels are those of that day (default: today).
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Load the official units of both structures (before and after 01/07/2025) and the ward
    /// mapping, from the lists shipped in the binary or from given files. Idempotent.
    Import {
        /// Only these provinces (GSO codes, e.g. 12 20); default: the whole country.
        #[arg(long = "province", num_args = 1..)]
        provinces: Vec<String>,
        /// units-legacy.csv to use instead of the shipped list.
        #[arg(long)]
        legacy: Option<PathBuf>,
        /// units-2025.csv to use instead of the shipped list.
        #[arg(long)]
        current: Option<PathBuf>,
        /// ward-mapping-2025.csv to use instead of the shipped list.
        #[arg(long)]
        mapping: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints a random password unless --password-stdin is given.
    Add {
        username: String,
        /// The person's name as shown on screen.
        #[arg(long)]
        name: String,
        /// administrator, steering_committee, health_officer, commune_health_worker,
        /// checkpoint_officer, quarantine_manager, vaccination_site, viewer
        #[arg(long)]
        role: String,
        /// The area the role covers (with everything below it), e.g. N12, L105, VN.
        #[arg(long)]
        area: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (random and printed, or from standard input); ends the account's sessions.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its sessions end and its API tokens stop working.
    Disable { username: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Write the audit log as CSV (to standard output or a file).
    Export {
        /// First day, dd/mm/yyyy or YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day, included.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        username: Option<String>,
        /// Entries of this area and everything below it.
        #[arg(long)]
        area: Option<String>,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn open(url: &str, clock: SharedClock) -> Result<Store> {
    config::prepare_sqlite(url)?;
    let store = Store::connect(url, clock)
        .await
        .with_context(|| format!("cannot open the database {}", redact(url)))?;
    for m in store.migrate().await? {
        tracing::info!("migrated: {m}");
    }
    Ok(store)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn read_password_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    let p = s.trim_end_matches(['\n', '\r']).to_owned();
    check_password("password", &p).map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(p)
}

async fn run(cli: Cli) -> Result<()> {
    // The what-if commands need neither the settings nor the database: branch before both.
    if let Command::Risk { command } = &cli.command {
        return risk_command(command);
    }
    if let Command::Directive { command } = &cli.command {
        return directive_command(command);
    }
    let file = config::FileConfig::load(cli.config.as_deref())?;
    let url = config::check_database_url(
        cli.database_url
            .as_deref()
            .or(file.database_url.as_deref())
            .unwrap_or(config::DEFAULT_DATABASE_URL),
    )?;
    let system: SharedClock = Arc::new(SystemClock);
    match cli.command {
        Command::Serve {
            addr,
            no_demo,
            province,
            today,
            secure_cookies,
            session_hours,
            trusted_proxies,
        } => {
            let addr = config::parse_addr(
                addr.as_deref()
                    .or(file.addr.as_deref())
                    .unwrap_or(config::DEFAULT_ADDR),
            )?;
            let clock: SharedClock = match today.or(file.today.clone()) {
                Some(t) => Arc::new(ShiftedClock::to_date(
                    config::parse_today(&t)?,
                    chrono::Utc::now(),
                )),
                None => system,
            };
            let hours =
                config::check_session_hours(session_hours.or(file.session_hours).unwrap_or(12))?;
            let settings = WebSettings {
                secure_cookies: secure_cookies || file.secure_cookies.unwrap_or(false),
                session_ttl: chrono::Duration::hours(hours),
                trusted_proxies: config::parse_trusted_proxies(
                    trusted_proxies
                        .as_deref()
                        .or(file.trusted_proxies.as_deref())
                        .unwrap_or(""),
                )?,
                ..WebSettings::default()
            };
            let deployment = match province.or(file.province.clone()) {
                Some(p) => Some(config::parse_provinces(&p)?),
                None => None,
            };
            serve(
                &url,
                addr,
                no_demo || file.no_demo.unwrap_or(false),
                deployment,
                clock,
                settings,
            )
            .await
        }
        Command::Migrate => {
            let store = open(&url, system).await?;
            println!("Cơ sở dữ liệu đã ở phiên bản mới nhất ({}).", redact(&url));
            store.close().await?;
            Ok(())
        }
        Command::Units {
            command:
                UnitsCommand::Import {
                    provinces,
                    legacy,
                    current,
                    mapping,
                },
        } => {
            let store = open(&url, system).await?;
            let started = Instant::now();
            let read = |p: &Option<PathBuf>, shipped: &'static str| -> Result<String> {
                match p {
                    Some(p) => std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display())),
                    None => Ok(shipped.to_owned()),
                }
            };
            use chongdich_domain::area::Structure;
            use chongdich_domain::units::{parse_mapping_csv, parse_units_csv};
            use chongdich_store::units::{CURRENT_CSV, LEGACY_CSV, MAPPING_CSV, UnitData};
            let l = parse_units_csv(&read(&legacy, LEGACY_CSV)?, Structure::Legacy)?;
            let c = parse_units_csv(&read(&current, CURRENT_CSV)?, Structure::Current)?;
            let m = parse_mapping_csv(&read(&mapping, MAPPING_CSV)?)?;
            let bad: Vec<String> = [
                ("legacy", &l.errors),
                ("current", &c.errors),
                ("mapping", &m.errors),
            ]
            .iter()
            .flat_map(|(f, errs)| {
                errs.iter()
                    .map(move |e| format!("{f} line {}: {}: {}", e.line, e.field, e.message))
            })
            .collect();
            if !bad.is_empty() {
                bail!(
                    "nothing imported; {} bad rows:\n{}",
                    bad.len(),
                    bad.join("\n")
                );
            }
            let only: Vec<&str> = provinces.iter().map(String::as_str).collect();
            let result = store
                .import_units(
                    &UnitData {
                        legacy: &l.rows,
                        current: &c.rows,
                        mapping: &m.rows,
                    },
                    if only.is_empty() { None } else { Some(&only) },
                )
                .await?;
            println!(
                "Đã nạp {} đơn vị, {} quan hệ cây, {} cặp sáp nhập trong {:.2} giây.",
                result.areas,
                result.closure_rows,
                result.mapping_rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User { command } => user_command(&url, system, command).await,
        Command::Demo {
            command:
                DemoCommand::Generate {
                    seed,
                    province,
                    people,
                    cases,
                    today,
                },
        } => {
            let today = match today {
                Some(t) => config::parse_today(&t)?,
                None => chrono::Utc::now().date_naive(),
            };
            let provinces = match config::parse_provinces(&province)? {
                config::Provinces::All => None,
                config::Provinces::Some(codes) => Some(codes),
            };
            let store = open(&url, system).await?;
            let opts = chongdich_web::demo::GenerateOptions {
                seed,
                provinces,
                people,
                cases,
                today,
                chunk: 20_000,
            };
            let mut last = Instant::now();
            let report = chongdich_web::demo::generate(&store, &opts, |r| {
                if last.elapsed().as_secs_f64() >= 10.0 {
                    last = Instant::now();
                    eprintln!(
                        "  {:>9} người, {:>8} ca bệnh, {:>9} tiếp xúc, {:>9} mẫu — {:.0} dòng/giây",
                        r.people,
                        r.cases,
                        r.exposures,
                        r.samples,
                        r.rows() as f64 / r.seconds.max(0.001)
                    );
                }
            })
            .await?;
            println!(
                "Đã tạo dữ liệu mô phỏng (seed {seed}, ngày {}): {} — {} dòng trong {:.1} giây ({:.0} dòng/giây).",
                today.format("%d/%m/%Y"),
                report.summary(),
                report.rows(),
                report.seconds,
                report.rows() as f64 / report.seconds.max(0.001)
            );
            if let Some(id) = report.big_outbreak_id {
                println!("Ổ dịch 1.000 ca: #{id}.");
            }
            store.close().await?;
            Ok(())
        }
        Command::Risk { command } => risk_command(&command),
        Command::Directive { command } => directive_command(&command),
        Command::Audit {
            command:
                AuditCommand::Export {
                    from,
                    to,
                    username,
                    area,
                    output,
                },
        } => {
            let store = open(&url, system).await?;
            let q = chongdich_web::api::audit::AuditQuery {
                from,
                to,
                username,
                area_id: area,
                ..Default::default()
            };
            let filter: AuditFilter = q.filter().map_err(|e| anyhow::anyhow!(e.to_string()))?;
            let mut out: Box<dyn Write> = match &output {
                Some(p) => Box::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot create {}", p.display()))?,
                ),
                None => Box::new(std::io::stdout().lock()),
            };
            use http_body_util::BodyExt;
            let mut body =
                chongdich_web::api::audit::csv_stream(store.clone(), Scope::everywhere(), filter);
            while let Some(frame) = body.frame().await {
                if let Ok(bytes) = frame?.into_data() {
                    out.write_all(&bytes)?;
                }
            }
            out.flush()?;
            store
                .audit(
                    &Who::console(),
                    chongdich_domain::audit::AuditEvent::new(
                        chongdich_domain::audit::AuditAction::Export,
                        "audit",
                        None,
                    )
                    .with_detail("chongdich audit export"),
                )
                .await?;
            Ok(())
        }
    }
}

/// `chongdich risk …`: pure, from files to standard output.
fn risk_command(command: &RiskCommand) -> Result<()> {
    use chongdich_domain::risk::{AssessInput, RiskRuleSet, assess, in_force, shipped};
    let sets = shipped();
    let known = || {
        sets.iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // One line per field; a parse error's message already names its path.
    let invalid = |what: &str, e: chongdich_domain::Invalid| {
        let lines: Vec<String> =
            e.0.iter()
                .map(|f| {
                    if f.message.starts_with("trường ") {
                        format!("  {}", f.message)
                    } else {
                        format!("  {}: {}", f.field, f.message)
                    }
                })
                .collect();
        anyhow::anyhow!("{what}:\n{}", lines.join("\n"))
    };
    match command {
        RiskCommand::Rules => {
            for s in &sets {
                let to = s
                    .valid_to
                    .map_or_else(|| "nay".to_owned(), |d| d.format("%d/%m/%Y").to_string());
                println!(
                    "{:<8} {} – {:<10}  {} ({} mức, {} tiêu chí)",
                    s.id,
                    s.valid_from.format("%d/%m/%Y"),
                    to,
                    s.name,
                    s.levels.len(),
                    s.criteria.len()
                );
            }
            Ok(())
        }
        RiskCommand::Assess { rules, input } => {
            // The rule set first: a wrong id is named before the file is read.
            let custom;
            let named: Option<&RiskRuleSet> = match rules {
                Some(r) if r.ends_with(".json") => {
                    let text =
                        std::fs::read_to_string(r).with_context(|| format!("cannot read {r}"))?;
                    custom = RiskRuleSet::from_json(&text)
                        .map_err(|e| invalid(&format!("bộ tiêu chí {r} không hợp lệ"), e))?;
                    Some(&custom)
                }
                Some(r) => Some(sets.iter().find(|s| s.id == *r).with_context(|| {
                    format!(
                        "không có bộ tiêu chí \"{r}\"; các bộ có sẵn: {} (hoặc một tệp .json)",
                        known()
                    )
                })?),
                None => None,
            };
            let text = std::fs::read_to_string(input)
                .with_context(|| format!("cannot read {}", input.display()))?;
            let what_if = AssessInput::from_json(&text)
                .map_err(|e| invalid(&format!("{} không hợp lệ", input.display()), e))?;
            let set = match named {
                Some(s) => s,
                None => in_force(&sets, what_if.as_of).with_context(|| {
                    format!(
                        "không có bộ tiêu chí nào có hiệu lực ngày {}; chọn bằng --rules ({})",
                        what_if.as_of.format("%d/%m/%Y"),
                        known()
                    )
                })?,
            };
            let a = assess(set, &what_if)
                .map_err(|e| invalid(&format!("{} không đánh giá được", input.display()), e))?;
            #[derive(serde::Serialize)]
            struct Unit<'a> {
                code: &'a str,
                level: &'a str,
                colour: chongdich_domain::risk::Colour,
                reasons: Vec<&'a str>,
            }
            #[derive(serde::Serialize)]
            struct Out<'a> {
                rules: &'a str,
                as_of: chrono::NaiveDate,
                units: Vec<Unit<'a>>,
            }
            let out = Out {
                rules: &a.rules,
                as_of: a.as_of,
                units: a
                    .units
                    .iter()
                    .map(|u| Unit {
                        code: &u.code,
                        level: &u.level,
                        colour: u.colour,
                        reasons: u.reasons.iter().map(|r| r.text.as_str()).collect(),
                    })
                    .collect(),
            };
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut stdout, &out)?;
            writeln!(stdout)?;
            Ok(())
        }
    }
}

/// `chongdich directive …`: pure, from a file to standard output. A file that cannot be read
/// as a document is reported on standard error with exit code 2.
fn directive_command(command: &DirectiveCommand) -> Result<()> {
    match command {
        DirectiveCommand::Parse { file } => {
            let text = read_document(file).unwrap_or_else(|message| {
                eprintln!("chongdich directive parse: {message}");
                std::process::exit(2)
            });
            // Text still in TCVN3 or VNI is parsed all the same (little will be found), with a
            // warning.
            if let Some(encoding) = chongdich_domain::directive::encoding::legacy_encoding(&text) {
                eprintln!("chongdich directive parse: {}", encoding.message());
            }
            let parsed = chongdich_domain::directive::parse::parse(&text);
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut stdout, &parsed)?;
            writeln!(stdout)?;
            Ok(())
        }
    }
}

/// A document's text: .txt and .md as UTF-8 (or UTF-16 with its byte-order mark), .docx
/// through its XML.
fn read_document(path: &std::path::Path) -> Result<String, String> {
    let shown = path.display();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("txt" | "md" | "docx")) {
        return Err(format!(
            "{shown}: chỉ đọc được tệp .txt, .md (UTF-8) hoặc .docx"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("không đọc được {shown}: {e}"))?;
    let text = chongdich_web::views::directives::document_text(&shown.to_string(), &bytes)
        .map_err(|e| {
            let messages: Vec<&str> = e.0.iter().map(|f| f.message.as_str()).collect();
            format!("{shown}: {}", messages.join("; "))
        })?;
    if text.trim().is_empty() {
        return Err(format!("{shown}: văn bản trống"));
    }
    Ok(text)
}

async fn user_command(url: &str, clock: SharedClock, command: UserCommand) -> Result<()> {
    let store = open(url, clock).await?;
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let err = |e: chongdich_domain::Invalid| anyhow::anyhow!(e.to_string());
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            area,
            password_stdin,
        } => {
            let username = Username::parse(&username).map_err(err)?;
            let display_name = parse_display_name(&name).map_err(err)?;
            let grant = Grant {
                role: Role::parse(&role).map_err(err)?,
                area_id: AreaId::parse(&area).map_err(err)?,
            };
            let (pw, generated) = if password_stdin {
                (read_password_stdin()?, false)
            } else {
                (password::generate(), true)
            };
            let hash = password::hash(&pw).map_err(|e| anyhow::anyhow!(e))?;
            let user = store
                .create_user(
                    &everywhere,
                    &who,
                    NewUser {
                        username,
                        display_name,
                        password_hash: hash,
                        grants: vec![grant],
                    },
                )
                .await?;
            println!(
                "Đã tạo tài khoản {} (id {}).",
                user.user.username, user.user.id
            );
            if generated {
                println!("Mật khẩu (chỉ hiện một lần): {pw}");
            }
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let creds = store
                .credentials(&username)
                .await?
                .with_context(|| format!("no account named {username}"))?;
            let (pw, generated) = if password_stdin {
                (read_password_stdin()?, false)
            } else {
                (password::generate(), true)
            };
            let hash = password::hash(&pw).map_err(|e| anyhow::anyhow!(e))?;
            store
                .set_password(&everywhere, &who, creds.id, &hash)
                .await?;
            println!("Đã đặt mật khẩu mới cho {}.", creds.username);
            if generated {
                println!("Mật khẩu (chỉ hiện một lần): {pw}");
            }
        }
        UserCommand::Disable { username } => {
            let creds = store
                .credentials(&username)
                .await?
                .with_context(|| format!("no account named {username}"))?;
            store
                .set_disabled(&everywhere, &who, creds.id, true)
                .await?;
            println!("Đã khoá tài khoản {}.", creds.username);
        }
    }
    Ok(())
}

async fn serve(
    url: &str,
    addr: SocketAddr,
    no_demo: bool,
    deployment: Option<config::Provinces>,
    clock: SharedClock,
    settings: WebSettings,
) -> Result<()> {
    let store = open(url, clock.clone()).await?;
    if let Some(provinces) = &deployment {
        let units = chongdich_store::units::embedded()?;
        let only: Vec<&str> = match provinces {
            config::Provinces::All => vec![],
            config::Provinces::Some(codes) => codes.iter().map(String::as_str).collect(),
        };
        let loaded = store
            .import_units(&units.data(), (!only.is_empty()).then_some(only.as_slice()))
            .await?;
        if loaded.areas > 0 {
            println!(
                "Đã nạp {} đơn vị hành chính của địa bàn triển khai.",
                loaded.areas
            );
        }
        if store.user_count().await? == 0 {
            println!(
                "Chưa có tài khoản nào. Tạo quản trị viên đầu tiên: chongdich user add quantri --name \"Quản trị\" --role administrator --area VN"
            );
        }
    } else if !no_demo && store.user_count().await? == 0 {
        let accounts = chongdich_web::demo::load(&store).await?;
        if !accounts.is_empty() {
            println!(
                "Đã nạp dữ liệu mẫu: tỉnh Lai Châu. Tài khoản mẫu (mật khẩu chỉ hiện MỘT LẦN, hãy ghi lại):"
            );
            for a in &accounts {
                println!(
                    "  {:<10} {:<38} {:<6} {}",
                    a.username,
                    a.role.label(),
                    a.area,
                    a.password
                );
            }
            println!(
                "Dữ liệu dịch mẫu tháng 5–6/2021 (người về từ Bắc Giang, ổ dịch Than Uyên và Phong Thổ): xem với --today 2021-06-24."
            );
        }
    }
    let purge_store = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = purge_store.purge_sessions().await {
                tracing::warn!("purging sessions: {e}");
            }
            // Risk levels are recomputed daily as proposals for the committee to approve.
            let system = chongdich_store::audit::Who {
                username: "system".into(),
                ..chongdich_store::audit::Who::console()
            };
            match purge_store.daily_assessments(&system).await {
                Ok(made) if !made.is_empty() => {
                    tracing::info!("{} daily risk assessment(s) proposed", made.len());
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("daily risk assessment: {e}"),
            }
            // Reminders of tasks due within three days or overdue go to the outbox that an
            // SMS or e-mail gateway drains (GET /api/v1/notifications).
            match purge_store.queue_task_reminders().await {
                Ok(n) if n > 0 => tracing::info!("{n} task reminder(s) queued"),
                Ok(_) => {}
                Err(e) => tracing::warn!("task reminders: {e}"),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (setting addr, --addr, CHONGDICH_ADDR)")
    })?;
    let local = listener.local_addr()?;
    println!(
        "chongdich đang chạy tại http://{local} (cơ sở dữ liệu: {})",
        redact(url)
    );
    // An import runs inside this process: one still marked running was cut off by the last
    // stop (its transaction rolled back), and may be checked and run again.
    match store.fail_interrupted_imports().await {
        Ok(n) if n > 0 => {
            tracing::warn!("{n} import(s) interrupted by the last stop marked failed")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("interrupted imports: {e}"),
    }
    let app = chongdich_web::app(AppState::new(store.clone(), clock, settings));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("stopped; closing the database");
    store.close().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://u:secret@127.0.0.1/db"),
            "postgres://u:***@127.0.0.1/db"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
