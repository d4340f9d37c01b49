//! The three places galley reaches into libssh2 past the ssh2 crate, each
//! for a cost measured at scale (see the README's benchmark section):
//!
//! - [`shed_zero_pages`]: libssh2 allocates each session as one ~83 KB
//!   struct and clears it with `memset`, so every page of it is resident
//!   from the start; at `-C 500` that was 41 MB of zeros. The pages that
//!   still hold only zeros go back to the kernel (`MADV_DONTNEED`: a
//!   private anonymous page reads as zeros again and is faulted in afresh
//!   when written), so the session sees exactly the memory it had. Only
//!   the bytes libssh2 cleared are looked at: their count,
//!   `sizeof(LIBSSH2_SESSION)`, is measured once on a probe session made
//!   with an allocator that records what libssh2 asks for
//!   ([`session_struct_size`]), not guessed from what malloc handed out.
//! - [`userauth_ed25519`]: libssh2 reads a key file twice per host, first
//!   through OpenSSL 3's decoders (which fail on OpenSSH's format, slowly):
//!   over half of galley's CPU on a large fleet. galley reads an ed25519
//!   key once per run and signs for libssh2 in a callback.
//! - [`sign_first`], [`service_accept_later`]: libssh2 asks whether the
//!   host takes a key before signing with it, and waits for the userauth
//!   service's acceptance before asking to authenticate: a round trip per
//!   connection each; galley's libssh2 (vendor/patches) can skip both.
//!
//! **The rule both depend on:** the ssh2 crate creates sessions with
//! libssh2's default allocator (`libssh2_session_init_ex(NULL, NULL, NULL,
//! ...)`), which is the process's `malloc` and `free`. That is what makes
//! `malloc_usable_size` give the session struct's extent, and what lets the
//! signing callback hand libssh2 a buffer from `malloc` that libssh2 then
//! frees. [`tests::libssh2_allocates_sessions_with_malloc`] fails if that
//! ever changes. Linux with glibc only; elsewhere the pages stay as they
//! are.

use std::ffi::{c_char, c_int, c_uchar, c_void, CString};

use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use ssh2::Session;

/// Gives back the whole pages of `session`'s struct that hold only zeros;
/// returns how many bytes. Call it right after `Session::new()`, before the
/// session is used.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn shed_zero_pages(session: &Session) -> usize {
    with_struct(session, |start, len| {
        // SAFETY: the range is the start of the struct's one allocation,
        // all of it written by libssh2's memset (see `with_struct`); the
        // session's lock is held and the session is not yet used, so
        // nothing else reads or writes those pages meanwhile.
        unsafe { shed(start, len) }
    })
    .unwrap_or(0)
}

/// Elsewhere (other allocators, other kernels) the memory stays as libssh2
/// left it.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn shed_zero_pages(_session: &Session) -> usize {
    0
}

/// Calls `f` with the address of `session`'s struct and how many of its
/// bytes libssh2 allocated and initialised, holding the session's lock.
/// Nothing when that size cannot be known (then nothing is shed).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn with_struct<R>(session: &Session, f: impl FnOnce(*mut u8, usize) -> R) -> Option<R> {
    let size = session_struct_size()?;
    let mut raw = session.raw();
    let start = &mut *raw as *mut _ as *mut u8;
    // SAFETY: `start` is what libssh2's default allocator, malloc, returned
    // for the session struct (the rule above), so malloc_usable_size
    // applies.
    let usable = unsafe { libc::malloc_usable_size(start.cast()) };
    // libssh2 asked malloc for `size` bytes and memset exactly those
    // (session.c, libssh2_session_init_ex); malloc may have given more,
    // which was never initialised and is never read.
    (size <= usable).then(|| f(start, size))
}

