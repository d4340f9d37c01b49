//! What a libssh2 session costs in memory while it waits.
//!
//! libssh2 allocates each session as one 83 KB struct, most of it two
//! 35,000-byte packet buffers, and clears it with `memset` as it creates it:
//! every page of it is resident from the first moment, though a session
//! running a short command writes to a few of them. At `-C 500` that was
//! 41 MB of zeros, more than half of galley's peak memory.
//!
//! [`shed_zero_pages`] gives the pages of a new session that still hold only
//! zeros back to the kernel. A private anonymous page given back with
//! `MADV_DONTNEED` reads as zeros again and is faulted in afresh when
//! written, so the session sees exactly the memory it had; only the pages it
//! later writes cost memory again. Done on Linux with glibc, where libssh2's
//! malloc and `malloc_usable_size` give the struct's extent.

use ssh2::Session;

/// Gives back the whole pages of `session`'s struct that hold only zeros;
/// returns how many bytes. Call it right after `Session::new()`, before the
/// session is used.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn shed_zero_pages(session: &Session) -> usize {
    // SAFETY: the range is the struct's one allocation, and the session's
    // lock is held while the pages are read and released; the session is
    // not yet used, so nothing else writes to them.
    with_struct(session, |start, len| unsafe { shed(start, len) })
}

/// Calls `f` with the address and extent of `session`'s struct, holding
/// the session's lock.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn with_struct<R>(session: &Session, f: impl FnOnce(*mut u8, usize) -> R) -> R {
    let mut raw = session.raw();
    let start = &mut *raw as *mut _ as *mut u8;
    // SAFETY: `start` is what libssh2's default allocator (malloc) returned
    // for the session struct, so malloc_usable_size applies and the whole
    // range belongs to this one allocation.
    let len = unsafe { libc::malloc_usable_size(start.cast()) };
    f(start, len)
}

/// Elsewhere (other allocators, other kernels) the memory stays as libssh2
/// left it.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn shed_zero_pages(_session: &Session) -> usize {
    0
}

/// Releases the whole pages of `[start, start + len)` that hold only zeros,
/// a run of them per call; returns how many bytes.
///
/// # Safety
/// The range must be one live allocation of private anonymous memory that
/// nothing else reads or writes during the call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn shed(start: *mut u8, len: usize) -> usize {
    let page = page_size();
    let first = (start as usize).next_multiple_of(page);
    let end = (start as usize + len) / page * page;
    let mut released = 0;
    let mut run: Option<usize> = None;
    let mut at = first;
    while at <= end {
        let zero = at < end
            && std::slice::from_raw_parts(at as *const u64, page / 8)
                .iter()
                .all(|&word| word == 0);
        match (zero, run) {
            (true, None) => run = Some(at),
            (false, Some(from)) => {
                if libc::madvise(from as *mut libc::c_void, at - from, libc::MADV_DONTNEED) == 0 {
                    released += at - from;
                }
                run = None;
            }
            _ => {}
        }
        at += page;
    }
    released
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// How many of the pages of `[start, start + len)` are resident.
    fn resident_pages(start: *mut u8, len: usize) -> usize {
        let page = page_size();
        let first = start as usize / page * page;
        let count = (start as usize + len - first).div_ceil(page);
        let mut map = vec![0u8; count];
        // SAFETY: the range is mapped (it is a live allocation) and `map`
        // has one byte per page of it.
        let rc =
            unsafe { libc::mincore(first as *mut libc::c_void, count * page, map.as_mut_ptr()) };
        assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
        map.iter().filter(|&&b| b & 1 == 1).count()
    }

    #[test]
    fn a_new_session_keeps_only_the_pages_it_wrote() {
        let session = Session::new().unwrap();
        let (start, len) = with_struct(&session, |start, len| (start, len));
        assert!(len > 60_000, "libssh2's session struct is {len} bytes");
        let before = resident_pages(start, len);
        assert!(
            before * page_size() > 60_000,
            "libssh2 no longer writes its whole session struct ({before} pages resident): \
             shedding may no longer be needed"
        );
        let released = shed_zero_pages(&session);
        let after = resident_pages(start, len);
        assert!(released > 60_000, "released {released} bytes");
        assert!(
            after <= 4,
            "{after} of the struct's pages are still resident"
        );
        // The memory reads as it did: zeros where it was zero.
        // SAFETY: a live allocation of `len` bytes, not in use.
        let bytes = unsafe { std::slice::from_raw_parts(start, len) };
        assert!(bytes.iter().filter(|&&b| b != 0).count() < 512);
    }

    #[test]
    fn pages_that_hold_data_are_kept() {
        let page = page_size();
        let mut buffer = vec![0u8; 8 * page];
        let start = buffer.as_mut_ptr();
        let first = (start as usize).next_multiple_of(page) - start as usize;
        buffer[first + 2 * page + 17] = 7;
        // SAFETY: our own allocation, used by nothing else meanwhile.
        let released = unsafe { shed(start, buffer.len()) };
        assert!(released >= 6 * page, "released {released}");
        assert_eq!(buffer[first + 2 * page + 17], 7);
        assert_eq!(buffer.iter().map(|&b| b as usize).sum::<usize>(), 7);
    }
}
