//! The first hour: the mistakes a new operator makes, each met by one
//! message that says what to do, before any host is touched.

use crate::support::{galley, keygen_with};

#[test]
fn a_missing_key_file_stops_the_run_once_and_names_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen_with(dir.path(), "client", &["-t", "ed25519", "-N", ""]);
    let typo = dir.path().join("clinet");
    // Two hosts nobody listens on: a check per host would end them
    // connect_failed with exit 1; the key is refused before either.
    let run = galley(&[
        "run",
        "-m",
        "127.0.0.1,127.0.0.2",
        "-p",
        "1",
        "-i",
        typo.to_str().unwrap(),
        "--",
        "true",
    ]);
    run.expect_code(3);
    let said = run.stderr();
    assert!(
        said.contains(&format!("identity file {} does not exist", typo.display()))
            && said.contains(&format!("did you mean {}?", key.display())),
        "{run}"
    );
    assert_eq!(
        said.matches("does not exist").count(),
        1,
        "said once: {run}"
    );
    assert!(
        !run.stdout().contains("connect_failed"),
        "no host was tried: {run}"
    );
}

#[test]
fn a_public_key_given_for_the_private_one_is_named_with_the_private_path() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen_with(dir.path(), "client", &["-t", "ed25519", "-N", ""]);
    let public = format!("{}.pub", key.display());
    let run = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-p",
        "1",
        "-i",
        &public,
        "--",
        "true",
    ]);
    run.expect_code(3);
    assert!(
        run.stderr().contains(&format!(
            "identity file {public} is a public key: pass the private key: -i {}",
            key.display()
        )),
        "{run}"
    );

    let folder = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-i",
        dir.path().to_str().unwrap(),
        "--",
        "true",
    ]);
    folder.expect_code(3);
    assert!(
        folder.stderr().contains("is a folder, not a key file"),
        "{folder}"
    );

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my key is on the other laptop\n").unwrap();
    let text = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-i",
        notes.to_str().unwrap(),
        "--",
        "true",
    ]);
    text.expect_code(3);
    assert!(text.stderr().contains("holds no private key"), "{text}");
}
