//! A loopback HTTP server for the fetch tests: a stable URL that redirects to a short-lived signed URL, which serves a file with `Range` support and can fail on purpose.
//!
//! It copies what Hugging Face does: the stable URL answers `302` to a CDN URL with a fresh signature each time,
//! and a signature works once (a resumed download that asked the CDN URL again would get `403`). Every request is
//! logged. Both listeners accept a bounded number of connections, and every wait is bounded, so the threads end.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What goes wrong on the first request for the file.
#[derive(Clone, Copy)]
pub enum Fault {
    None,
    /// Send the headers and this many body bytes, then close the connection.
    DropAt(usize),
    /// Send the headers and this many body bytes, then go quiet (for up to a minute).
    StallAt(usize),
    /// As `DropAt`, and afterwards ignore `Range` (answer `200` with the whole file), as servers without range support do.
    DropAtThenIgnoreRange(usize),
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    /// `stable` or `cdn`.
    pub to: &'static str,
    #[allow(dead_code)]
    pub path: String,
    pub range: Option<String>,
}

pub struct Server {
    /// The stable URL of the file.
    pub url: String,
    pub log: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

/// Reads a request head (up to the blank line); `None` when the peer sends nothing sensible in time.
fn read_head(s: &mut TcpStream) -> Option<(String, Option<String>)> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 << 10 {
        if s.read(&mut b).ok()? == 0 {
            return None;
        }
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let path = text.split_whitespace().nth(1)?.to_string();
    let range = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case("range").then(|| v.trim().to_string())
    });
    Some((path, range))
}

/// Serves `file` at `http://127.0.0.1:PORT/NAME` (redirected to the CDN listener), failing first as `fault` says.
pub fn serve(name: &str, file: Arc<Vec<u8>>, fault: Fault) -> Server {
    const MAX_CONNECTIONS: usize = 12;
    let log = Arc::new(Mutex::new(Vec::new()));
    let cdn = TcpListener::bind("127.0.0.1:0").unwrap();
    let stable = TcpListener::bind("127.0.0.1:0").unwrap();
    let cdn_port = cdn.local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{}/{name}", stable.local_addr().unwrap().port());

    let (l, name) = (log.clone(), name.to_string());
    std::thread::spawn(move || {
        for (n, s) in stable.incoming().take(MAX_CONNECTIONS).enumerate() {
            let Ok(mut s) = s else { continue };
            let Some((path, range)) = read_head(&mut s) else { continue };
            l.lock().unwrap().push(Request { to: "stable", path, range });
            let to = format!("http://127.0.0.1:{cdn_port}/signed/{name}?sig={n}");
            let _ = write!(s, "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });

    let l = log.clone();
    std::thread::spawn(move || {
        let used = Arc::new(Mutex::new(Vec::<String>::new()));
        for (n, s) in cdn.incoming().take(MAX_CONNECTIONS).enumerate() {
            let Ok(mut s) = s else { continue };
            let (l, used, file) = (l.clone(), used.clone(), file.clone());
            std::thread::spawn(move || {
                let Some((path, range)) = read_head(&mut s) else { return };
                l.lock().unwrap().push(Request { to: "cdn", path: path.clone(), range: range.clone() });
                let sig = path.split("sig=").nth(1).unwrap_or("").to_string();
                let expired = {
                    let mut used = used.lock().unwrap();
                    let seen = used.contains(&sig);
                    used.push(sig);
                    seen
                };
                if expired {
                    let _ =
                        write!(s, "HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nConnection: close\r\n\r\nexpired");
                    return;
                }
                let start =
                    range.as_deref().and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse::<usize>().ok());
                let start = start.filter(|&a| a < file.len() && !matches!(fault, Fault::DropAtThenIgnoreRange(_)));
                let head = match start {
                    Some(a) => format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {a}-{}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        file.len() - 1,
                        file.len(),
                        file.len() - a
                    ),
                    None => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", file.len()),
                };
                let body = &file[start.unwrap_or(0)..];
                if s.write_all(head.as_bytes()).is_err() {
                    return;
                }
                match (n, fault) {
                    (0, Fault::DropAt(k) | Fault::DropAtThenIgnoreRange(k)) => {
                        let _ = s.write_all(&body[..k.min(body.len())]);
                        let _ = s.shutdown(std::net::Shutdown::Both);
                    }
                    (0, Fault::StallAt(k)) => {
                        let _ = s.write_all(&body[..k.min(body.len())]);
                        let t = Instant::now();
                        // Quiet until the client goes away (the test kills it) or a minute has passed.
                        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                        let mut b = [0u8; 1];
                        while t.elapsed() < Duration::from_secs(60) {
                            match s.read(&mut b) {
                                Ok(0) => break,
                                Err(e)
                                    if e.kind() != std::io::ErrorKind::WouldBlock
                                        && e.kind() != std::io::ErrorKind::TimedOut =>
                                {
                                    break
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {
                        let _ = s.write_all(body);
                    }
                }
            });
        }
    });
    Server { url, log }
}