/// `sizeof(LIBSSH2_SESSION)` in the libssh2 linked: the first allocation
/// `libssh2_session_init_ex` makes, which it then clears with memset.
/// Measured once, on a probe session created with an allocator that
/// records the sizes asked for (libssh2 calls it for the struct first).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn session_struct_size() -> Option<usize> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;
    static FIRST: AtomicUsize = AtomicUsize::new(0);
    static SIZE: OnceLock<Option<usize>> = OnceLock::new();

    unsafe extern "C" fn alloc(count: usize, _abstract: *mut *mut c_void) -> *mut c_void {
        let _ = FIRST.compare_exchange(0, count, Ordering::SeqCst, Ordering::SeqCst);
        // SAFETY: malloc has no preconditions.
        unsafe { libc::malloc(count) }
    }
    unsafe extern "C" fn free(ptr: *mut c_void, _abstract: *mut *mut c_void) {
        // SAFETY: `ptr` came from `alloc` or `realloc`, which use malloc.
        unsafe { libc::free(ptr) }
    }
    unsafe extern "C" fn realloc(
        ptr: *mut c_void,
        count: usize,
        _abstract: *mut *mut c_void,
    ) -> *mut c_void {
        // SAFETY: `ptr` came from `alloc` or `realloc`, which use malloc.
        unsafe { libc::realloc(ptr, count) }
    }

    *SIZE.get_or_init(|| {
        ssh2::init();
        // SAFETY: the three callbacks have the signatures libssh2.h gives
        // (LIBSSH2_ALLOC_FUNC, LIBSSH2_FREE_FUNC, LIBSSH2_REALLOC_FUNC) and
        // use one allocator; the probe session is freed with the same.
        let session = unsafe {
            libssh2_session_init_ex(Some(alloc), Some(free), Some(realloc), std::ptr::null_mut())
        };
        if session.is_null() {
            return None;
        }
        // SAFETY: a session this function created and nothing else holds.
        unsafe { libssh2_session_free(session) };
        Some(FIRST.load(Ordering::SeqCst)).filter(|&size| size > 0)
    })
}

type AllocCallback = unsafe extern "C" fn(usize, *mut *mut c_void) -> *mut c_void;
type FreeCallback = unsafe extern "C" fn(*mut c_void, *mut *mut c_void);
type ReallocCallback = unsafe extern "C" fn(*mut c_void, usize, *mut *mut c_void) -> *mut c_void;

extern "C" {
    /// libssh2.h; in the libssh2 that libssh2-sys links.
    fn libssh2_session_init_ex(
        alloc: Option<AllocCallback>,
        free: Option<FreeCallback>,
        realloc: Option<ReallocCallback>,
        abstract_: *mut c_void,
    ) -> *mut c_void;
    fn libssh2_session_free(session: *mut c_void) -> c_int;
}

