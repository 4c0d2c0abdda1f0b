//! mDNS/DNS-SD: browse the service types devices announce their web pages under and read
//! what their TXT records say. Real MPP phones are not documented to announce themselves;
//! SPA ATAs with Bonjour on, other devices and emulated phones do.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use futures::StreamExt;
use mdns_sd::{IfKind, ServiceDaemon, ServiceEvent};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::identity::{PhoneIdentity, looks_like_cisco_model};

use super::evidence::Evidence;
use super::fingerprint::mentions_cisco;
use super::oui;
use super::phone::{Observation, Source, WebEndpoint, WebScheme};

/// Service types under which devices announce web pages or describe themselves.
pub const SERVICE_TYPES: [&str; 4] = [
    "_http._tcp.local.",
    "_https._tcp.local.",
    "_http-alt._tcp.local.",
    "_device-info._tcp.local.",
];

#[derive(Debug, thiserror::Error)]
#[error("mDNS is not available here: {0}")]
pub struct MdnsError(String);

/// One resolved DNS-SD service instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdnsService {
    /// Full instance name, e.g. `CP-8861 reception._http._tcp.local.`.
    pub instance: String,
    pub service_type: String,
    pub host: String,
    /// IPv4 addresses first.
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    /// TXT record, keys lower-cased.
    pub txt: BTreeMap<String, String>,
}

impl MdnsService {
    fn txt_value(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .filter_map(|key| self.txt.get(*key))
            .map(|value| value.trim())
            .find(|value| !value.is_empty())
            .map(str::to_string)
    }

    /// What the TXT record says about the device.
    pub fn identity(&self) -> PhoneIdentity {
        PhoneIdentity {
            model: self.txt_value(&["model", "md", "product", "product_name", "modelname"]),
            mac: self
                .txt_value(&["mac", "macaddress", "mac_address", "hwaddr", "deviceid"])
                .and_then(|mac| mac.parse().ok()),
            serial: self.txt_value(&["serial", "sn", "serialnumber", "serial_number"]),
            firmware: self.txt_value(&[
                "firmware",
                "fw",
                "fwversion",
                "software_version",
                "swversion",
                "version",
            ]),
            hardware: self.txt_value(&["hardware", "hw", "hwversion"]),
            ip: None,
            host_name: Some(self.host.trim_end_matches('.').to_string()).filter(|h| !h.is_empty()),
        }
    }

    /// True when the TXT record or the instance name points at a Cisco phone or ATA.
    pub fn looks_cisco(&self) -> bool {
        let identity = self.identity();
        identity
            .model
            .as_deref()
            .is_some_and(looks_like_cisco_model)
            || identity.mac.is_some_and(|mac| oui::is_cisco(&mac))
            || mentions_cisco(&self.instance)
            || self.txt.values().any(|value| mentions_cisco(value))
    }

    /// The web server the announcement points at, for the follow-up fingerprint.
    pub fn web(&self) -> Option<WebEndpoint> {
        let scheme = match self.service_type.as_str() {
            "_https._tcp.local." => WebScheme::Https,
            "_http._tcp.local." | "_http-alt._tcp.local." => WebScheme::Http,
            _ => return None,
        };
        (self.port != 0).then_some(WebEndpoint {
            scheme,
            port: self.port,
        })
    }

    /// The observation for `address` (one of [`MdnsService::addresses`]).
    pub fn observation(&self, address: IpAddr) -> Observation {
        let mut observation = Observation::new(Source::Mdns, address);
        observation.identity = self.identity();
        observation.mdns_name = Some(self.instance.clone());
        if self.looks_cisco() {
            observation.evidence.insert(Evidence::MdnsTxt);
            if observation
                .identity
                .mac
                .is_some_and(|mac| oui::is_cisco(&mac))
            {
                observation.evidence.insert(Evidence::CiscoOui);
            }
        }
        observation
    }
}

