//! A minimal IMDSv2 client over plain HTTP/1.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::ImdsError;

/// The link-local IMDS endpoint of EC2.
pub const DEFAULT_IMDS_ENDPOINT: &str = "http://169.254.169.254";

/// Reads the instance id from IMDSv2.
///
/// - Input: `endpoint` as `http://HOST[:PORT]` (e.g. `http://169.254.169.254`
///   or `http://[fd00:ec2::254]`, a trailing `/` allowed); `timeout` bounds
///   the connect and each read and write of both requests.
/// - Does: `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds:
///   21600`, then `GET /latest/meta-data/instance-id` with
///   `X-aws-ec2-metadata-token: TOKEN`.
/// - Output: the instance id, e.g. `i-0123456789abcdef0`.
/// - Errors: [`ImdsError::Endpoint`] for an endpoint that is not plain
///   `http://`; [`ImdsError::Io`] when connecting, sending or reading fails
///   or times out; [`ImdsError::Status`] for an answer other than 200;
///   [`ImdsError::Malformed`] for an answer that is not HTTP, or a body that
///   is not an instance id.
pub fn instance_id_from_imds(endpoint: &str, timeout: Duration) -> Result<String, ImdsError> {
    let (host, addr) = resolve(endpoint)?;
    let token = request(
        addr,
        &host,
        "PUT",
        "/latest/api/token",
        &[("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
        timeout,
        "token",
    )?;
    let token = token.trim();
    if token.is_empty() || token.contains(['\r', '\n']) {
        return Err(ImdsError::Malformed {
            step: "token",
            message: "empty or multi-line token".into(),
        });
    }
    let id = request(
        addr,
        &host,
        "GET",
        "/latest/meta-data/instance-id",
        &[("X-aws-ec2-metadata-token", token)],
        timeout,
        "instance-id",
    )?;
    let id = id.trim();
    let valid =
        id.len() > 2 && id.starts_with("i-") && id[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid {
        return Err(ImdsError::Malformed {
            step: "instance-id",
            message: format!("{id:?} is not an instance id"),
        });
    }
    Ok(id.to_string())
}

/// `http://HOST[:PORT][/]` → (Host header value, socket address).
fn resolve(endpoint: &str) -> Result<(String, SocketAddr), ImdsError> {
    let bad = || ImdsError::Endpoint(endpoint.to_string());
    let rest = endpoint.strip_prefix("http://").ok_or_else(bad)?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') {
        return Err(bad());
    }
    // `[v6]` or `[v6]:port`, `host` or `host:port`.
    let has_port = match authority.rfind(']') {
        Some(close) => authority[close..].contains(':'),
        None => authority.contains(':'),
    };
    let with_port = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)?;
    Ok((authority.to_string(), addr))
}

/// Sends one request with `Connection: close` and returns the 200 body.
fn request(
    addr: SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    timeout: Duration,
    step: &'static str,
) -> Result<String, ImdsError> {
    let io = |what: &str| {
        let step = format!("{step}: {what}");
        move |source| ImdsError::Io { step, source }
    };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io("connect"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(io("connect"))?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(io("connect"))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).map_err(io("send"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io("read"))?;
    let malformed = |message: &str| ImdsError::Malformed {
        step,
        message: message.to_string(),
    };
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| malformed("no end of headers in the answer"))?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| malformed("headers not UTF-8"))?;
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.get(2..5))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| malformed(&format!("bad status line {status_line:?}")))?;
    let mut chunked = false;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "content-length" {
            let len: usize = v.parse().map_err(|_| malformed("bad Content-Length"))?;
            if body.len() < len {
                return Err(malformed("answer shorter than its Content-Length"));
            }
            body.truncate(len);
        } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    if chunked {
        body = dechunk(&body).ok_or_else(|| malformed("bad chunked body"))?;
    }
    if status != 200 {
        return Err(ImdsError::Status { step, status });
    }
    String::from_utf8(body).map_err(|_| malformed("body not UTF-8"))
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
