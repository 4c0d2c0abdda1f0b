//! `phone-sim`: run emulated Cisco phones from the command line.
use std::net::SocketAddr;

use clap::Parser;
use phone_sim::{Auth, Model, PhoneConfig, PhoneSim, Replay};

/// Emulated Cisco MPP/SPA phones: one per --listen, each with its own MAC.
#[derive(Debug, Parser)]
#[command(name = "phone-sim", version)]
struct Args {
    /// Address to listen on (repeat for more phones), e.g. 127.0.0.1:8080.
    #[arg(long, required = true)]
    listen: Vec<SocketAddr>,
    /// Model, e.g. CP-8861-3PCC, CP-7841-3PCC, CP-8851-3PCC, CP-7821-3PCC, SPA504G, SPA112.
    #[arg(long, default_value = "CP-8861-3PCC")]
    model: String,
    /// Firmware version, e.g. 11.3.7, 12.0.1, 10.4.1, 7.6.2 (default: the model's).
    #[arg(long)]
    firmware: Option<String>,
    /// Admin password.
    #[arg(long)]
    admin_password: Option<String>,
    /// none | xpassword | digest (default: none without a password, else xpassword for MPP
    /// and digest for SPA).
    #[arg(long)]
    auth: Option<Auth>,
    /// Serve HTTPS with a self-signed certificate.
    #[arg(long)]
    https: bool,
    /// Announce by mDNS (real phones do not; only use on a network you own).
    #[arg(long)]
    mdns: bool,
    /// Seconds a reboot keeps the phone unreachable.
    #[arg(long, default_value_t = 2.0)]
    reboot_secs: f64,
    /// Phone seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// TFTP server for rules without a server (what DHCP option 66 would say).
    #[arg(long)]
    tftp_server: Option<SocketAddr>,
    /// Serve a phone captured by `phoneprov capture` (model, MAC and pages from the file;
    /// --model and --firmware are ignored).
    #[arg(long, value_name = "CAPTURE")]
    replay: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() {
    env_logger::init();
    let args = Args::parse();
    let replay = match &args.replay {
        Some(path) => match Replay::load(path) {
            Ok(replay) => Some(std::sync::Arc::new(replay)),
            Err(e) => {
                eprintln!("phone-sim: {e}");
                std::process::exit(2);
            }
        },
        None => None,
    };
    let model_name = match &replay {
        Some(replay) => replay.phone_config(PhoneConfig::default()).model,
        None => args.model.clone(),
    };
    let model = match Model::find(&model_name) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("phone-sim: {e}");
            std::process::exit(2);
        }
    };
    let auth = args
        .auth
        .unwrap_or(match (&args.admin_password, model.family) {
            (None, _) => Auth::None,
            (Some(_), phone_sim::Family::Mpp) => Auth::XPassword,
            (Some(_), phone_sim::Family::Spa) => Auth::Digest,
        });
    let mut phones = Vec::new();
    for listen in &args.listen {
        let config = PhoneConfig {
            listen: *listen,
            model: model.name.into(),
            firmware: args.firmware.clone(),
            auth,
            admin_password: args.admin_password.clone(),
            https: args.https,
            mdns: args.mdns,
            reboot_secs: args.reboot_secs,
            time_scale: args.time_scale,
            tftp_server: args.tftp_server,
            replay: replay.clone(),
            ..PhoneConfig::default()
        };
        match PhoneSim::start(config).await {
            Ok(phone) => {
                println!(
                    "ready {} mac={} model={}",
                    phone.url(),
                    phone.mac(),
                    phone.model()
                );
                phones.push(phone);
            }
            Err(e) => {
                eprintln!("phone-sim: {e}");
                std::process::exit(1);
            }
        }
    }
    wait_for_signal().await;
    for phone in phones {
        phone.stop().await;
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
