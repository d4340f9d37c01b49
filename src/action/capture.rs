//! Bounded capture of a stream: the first and last bytes are kept, the
//! middle is counted, so a host printing gigabytes cannot exhaust memory.

use crate::outcome::Captured;

#[derive(Debug)]
pub struct Capture {
    limit_head: usize,
    limit_tail: usize,
    head: Vec<u8>,
    /// A ring: `tail_start` is where the oldest byte is once it is full.
    tail: Vec<u8>,
    tail_start: usize,
    dropped: u64,
}

impl Capture {
    /// Keeps at most `limit` bytes: half from the start, half from the end.
    pub fn new(limit: usize) -> Capture {
        let limit_head = limit / 2;
        Capture {
            limit_head,
            limit_tail: limit - limit_head,
            head: Vec::new(),
            tail: Vec::new(),
            tail_start: 0,
            dropped: 0,
        }
    }

    pub fn push(&mut self, mut bytes: &[u8]) {
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

    pub fn finish(self) -> Captured {
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

    #[test]
    fn small_output_is_kept_whole() {
        let mut c = Capture::new(16);
        c.push(b"hello ");
        c.push(b"world");
        let out = c.finish();
        assert_eq!(out.kept(), b"hello world");
        assert_eq!(out.dropped, 0);
    }

    #[test]
    fn large_output_keeps_head_and_tail_and_counts_the_rest() {
        let mut c = Capture::new(8);
        for chunk in (0u8..100).collect::<Vec<_>>().chunks(7) {
            c.push(chunk);
        }
        let out = c.finish();
        assert_eq!(out.head, [0, 1, 2, 3]);
        assert_eq!(out.tail, [96, 97, 98, 99]);
        assert_eq!(out.dropped, 92);
    }
}
