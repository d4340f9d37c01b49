//! Where a host's output enters galley: each stream passes through its own
//! [`Masker`] before anything else sees it (the live stream, the kept
//! output, and through that every report and summary), then is kept
//! bounded: the first and last bytes, with the middle counted, so a host
//! printing gigabytes cannot exhaust memory.

use crate::outcome::Captured;
use crate::secrets::{Masker, Unmasked};

/// One stream of a command, masked as it arrives.
#[derive(Debug)]
pub struct Capture {
    masker: Masker,
    kept: Bounded,
    /// The same stream before masking, for the few steps that parse the
    /// exact bytes (see [`Unmasked`]).
    unmasked: Option<Bounded>,
    /// The masked bytes of the last push or flush.
    emitted: Vec<u8>,
}

impl Capture {
    /// Keeps at most `limit` bytes of masked output: half from the start,
    /// half from the end.
    pub fn new(limit: usize) -> Capture {
        Capture {
            masker: Masker::new(),
            kept: Bounded::new(limit),
            unmasked: None,
            emitted: Vec::new(),
        }
    }

    /// Also keeps the bytes as they came, within the same limit.
    pub fn keeping_unmasked(limit: usize) -> Capture {
        Capture {
            unmasked: Some(Bounded::new(limit)),
            ..Capture::new(limit)
        }
    }

    /// Takes bytes as they arrive; returns those now masked and kept (what
    /// may be shown live). Bytes that could still be part of a secret wait.
    pub fn push(&mut self, bytes: &[u8]) -> &[u8] {
        if let Some(unmasked) = &mut self.unmasked {
            unmasked.push(bytes);
        }
        self.emitted.clear();
        self.masker.feed(bytes, &mut self.emitted);
        self.kept.push(&self.emitted);
        &self.emitted
    }

    /// The end of the stream: returns what was held back, masked and kept.
    pub fn flush(&mut self) -> &[u8] {
        self.emitted.clear();
        self.masker.finish(&mut self.emitted);
        self.kept.push(&self.emitted);
        &self.emitted
    }

    /// What was kept (flushed first), and the unmasked bytes when asked for.
    pub fn finish(mut self) -> (Captured, Option<Unmasked>) {
        self.flush();
        let unmasked = self.unmasked.map(|u| Unmasked::new(u.finish().kept()));
        (self.kept.finish(), unmasked)
    }
}

/// Bytes kept within a limit: the head and a ring for the tail.
#[derive(Debug)]
struct Bounded {
    limit_head: usize,
    limit_tail: usize,
    head: Vec<u8>,
    /// A ring: `tail_start` is where the oldest byte is once it is full.
    tail: Vec<u8>,
    tail_start: usize,
    dropped: u64,
}

impl Bounded {
    fn new(limit: usize) -> Bounded {
        let limit_head = limit / 2;
        Bounded {
            limit_head,
            limit_tail: limit - limit_head,
            head: Vec::new(),
            tail: Vec::new(),
            tail_start: 0,
            dropped: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        let room = self.limit_head - self.head.len();
        if room > 0 {
            let n = room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if self.limit_tail == 0 {
            self.dropped += bytes.len() as u64;
            return;
        }
        // Only the last `limit_tail` bytes of this write can survive.
        if bytes.len() > self.limit_tail {
            let skip = bytes.len() - self.limit_tail;
            self.dropped += skip as u64;
            bytes = &bytes[skip..];
        }
        for &b in bytes {
            if self.tail.len() < self.limit_tail {
                self.tail.push(b);
            } else {
                self.tail[self.tail_start] = b;
                self.tail_start = (self.tail_start + 1) % self.limit_tail;
                self.dropped += 1;
            }
        }
    }

    fn finish(self) -> Captured {
        let mut tail = self.tail;
        tail.rotate_left(self.tail_start);
        Captured {
            head: self.head,
            tail,
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(limit: usize, chunks: &[&[u8]]) -> Captured {
        let mut c = Capture::new(limit);
        for chunk in chunks {
            c.push(chunk);
        }
        c.finish().0
    }

    #[test]
    fn small_output_is_kept_whole() {
        let out = captured(16, &[b"hello ", b"world"]);
        assert_eq!(out.kept(), b"hello world");
        assert_eq!(out.dropped, 0);
    }

    #[test]
    fn large_output_keeps_head_and_tail_and_counts_the_rest() {
        let bytes: Vec<u8> = (0u8..100).collect();
        let chunks: Vec<&[u8]> = bytes.chunks(7).collect();
        let out = captured(8, &chunks);
        assert_eq!(out.head, [0, 1, 2, 3]);
        assert_eq!(out.tail, [96, 97, 98, 99]);
        assert_eq!(out.dropped, 92);
    }

    // A key cut by the head/tail limit must not leave its body in the tail
    // (the tail once held 11 of a key's 25 lines, with no BEGIN line).
    #[test]
    fn a_key_across_the_cut_is_masked_before_it_is_cut() {
        let body: Vec<String> = (0..25)
            .map(|i| format!("BODYLINE{i:02}{}", "A".repeat(56)))
            .collect();
        let key = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
            body.join("\n")
        );
        let input = format!("{}{key}{}", "x".repeat(900), "y".repeat(900));
        for chunk in [1, 7, 64, 4096] {
            let chunks: Vec<&[u8]> = input.as_bytes().chunks(chunk).collect();
            let text = String::from_utf8(captured(2000, &chunks).kept()).unwrap();
            assert!(!text.contains("BODYLINE"), "chunks of {chunk}: {text}");
            assert!(
                text.contains("-----BEGIN RSA PRIVATE KEY----- REDACTED"),
                "{text}"
            );
        }
    }

    #[test]
    fn live_bytes_are_masked_and_the_held_back_rest_comes_at_the_end() {
        let mut c = Capture::keeping_unmasked(1024);
        let mut live = Vec::new();
        for piece in [
            &b"deb https://glpat-SE"[..],
            b"CRET:@packages/ x\nnext https://to",
            b"k",
        ] {
            live.extend_from_slice(c.push(piece));
        }
        // A line is shown once it ends (tokens are matched within a line).
        assert_eq!(live, b"deb https://REDACTED@packages/ x\n");
        live.extend_from_slice(c.flush());
        assert_eq!(live, b"deb https://REDACTED@packages/ x\nnext https://tok");
        let (kept, unmasked) = c.finish();
        assert_eq!(kept.kept(), live);
        assert_eq!(
            unmasked.unwrap().expose(),
            b"deb https://glpat-SECRET:@packages/ x\nnext https://tok"
        );
    }
}
