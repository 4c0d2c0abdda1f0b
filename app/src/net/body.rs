//! Reading HTTP bodies with a size cap: a phone (or anything else on the LAN) that streams a
//! gigabyte gets an error, not our memory.

use futures::StreamExt;

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {limit} bytes; stopped reading")]
    TooLarge { limit: usize },
    #[error("the connection broke while reading the answer: {0}")]
    Broken(#[source] reqwest::Error),
}

/// Reads at most `limit` bytes of `response`'s body; more is an error.
pub async fn read_capped(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Broken)?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A one-shot HTTP server on loopback that answers with `body`, optionally without a
    /// Content-Length (chunked), so the streaming cap is exercised too.
    async fn serve_once(body: Vec<u8>, chunked: bool) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await.unwrap();
            if chunked {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .await
                    .unwrap();
                for piece in body.chunks(1000) {
                    let head = format!("{:x}\r\n", piece.len());
                    if socket.write_all(head.as_bytes()).await.is_err() {
                        return; // the client stopped reading: that is the point
                    }
                    let _ = socket.write_all(piece).await;
                    let _ = socket.write_all(b"\r\n").await;
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            } else {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                socket.write_all(head.as_bytes()).await.unwrap();
                let _ = socket.write_all(&body).await;
            }
        });
        format!("http://{address}/")
    }

    /// Serves `body` once (see [`serve_once`]) and reads it with a cap of `limit` bytes.
    async fn fetch(body: Vec<u8>, chunked: bool, limit: usize) -> Result<Vec<u8>, BodyError> {
        let url = serve_once(body, chunked).await;
        let response = crate::net::client_builder()
            .build()
            .unwrap()
            .get(&url)
            .send()
            .await
            .unwrap();
        read_capped(response, limit).await
    }

    #[tokio::test]
    async fn small_bodies_are_read_whole() {
        assert_eq!(
            fetch(b"<flat-profile/>".to_vec(), false, 1024)
                .await
                .unwrap(),
            b"<flat-profile/>"
        );
    }

    #[tokio::test]
    async fn declared_large_bodies_are_refused_before_reading() {
        assert!(matches!(
            fetch(vec![b'x'; 10_000], false, 4096).await,
            Err(BodyError::TooLarge { limit: 4096 })
        ));
    }

    #[tokio::test]
    async fn streamed_large_bodies_are_cut_off() {
        assert!(matches!(
            fetch(vec![b'x'; 50_000], true, 4096).await,
            Err(BodyError::TooLarge { limit: 4096 })
        ));
    }
}