/// Browses [`SERVICE_TYPES`] for `window` (or until cancelled) on the chosen interfaces
/// (`None`: all), sending every resolved service to `found` as it resolves.
pub async fn browse(
    interfaces: Option<&[String]>,
    window: Duration,
    cancel: CancellationToken,
    found: mpsc::UnboundedSender<MdnsService>,
) -> Result<(), MdnsError> {
    let daemon = ServiceDaemon::new().map_err(|e| MdnsError(e.to_string()))?;
    if let Some(names) = interfaces {
        daemon
            .disable_interface(IfKind::All)
            .map_err(|e| MdnsError(e.to_string()))?;
        for name in names {
            daemon
                .enable_interface(IfKind::Name(name.clone()))
                .map_err(|e| MdnsError(e.to_string()))?;
        }
    }
    let mut streams = Vec::new();
    for service_type in SERVICE_TYPES {
        match daemon.browse(service_type) {
            Ok(receiver) => streams.push(receiver.into_stream()),
            Err(error) => {
                let _ = daemon.shutdown();
                return Err(MdnsError(error.to_string()));
            }
        }
    }
    let mut events = futures::stream::select_all(streams);
    let deadline = tokio::time::sleep(window);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = &mut deadline => break,
            event = events.next() => match event {
                Some(ServiceEvent::ServiceResolved(resolved)) => {
                    let mut addresses: Vec<IpAddr> = resolved
                        .get_addresses_v4()
                        .into_iter()
                        .map(IpAddr::V4)
                        .collect();
                    addresses.sort();
                    let service = MdnsService {
                        instance: resolved.fullname.clone(),
                        service_type: resolved.ty_domain.clone(),
                        host: resolved.host.clone(),
                        addresses,
                        port: resolved.port,
                        txt: resolved
                            .txt_properties
                            .iter()
                            .map(|p| (p.key().to_ascii_lowercase(), p.val_str().to_string()))
                            .collect(),
                    };
                    if !service.addresses.is_empty() && found.send(service).is_err() {
                        break;
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    for service_type in SERVICE_TYPES {
        let _ = daemon.stop_browse(service_type);
    }
    let _ = daemon.shutdown();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(service_type: &str, instance: &str, txt: &[(&str, &str)]) -> MdnsService {
        MdnsService {
            instance: instance.into(),
            service_type: service_type.into(),
            host: "phone-1.local.".into(),
            addresses: vec!["198.18.0.9".parse().unwrap()],
            port: 80,
            txt: txt
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn txt_records_give_model_mac_and_firmware() {
        let s = service(
            "_http._tcp.local.",
            "Phone._http._tcp.local.",
            &[
                ("model", "CP-8861-3PCC"),
                ("mac", "00562b043615"),
                ("firmware", "12.0.1"),
            ],
        );
        let identity = s.identity();
        assert_eq!(identity.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(identity.mac.unwrap().lower_hex(), "00562b043615");
        assert_eq!(identity.firmware.as_deref(), Some("12.0.1"));
        assert_eq!(identity.host_name.as_deref(), Some("phone-1.local"));
        assert!(s.looks_cisco());
        let observation = s.observation(s.addresses[0]);
        assert!(observation.evidence.contains(&Evidence::MdnsTxt));
        assert!(observation.evidence.contains(&Evidence::CiscoOui));
        assert_eq!(
            s.web(),
            Some(WebEndpoint {
                scheme: WebScheme::Http,
                port: 80
            })
        );
    }

    #[test]
    fn other_devices_are_not_cisco() {
        let printer = service(
            "_http._tcp.local.",
            "Office printer._http._tcp.local.",
            &[("ty", "LaserJet 4000"), ("mac", "000000112233")],
        );
        assert!(!printer.looks_cisco());
        assert!(
            printer
                .observation(printer.addresses[0])
                .evidence
                .is_empty()
        );
        let info = service(
            "_device-info._tcp.local.",
            "x._device-info._tcp.local.",
            &[],
        );
        assert_eq!(info.web(), None);
    }
}
