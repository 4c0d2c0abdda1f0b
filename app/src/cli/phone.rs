//! `phoneprov show|set|resync|status|history|rollback PHONE` and `phoneprov trust forget PHONE`:
//! the phone client and the provisioning engine from the command line. Progress goes to
//! stderr as the states pass; results to stdout (`--json` for machines).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::exit;
use crate::phone::{
    ClientOptions, Credentials, Phone, PhoneAddress, PhoneError, PhoneReading, Secret, StatusPage,
};
use crate::profile::mask::mask_value;
use crate::profile::xml::read_document_bytes;
use crate::provision::{
    ApplyError, ApplyOptions, ApplyReport, Engine, EventSink, ProvisionEvent, ResyncOptions,
    ViaChoice,
};

/// Which phone and how to log in.
#[derive(Debug, Clone, Args)]
pub struct PhoneArgs {
    /// The phone: host, host:port or http(s)://host[:port].
    pub phone: String,
    /// Admin account name.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// Admin password (or set PHONEPROV_PASSWORD).
    #[arg(long, env = "PHONEPROV_PASSWORD", hide_env_values = true, value_parser = parse_secret)]
    pub password: Option<Secret>,
    /// Seconds to wait for each answer from the phone.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub request_timeout: u64,
}

fn parse_secret(text: &str) -> Result<Secret, String> {
    Ok(Secret::new(text))
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ViaArg {
    Auto,
    Push,
    Post,
}

#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Changes as NAME=VALUE (XML element names, e.g. Resync_Periodic=3665).
    #[arg(value_name = "NAME=VALUE")]
    pub changes: Vec<String>,
    /// Take changes from a <flat-profile> file too (NAME=VALUE on the command line wins).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// How to send: push (the phone fetches from phoneprov), post (POST /admin/config.xml),
    /// or auto (push, then post when the phone cannot reach this machine).
    #[arg(long, value_enum, default_value = "auto")]
    pub via: ViaArg,
    /// Show what would change and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds the whole change may take, reboot included.
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    /// Push: seconds an idle phone may take to fetch before phoneprov concludes it cannot
    /// reach this machine.
    #[arg(long, default_value_t = 15, value_name = "SECS")]
    pub reach_timeout: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ResyncArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Resync once from this rule (not saved) instead of the phone's own rules.
    #[arg(long)]
    pub rule: Option<String>,
    /// Follow the resync to its outcome.
    #[arg(long)]
    pub wait: bool,
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    /// Listen for the phone's syslog lines here (the phone's Syslog_Server must point at it),
    /// e.g. 0.0.0.0:514.
    #[arg(long, value_name = "ADDR:PORT")]
    pub syslog: Option<SocketAddr>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub target: PhoneArgs,
    /// Snapshot id (or a unique start of it); the newest when left out.
    pub snapshot: Option<String>,
    #[arg(long, value_enum, default_value = "auto")]
    pub via: ViaArg,
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub timeout: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TrustCommand {
    /// Forget a phone's remembered HTTPS certificate (after it really changed).
    Forget {
        /// The phone: host:port or https://host[:port].
        phone: String,
    },
}

/// A one-line error and its exit code.
struct Failure {
    message: String,
    code: u8,
}

impl From<PhoneError> for Failure {
    fn from(e: PhoneError) -> Self {
        let code = if e.is_unreachable() {
            exit::USAGE
        } else {
            exit::FAILED
        };
        Failure {
            message: e.to_string(),
            code,
        }
    }
}

impl From<ApplyError> for Failure {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::Phone(e) => e.into(),
            e => Failure {
                message: e.to_string(),
                code: exit::FAILED,
            },
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: exit::USAGE,
    }
}

fn finish(result: Result<u8, Failure>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("phoneprov: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn runtime<F: std::future::Future<Output = Result<u8, Failure>>>(
    work: impl FnOnce(CancellationToken) -> F,
) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return finish(Err(usage(format!("cannot start: {e}")))),
    };
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    finish(runtime.block_on(async move {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_interrupt.cancel();
            }
        });
        work(cancel).await
    }))
}

fn open_engine() -> Result<Engine, Failure> {
    Engine::open_default().map_err(|e| usage(e.to_string()))
}

fn connect(engine: &Engine, target: &PhoneArgs) -> Result<Phone, Failure> {
    let address: PhoneAddress = target
        .phone
        .parse()
        .map_err(|e: crate::phone::AddressError| usage(e.to_string()))?;
    let options = ClientOptions {
        request_timeout: Duration::from_secs(target.request_timeout.max(1)),
        ..ClientOptions::default()
    };
    let credentials = Credentials::new(target.user.clone(), target.password.clone());
    Ok(engine.phone(address, credentials, options)?)
}

