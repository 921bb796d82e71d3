//! `instance_id_from_imds` against a fake IMDSv2 on 127.0.0.1 (never the real one).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use netpath_host::{instance_id_from_imds, ImdsError};

const TOKEN: &str = "AQAEAFake-token==";

/// Reads one request: (request line, lower-cased headers).
fn read_request(stream: &TcpStream) -> (String, Vec<(String, String)>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).unwrap();
    (line.trim_end().to_string(), headers)
}

fn respond(mut stream: TcpStream, status: &str, body: &str, chunked: bool) {
    let text = if chunked {
        format!(
            "HTTP/1.1 {status}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        )
    } else {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    stream.write_all(text.as_bytes()).unwrap();
}

/// A fake IMDSv2 serving `requests` connections; it requires the token
/// headers as EC2 does, and answers the instance id `id`.
fn fake_imds(
    requests: usize,
    id: &'static str,
    chunked: bool,
) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..requests {
            let (stream, _) = listener.accept().unwrap();
            let (line, headers) = read_request(&stream);
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            seen.push(line.clone());
            match line.as_str() {
                "PUT /latest/api/token HTTP/1.1" => {
                    if header("x-aws-ec2-metadata-token-ttl-seconds").as_deref() == Some("21600") {
                        respond(stream, "200 OK", TOKEN, chunked);
                    } else {
                        respond(stream, "400 Bad Request", "", false);
                    }
                }
                "GET /latest/meta-data/instance-id HTTP/1.1" => {
                    if header("x-aws-ec2-metadata-token").as_deref() == Some(TOKEN) {
                        respond(stream, "200 OK", id, chunked);
                    } else {
                        respond(stream, "401 Unauthorized", "", false);
                    }
                }
                _ => respond(stream, "404 Not Found", "", false),
            }
        }
        seen
    });
    (endpoint, handle)
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn reads_the_instance_id_with_a_token() {
    let (endpoint, server) = fake_imds(2, "i-0123456789abcdef0", false);
    let id = instance_id_from_imds(&endpoint, TIMEOUT).unwrap();
    assert_eq!(id, "i-0123456789abcdef0");
    assert_eq!(
        server.join().unwrap(),
        [
            "PUT /latest/api/token HTTP/1.1",
            "GET /latest/meta-data/instance-id HTTP/1.1"
        ]
    );
}

#[test]
fn reads_chunked_answers_and_a_trailing_slash() {
    let (endpoint, server) = fake_imds(2, "i-0abc", true);
    assert_eq!(
        instance_id_from_imds(&format!("{endpoint}/"), TIMEOUT).unwrap(),
        "i-0abc"
    );
    server.join().unwrap();
}

#[test]
fn a_body_that_is_not_an_instance_id_is_an_error() {
    let (endpoint, server) = fake_imds(2, "<html>captive portal</html>", false);
    let err = instance_id_from_imds(&endpoint, TIMEOUT).unwrap_err();
    assert!(
        matches!(
            err,
            ImdsError::Malformed {
                step: "instance-id",
                ..
            }
        ),
        "{err}"
    );
    server.join().unwrap();
}

#[test]
fn a_refusing_service_is_a_status_error() {
    // A server that answers 403 to everything (IMDS with tokens disabled by a hop limit, say).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        read_request(&stream);
        respond(stream, "403 Forbidden", "", false);
    });
    let err = instance_id_from_imds(&endpoint, TIMEOUT).unwrap_err();
    assert!(
        matches!(
            err,
            ImdsError::Status {
                step: "token",
                status: 403
            }
        ),
        "{err}"
    );
    assert_eq!(err.to_string(), "IMDS token: HTTP status 403");
    server.join().unwrap();
}

#[test]
fn nothing_listening_is_an_io_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = instance_id_from_imds(&format!("http://127.0.0.1:{port}"), TIMEOUT).unwrap_err();
    assert!(matches!(err, ImdsError::Io { .. }), "{err}");
    assert!(
        err.to_string().starts_with("IMDS token: connect: "),
        "{err}"
    );
}

#[test]
fn a_silent_service_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let start = std::time::Instant::now();
    let err = instance_id_from_imds(&endpoint, Duration::from_millis(200)).unwrap_err();
    assert!(matches!(err, ImdsError::Io { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[test]
fn endpoints_must_be_plain_http() {
    for bad in [
        "https://169.254.169.254",
        "169.254.169.254",
        "http://",
        "http://h/latest",
    ] {
        let err = instance_id_from_imds(bad, TIMEOUT).unwrap_err();
        assert!(matches!(err, ImdsError::Endpoint(_)), "{bad}: {err}");
    }
}