/// Releases the whole pages of `[start, start + len)` that hold only zeros,
/// a run of them per call; returns how many bytes.
///
/// # Safety
/// The range must be initialised memory of one live allocation of private
/// anonymous memory that nothing else reads or writes during the call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe fn shed(start: *mut u8, len: usize) -> usize {
    let page = page_size();
    let first = (start as usize).next_multiple_of(page);
    let end = (start as usize + len) / page * page;
    let mut released = 0;
    let mut run: Option<usize> = None;
    let mut at = first;
    while at <= end {
        let zero = at < end && {
            // SAFETY: a whole page inside the range, which the caller
            // vouches for, aligned for u64.
            let words = unsafe { std::slice::from_raw_parts(at as *const u64, page / 8) };
            words.iter().all(|&word| word == 0)
        };
        match (zero, run) {
            (true, None) => run = Some(at),
            (false, Some(from)) => {
                // SAFETY: whole pages of the caller's allocation, which
                // hold only zeros and are in use by nothing else: given
                // back, they read as zeros again.
                let rc = unsafe {
                    libc::madvise(from as *mut libc::c_void, at - from, libc::MADV_DONTNEED)
                };
                if rc == 0 {
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

/// `LIBSSH2_FLAG_PUBKEY_SIGN_FIRST`, from galley's patch to libssh2
/// (vendor/patches/0001-userauth-pubkey-sign-first.patch).
const FLAG_PUBKEY_SIGN_FIRST: c_int = 4;
/// `LIBSSH2_FLAG_SERVICE_ACCEPT_LATER`
/// (vendor/patches/0002-session-service-accept-later.patch).
const FLAG_SERVICE_ACCEPT_LATER: c_int = 5;

extern "C" {
    /// libssh2.h; in the libssh2 that libssh2-sys links.
    fn libssh2_session_flag(session: *mut c_void, flag: c_int, value: c_int) -> c_int;
}

/// Public key requests carry their signature at once, without first asking
/// whether the host takes the key (RFC 4252 section 7): a round trip less
/// when it does. For key files only: an agent may show each signature to
/// its user, so its keys are asked about first. Err when the libssh2
/// linked lacks the flag (not galley's patched one).
pub(crate) fn sign_first(session: &Session, on: bool) -> Result<(), ()> {
    set_flag(session, FLAG_PUBKEY_SIGN_FIRST, on)
}

/// The handshake returns once the userauth service is asked for, without
/// waiting for the answer: the first authentication request follows in the
/// same flight, a round trip sooner. Err as for [`sign_first`].
pub(crate) fn service_accept_later(session: &Session, on: bool) -> Result<(), ()> {
    set_flag(session, FLAG_SERVICE_ACCEPT_LATER, on)
}

fn set_flag(session: &Session, flag: c_int, on: bool) -> Result<(), ()> {
    let rc = {
        let mut raw = session.raw();
        // SAFETY: the session pointer is valid while the guard holds its
        // lock; the call only sets a field of the session struct.
        unsafe { libssh2_session_flag(&mut *raw as *mut _ as *mut c_void, flag, c_int::from(on)) }
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(())
    }
}

type SignCallback = unsafe extern "C" fn(
    session: *mut c_void,
    sig: *mut *mut c_uchar,
    sig_len: *mut usize,
    data: *const c_uchar,
    data_len: usize,
    abstract_: *mut *mut c_void,
) -> c_int;

extern "C" {
    /// Public key authentication with the signature made by the caller
    /// (libssh2.h); in the libssh2 that libssh2-sys links, though that crate
    /// does not declare it.
    fn libssh2_userauth_publickey(
        session: *mut c_void,
        username: *const c_char,
        pubkeydata: *const c_uchar,
        pubkeydata_len: usize,
        sign_callback: Option<SignCallback>,
        abstract_: *mut *mut c_void,
    ) -> c_int;
}

/// Authenticates with an ed25519 key galley holds: libssh2 runs the
/// protocol (the same exchange as for a key file) and asks
/// [`sign_ed25519`] for the signature. `public` is the key's blob as
/// authorized_keys has it.
pub(crate) fn userauth_ed25519(
    session: &Session,
    user: &str,
    public: &[u8],
    key: &PKey<Private>,
) -> Result<(), ssh2::Error> {
    let user = CString::new(user)
        .map_err(|_| ssh2::Error::new(ssh2::ErrorCode::Session(-1), "NUL in the user name"))?;
    let mut key_ptr = key as *const PKey<Private> as *mut c_void;
    let rc = {
        let mut raw = session.raw();
        // SAFETY: the session pointer is valid while the guard holds its
        // lock; the strings and the key outlive the call (on a
        // non-blocking session it may return "would block" and be called
        // again: libssh2 copies the name and key into its packet and keeps
        // no pointer to them or to `key_ptr` between calls); libssh2
        // passes `key_ptr`'s address to the callback unchanged.
        unsafe {
            libssh2_userauth_publickey(
                &mut *raw as *mut _ as *mut c_void,
                user.as_ptr(),
                public.as_ptr(),
                public.len(),
                Some(sign_ed25519),
                &mut key_ptr,
            )
        }
    };
    match rc {
        0 => Ok(()),
        _ => Err(ssh2::Error::last_session_error(session).unwrap_or_else(ssh2::Error::unknown)),
    }
}

/// libssh2's signing callback: signs `data` with the key behind
/// `*abstract_` and hands back the bare 64-byte signature in memory from
/// malloc (libssh2 frees it with its allocator's free, the rule above, and
/// wraps it as `ssh-ed25519` itself).
///
/// # Safety
/// Called by libssh2 only, with `*abstract_` the key [`userauth_ed25519`]
/// passed, `data` valid for `data_len` bytes, `sig` and `sig_len` valid
/// for writes.
unsafe extern "C" fn sign_ed25519(
    _session: *mut c_void,
    sig: *mut *mut c_uchar,
    sig_len: *mut usize,
    data: *const c_uchar,
    data_len: usize,
    abstract_: *mut *mut c_void,
) -> c_int {
    // SAFETY: the caller's contract: `*abstract_` points at the key, and
    // the key outlives the authentication call this callback runs in.
    let key = unsafe { &*(*abstract_ as *const PKey<Private>) };
    // SAFETY: the caller's contract: `data` is valid for `data_len` bytes.
    let data = unsafe { std::slice::from_raw_parts(data, data_len) };
    let Ok(signature) =
        Signer::new_without_digest(key).and_then(|mut s| s.sign_oneshot_to_vec(data))
    else {
        return -1;
    };
    // SAFETY: malloc has no preconditions; the result is checked.
    let out = unsafe { libc::malloc(signature.len()) }.cast::<c_uchar>();
    if out.is_null() {
        return -1;
    }
    // SAFETY: `out` holds `signature.len()` bytes and does not overlap the
    // signature; `sig` and `sig_len` are valid for writes (the contract).
    unsafe {
        std::ptr::copy_nonoverlapping(signature.as_ptr(), out, signature.len());
        *sig = out;
        *sig_len = signature.len();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    // The rule both tricks depend on: should the ssh2 crate (or libssh2)
    // start passing its own allocator, malloc_usable_size would be wrong
    // about the session struct and libssh2 would free the signature with
    // something other than free. The session's struct must come from
    // malloc: glibc's count of bytes in use grows by its size.
    /// The libssh2 linked is galley's patched one: it knows the flag.
    #[test]
    fn the_linked_libssh2_can_sign_first() {
        let session = Session::new().unwrap();
        assert_eq!(sign_first(&session, true), Ok(()));
        assert_eq!(sign_first(&session, false), Ok(()));
        assert_eq!(service_accept_later(&session, true), Ok(()));
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn libssh2_allocates_sessions_with_malloc() {
        // Other test threads allocate too: one clean reading is enough.
        let grew = (0..20).any(|_| {
            // SAFETY: mallinfo2 has no preconditions.
            let before = unsafe { libc::mallinfo2() }.uordblks;
            let session = Session::new().unwrap();
            // SAFETY: as above.
            let after = unsafe { libc::mallinfo2() }.uordblks;
            let size = with_struct(&session, |_, len| len).expect("the struct size is known");
            size > 60_000 && after >= before + size && after < before + size + 32_768
        });
        assert!(grew, "libssh2's session struct no longer comes from malloc");
    }

    /// The size libssh2 asks for is what the session struct occupies:
    /// within what malloc gave, and no less than a real session's use.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn the_session_struct_size_is_measured_not_guessed() {
        let size = session_struct_size().expect("measured");
        let session = Session::new().unwrap();
        let mut raw = session.raw();
        let start = &mut *raw as *mut _ as *mut u8;
        // SAFETY: as in `with_struct`.
        let usable = unsafe { libc::malloc_usable_size(start.cast()) };
        assert!(size > 60_000, "libssh2's session struct is {size} bytes");
        assert!(size <= usable && usable < size + 4096, "{size} of {usable}");
    }

    /// How many of the pages of `[start, start + len)` are resident.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
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

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_new_session_keeps_only_the_pages_it_wrote() {
        let session = Session::new().unwrap();
        let (start, len) = with_struct(&session, |start, len| (start, len)).unwrap();
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
        // SAFETY: the initialised part of a live allocation, not in use.
        let bytes = unsafe { std::slice::from_raw_parts(start, len) };
        assert!(
            bytes.iter().filter(|&&b| b != 0).count() < 512,
            "it reads as it did"
        );
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn pages_that_hold_data_are_kept() {
        let page = page_size();
        let mut buffer = vec![0u8; 8 * page];
        let start = buffer.as_mut_ptr();
        let first = (start as usize).next_multiple_of(page) - start as usize;
        buffer[first + 2 * page + 17] = 7;
        // SAFETY: our own initialised allocation, used by nothing else
        // meanwhile.
        let released = unsafe { shed(start, buffer.len()) };
        assert!(released >= 6 * page, "released {released}");
        assert_eq!(buffer[first + 2 * page + 17], 7);
        assert_eq!(buffer.iter().map(|&b| b as usize).sum::<usize>(), 7);
    }

    #[test]
    fn the_signing_callback_signs_as_the_public_key_says() {
        let key = PKey::generate_ed25519().unwrap();
        let public = key.raw_public_key().unwrap();
        let mut sig: *mut c_uchar = std::ptr::null_mut();
        let mut sig_len = 0usize;
        let data = b"session id and userauth request";
        let mut key_ptr = &key as *const PKey<Private> as *mut c_void;
        // SAFETY: as libssh2 calls it: the key behind the pointer, valid
        // data, writable outputs.
        let rc = unsafe {
            sign_ed25519(
                std::ptr::null_mut(),
                &mut sig,
                &mut sig_len,
                data.as_ptr(),
                data.len(),
                &mut key_ptr,
            )
        };
        assert_eq!(rc, 0);
        // SAFETY: the callback returned a malloc'd buffer of sig_len bytes,
        // freed once, here, as libssh2 would.
        let signature = unsafe {
            let signature = std::slice::from_raw_parts(sig, sig_len).to_vec();
            libc::free(sig.cast());
            signature
        };
        assert_eq!(signature.len(), 64);
        let verifier =
            PKey::public_key_from_raw_bytes(&public, openssl::pkey::Id::ED25519).unwrap();
        let mut verify = openssl::sign::Verifier::new_without_digest(&verifier).unwrap();
        assert!(verify.verify_oneshot(&signature, data).unwrap());
    }
}