/// Says on stderr that `phone`'s HTTPS certificate was trusted for the first time by this
/// command (trust on first use is never silent; `set` and `rollback` say it as an event).
fn say_first_use(phone: &Phone) {
    if let Some(sha256) = phone.client.first_use_fingerprint() {
        eprintln!(
            "{}: trusting its HTTPS certificate on first use (SHA-256 {sha256}); a different one \
             will be refused",
            phone.address()
        );
    }
}

/// Prints events to stderr as they arrive; returns when the sender side is gone.
fn progress_printer(phone: &Phone) -> (EventSink, tokio::task::JoinHandle<()>) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<ProvisionEvent>();
    let terminal = std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if terminal {
                eprintln!("  {}", event.summary());
            } else {
                eprintln!("{}", event.summary());
            }
        }
    });
    (EventSink::new(phone.address().key(), sender), printer)
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

// ---------------------------------------------------------------- show

pub fn show(args: ShowArgs) -> ExitCode {
    runtime(|_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let PhoneReading {
            config, identity, ..
        } = phone.read_with_identity(StatusPage::Always).await?;
        say_first_use(&phone);
        let fields = crate::provision::schema_bridge::profile_fields(&config, &identity);
        if args.json {
            print_json(&json!({
                "phone": phone.address().key(),
                "identity": identity,
                "source": config.source.path(),
                "fields": fields,
            }));
        } else {
            println!("Phone     {}", phone.address());
            println!("Model     {}", identity.model.as_deref().unwrap_or("?"));
            println!(
                "MAC       {}",
                identity.mac.map(|m| m.to_string()).unwrap_or("?".into())
            );
            println!("Serial    {}", identity.serial.as_deref().unwrap_or("?"));
            println!("Firmware  {}", identity.firmware.as_deref().unwrap_or("?"));
            println!();
            for field in &fields {
                println!("{}", field.line());
            }
        }
        Ok(exit::OK)
    })
}

// ---------------------------------------------------------------- set

fn parse_changes(args: &SetArgs) -> Result<Vec<(String, String)>, Failure> {
    let mut changes = Vec::new();
    if let Some(file) = &args.from {
        let bytes = std::fs::read(file)
            .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
        let document =
            read_document_bytes(&bytes).map_err(|e| usage(format!("{}: {e}", file.display())))?;
        changes.extend(
            document
                .elements
                .into_iter()
                .map(|element| (element.name, element.value)),
        );
    }
    for change in &args.changes {
        let Some((name, value)) = change.split_once('=') else {
            return Err(usage(format!(
                "\"{change}\" is not NAME=VALUE (e.g. Resync_Periodic=3665)"
            )));
        };
        changes.push((name.trim().to_string(), value.to_string()));
    }
    if changes.is_empty() {
        return Err(usage("nothing to set: give NAME=VALUE or --from FILE"));
    }
    Ok(changes)
}

fn via(arg: ViaArg) -> ViaChoice {
    match arg {
        ViaArg::Auto => ViaChoice::Auto,
        ViaArg::Push => ViaChoice::Push,
        ViaArg::Post => ViaChoice::Post,
    }
}

pub fn set(args: SetArgs) -> ExitCode {
    runtime(|cancel| async move {
        let changes = parse_changes(&args)?;
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        if args.dry_run {
            return dry_run(&engine, &phone, &changes, args.json).await;
        }
        let options = ApplyOptions {
            via: via(args.via),
            timeout: Duration::from_secs(args.timeout.max(1)),
            reach_timeout: Duration::from_secs(args.reach_timeout.max(1)),
            ..ApplyOptions::default()
        };
        let (sink, printer) = progress_printer(&phone);
        let result = engine
            .apply(&phone, &changes, &options, &sink, &cancel)
            .await;
        drop(sink);
        let _ = printer.await;
        report_apply(&phone, result, args.json)
    })
}

