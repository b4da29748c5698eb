//! The link check `scripts/test` runs on the documents a newcomer reads.

use std::process::{Command, Output};

use crate::scratch::ScratchDir;

/// `scripts/check-links` on `files`, run in `dir` (the repository it checks).
fn check_links(dir: &std::path::Path, files: &[&str]) -> Output {
    Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/check-links"))
        .args(files)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_repository_documents_link_only_inside_the_repository_or_to_the_web() {
    let out = check_links(
        env!("CARGO_MANIFEST_DIR").as_ref(),
        &["README.md", "CONTRIBUTING.md"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_link_check_refuses_links_to_nothing_and_links_out_of_the_repository() {
    let outside = ScratchDir::new();
    outside.write("CONVENTIONS.md", "elsewhere");
    let repository = ScratchDir::new();
    repository.write("docs/guide.md", "# Guide");
    repository.write(
        "README.md",
        "[guide](docs/guide.md#guide), [top](#top), [crate](https://docs.rs/dotenvy), [src](docs/)\n",
    );
    let out = check_links(repository.path(), &["README.md"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let escape = format!(
        "../{}/CONVENTIONS.md",
        outside.path().file_name().unwrap().to_str().unwrap()
    );
    for (link, why) in [
        ("docs/missing.md", "no such file"),
        (escape.as_str(), "leaves the repository"),
    ] {
        repository.write(
            "README.md",
            &format!("See [it]({link}).\n\n[ref]: docs/guide.md\n"),
        );
        let out = check_links(repository.path(), &["README.md"]);
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{link} passed");
        assert!(
            message.contains(&format!("README.md: {link} ({why})")),
            "{message}"
        );
    }
}
