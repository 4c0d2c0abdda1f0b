//! A small read-only TFTP client (RFC 1350, octet mode) for `tftp://` profile rules.
//!
//! Written here rather than taken from a crate: the one small client crate available
//! (`tftp_client`) is blocking and panics on a server error message that is not UTF-8.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

const OP_RRQ: u16 = 1;
const OP_DATA: u16 = 3;
const OP_ACK: u16 = 4;
const OP_ERROR: u16 = 5;
const BLOCK: usize = 512;

/// Why a TFTP read failed.
#[derive(Debug, thiserror::Error)]
pub enum TftpError {
    #[error("file not found")]
    NotFound,
    #[error("tftp server error {code}: {message}")]
    Server { code: u16, message: String },
    #[error("no answer from the tftp server")]
    Timeout,
    #[error("file larger than {0} bytes")]
    TooLarge(usize),
    #[error("tftp socket error: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads `path` from the TFTP server at `server`.
/// Where a UDP socket of the phone binds to talk to `peer`: the phone's own address when it
/// has one of the peer's family, else any address.
pub fn local_bind(peer: SocketAddr, source_ip: Option<IpAddr>) -> SocketAddr {
    match source_ip {
        Some(ip) if ip.is_ipv4() == peer.is_ipv4() => SocketAddr::new(ip, 0),
        _ if peer.is_ipv4() => SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0),
        _ => SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0),
    }
}

pub async fn tftp_get(
    server: SocketAddr,
    path: &str,
    wait: Duration,
    max_bytes: usize,
    source_ip: Option<IpAddr>,
) -> Result<Vec<u8>, TftpError> {
    let socket = UdpSocket::bind(local_bind(server, source_ip)).await?;
    let mut request = OP_RRQ.to_be_bytes().to_vec();
    // Servers resolve the path relative to their root; the leading '/' is conventional.
    request.extend_from_slice(path.trim_start_matches('/').as_bytes());
    request.push(0);
    request.extend_from_slice(b"octet\0");

    let mut last_sent = request;
    let mut peer = server;
    let mut peer_fixed = false;
    let mut expected: u16 = 1;
    let mut data = Vec::new();
    let mut buf = vec![0u8; BLOCK + 4];
    let mut tries = 0;
    socket.send_to(&last_sent, peer).await?;
    loop {
        let received = timeout(wait, socket.recv_from(&mut buf)).await;
        let (n, from) = match received {
            Err(_) => {
                tries += 1;
                if tries >= 4 {
                    return Err(TftpError::Timeout);
                }
                socket.send_to(&last_sent, peer).await?;
                continue;
            }
            Ok(r) => r?,
        };
        if from.ip() != server.ip() || (peer_fixed && from != peer) || n < 4 {
            continue; // not our transfer
        }
        if !peer_fixed {
            peer = from; // the server's transfer ID (port)
            peer_fixed = true;
        }
        let op = u16::from_be_bytes([buf[0], buf[1]]);
        let number = u16::from_be_bytes([buf[2], buf[3]]);
        match op {
            OP_DATA => {
                if number == expected {
                    data.extend_from_slice(&buf[4..n]);
                    if data.len() > max_bytes {
                        return Err(TftpError::TooLarge(max_bytes));
                    }
                    expected = expected.wrapping_add(1);
                }
                let mut ack = OP_ACK.to_be_bytes().to_vec();
                ack.extend_from_slice(&number.to_be_bytes());
                socket.send_to(&ack, peer).await?;
                last_sent = ack;
                tries = 0;
                if number == expected.wrapping_sub(1) && n - 4 < BLOCK {
                    return Ok(data);
                }
            }
            OP_ERROR => {
                let message = String::from_utf8_lossy(&buf[4..n])
                    .trim_end_matches('\0')
                    .to_string();
                return Err(if number == 1 {
                    TftpError::NotFound
                } else {
                    TftpError::Server {
                        code: number,
                        message,
                    }
                });
            }
            _ => continue,
        }
    }
}