fn report_apply(
    phone: &Phone,
    result: Result<ApplyReport, ApplyError>,
    json_output: bool,
) -> Result<u8, Failure> {
    match result {
        Ok(report) => {
            let all = report.fully_verified();
            if json_output {
                print_json(&json!({
                    "phone": report.phone,
                    "verified": all,
                    "not_restored": report.not_restored,
                    "via": report.via,
                    "snapshot": report.snapshot,
                    "changes": report.changes,
                    "verified_names": report.verified,
                    "unverifiable": report.unverifiable,
                    "warnings": report.warnings,
                }));
            } else if report.changes.is_empty() {
                println!(
                    "{}: nothing to change, every value is already as wanted",
                    report.phone
                );
            } else {
                println!(
                    "{}: {} change(s) verified on the phone{}",
                    report.phone,
                    report.verified.len(),
                    report
                        .via
                        .map(|v| format!(" (sent by {})", v.label()))
                        .unwrap_or_default()
                );
            }
            if !all {
                Err(Failure {
                    message: format!(
                        "not verified: {} cannot be read back (the phone hides passwords)",
                        report.unverifiable.join(", ")
                    ),
                    code: exit::FAILED,
                })
            } else if !report.not_restored.is_empty() {
                Err(Failure {
                    message: format!(
                        "not fully rolled back: {} not restored (it held a password or key, which \
                         snapshots never store); set it again by hand",
                        report.not_restored.join(", ")
                    ),
                    code: exit::FAILED,
                })
            } else {
                Ok(exit::OK)
            }
        }
        Err(error) => {
            if json_output {
                let mismatches = match &error {
                    ApplyError::Unverified { mismatches, .. } => json!(mismatches),
                    _ => json!([]),
                };
                print_json(&json!({
                    "phone": phone.address().key(),
                    "verified": false,
                    "error": error.to_string(),
                    "mismatches": mismatches,
                }));
            }
            Err(error.into())
        }
    }
}

/// The diff `set` would send: the engine's own reading, naming and comparison
/// ([`Engine::preview`]), values masked.
async fn dry_run(
    engine: &Engine,
    phone: &Phone,
    changes: &[(String, String)],
    json_output: bool,
) -> Result<u8, Failure> {
    let plan = engine.preview(phone, changes).await?;
    say_first_use(phone);
    let check = &plan.check;
    let diff = &plan.shown;
    if json_output {
        print_json(&json!({
            "phone": phone.address().key(),
            "dry_run": true,
            "changes": diff,
            "unchanged": plan.unchanged,
            "errors": check.errors,
            "warnings": check.warnings,
        }));
    } else {
        if diff.is_empty() {
            println!("nothing to change: every value is already as wanted");
        }
        for change in diff {
            println!(
                "{}: {} -> {}",
                change.name,
                change
                    .old
                    .as_deref()
                    .map(|o| format!("\"{o}\""))
                    .unwrap_or("(not on the phone)".into()),
                format_args!("\"{}\"", change.new)
            );
        }
        for warning in &check.warnings {
            println!("warning: {warning}");
        }
        println!("(dry run: nothing was sent)");
    }
    if check.errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Failure {
            message: format!("invalid: {}", check.errors.join("; ")),
            code: exit::FAILED,
        })
    }
}

// ---------------------------------------------------------------- resync

pub fn resync(args: ResyncArgs) -> ExitCode {
    runtime(|cancel| async move {
        let engine = Arc::new(open_engine()?);
        let phone = connect(&engine, &args.target)?;
        if let Some(bind) = args.syslog {
            let bound = engine
                .enable_syslog(bind)
                .await
                .map_err(|e| usage(format!("cannot listen for syslog on {bind}: {e}")))?;
            eprintln!("listening for syslog on {bound}");
        }
        let options = ResyncOptions {
            wait: args.wait,
            timeout: Duration::from_secs(args.timeout.max(1)),
            ..ResyncOptions::default()
        };
        let (sink, printer) = progress_printer(&phone);
        let result = engine
            .resync(&phone, args.rule.as_deref(), &options, &sink, &cancel)
            .await;
        drop(sink);
        let _ = printer.await;
        say_first_use(&phone);
        match result {
            Ok(report) => {
                if args.json {
                    print_json(&json!(report));
                } else {
                    match report.success {
                        None => println!("{}: resync requested", report.phone),
                        Some(_) => {
                            println!("{}: resync succeeded: {}", report.phone, report.detail)
                        }
                    }
                }
                Ok(exit::OK)
            }
            Err(error) => {
                if args.json {
                    print_json(
                        &json!({"phone": phone.address().key(), "success": false, "error": error.to_string()}),
                    );
                }
                Err(error.into())
            }
        }
    })
}

// ---------------------------------------------------------------- status

pub fn status(args: StatusArgs) -> ExitCode {
    runtime(|_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let status = phone.read_status().await?;
        say_first_use(&phone);
        if args.json {
            print_json(&json!({
                "phone": phone.address().key(),
                "identity": status.identity,
                "call_active": status.call_active,
                // The phone's status text may quote a rule with its --uid/--pwd.
                "provisioning": status.provisioning.iter().map(|p| json!({"source": p.source, "text": mask_value("", &p.text)})).collect::<Vec<_>>(),
                "reboot_reasons": status.reboot_reasons,
                "elements": status.elements.iter().map(|(n, v)| json!({"name": n, "value": mask_value(n, v)})).collect::<Vec<_>>(),
            }));
        } else {
            let id = &status.identity;
            println!("Phone        {}", phone.address());
            println!("Model        {}", id.model.as_deref().unwrap_or("?"));
            println!(
                "MAC          {}",
                id.mac.map(|m| m.to_string()).unwrap_or("?".into())
            );
            println!("Firmware     {}", id.firmware.as_deref().unwrap_or("?"));
            println!(
                "Call         {}",
                match status.call_active {
                    Some(true) => "on a call",
                    Some(false) => "idle",
                    None => "not reported",
                }
            );
            if status.provisioning.is_empty() {
                println!("Provisioning not reported");
            }
            for entry in &status.provisioning {
                println!("Provisioning {}", mask_value("", &entry.text));
            }
            for reason in &status.reboot_reasons {
                println!("Reboot       {reason}");
            }
        }
        Ok(exit::OK)
    })
}

// ---------------------------------------------------------------- history, rollback

/// The phone's MAC when it answers quickly (snapshots follow the phone, not its address).
async fn mac_if_reachable(phone: &Phone) -> Option<crate::identity::Mac> {
    tokio::time::timeout(Duration::from_secs(3), phone.read_identity())
        .await
        .ok()?
        .ok()?
        .mac
}

pub fn history(args: HistoryArgs) -> ExitCode {
    runtime(|_| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let mac = mac_if_reachable(&phone).await;
        // Rollback says it as an event of its apply; history has no other place to.
        say_first_use(&phone);
        let snapshots = engine
            .history()
            .list(&phone.address().key(), mac)
            .map_err(|e| usage(e.to_string()))?;
        if args.json {
            print_json(&json!(
                snapshots
                    .iter()
                    .map(|s| json!({
                        "id": s.id, "taken_at": s.taken_at, "phone": s.phone, "mac": s.mac,
                        "reason": s.reason, "values": s.values.len(),
                    }))
                    .collect::<Vec<_>>()
            ));
        } else if snapshots.is_empty() {
            println!("no snapshots of {} yet", phone.address().key());
        } else {
            for s in &snapshots {
                println!(
                    "{}  {}  {}  ({} values)",
                    s.id,
                    s.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    s.reason,
                    s.values.len()
                );
            }
        }
        Ok(exit::OK)
    })
}

pub fn rollback(args: RollbackArgs) -> ExitCode {
    runtime(|cancel| async move {
        let engine = open_engine()?;
        let phone = connect(&engine, &args.target)?;
        let mac = mac_if_reachable(&phone).await;
        let snapshot = engine
            .history()
            .find(&phone.address().key(), mac, args.snapshot.as_deref())
            .map_err(|e| Failure {
                message: e.to_string(),
                code: exit::USAGE,
            })?;
        eprintln!(
            "rolling back to snapshot {} ({})",
            snapshot.id, snapshot.reason
        );
        let options = ApplyOptions {
            via: via(args.via),
            timeout: Duration::from_secs(args.timeout.max(1)),
            ..ApplyOptions::default()
        };
        let (sink, printer) = progress_printer(&phone);
        let result = engine
            .rollback(&phone, &snapshot, &options, &sink, &cancel)
            .await;
        drop(sink);
        let _ = printer.await;
        report_apply(&phone, result, args.json)
    })
}

// ---------------------------------------------------------------- trust

pub fn trust(command: TrustCommand) -> ExitCode {
    let result = (|| {
        let TrustCommand::Forget { phone } = command;
        let address: PhoneAddress = phone
            .parse()
            .map_err(|e: crate::phone::AddressError| usage(e.to_string()))?;
        let engine = open_engine()?;
        // `host:port` given without a scheme means port as typed; plain `host` means 443.
        let key = if phone.contains("://") || phone.contains(':') {
            address.key()
        } else {
            PhoneAddress::new(crate::phone::Scheme::Https, address.host.clone(), 443).key()
        };
        let removed = engine
            .trust_store()
            .forget(&key)
            .map_err(|e| usage(e.to_string()))?;
        if removed {
            println!("forgot the certificate of {key}; the next connection trusts the new one");
        } else {
            println!("no certificate was remembered for {key}");
        }
        Ok(exit::OK)
    })();
    finish(result)
}
