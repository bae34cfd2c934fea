//! The README's examples are run, so they stay true.

use std::path::Path;

use crate::common::{cchc, Scratch};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// A scratch directory with the repository's examples, where README commands can write files.
fn workspace() -> Scratch {
    let scratch = Scratch::new();
    let examples = scratch.path("examples");
    std::fs::create_dir(&examples).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).unwrap()
    {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), examples.join(entry.file_name())).unwrap();
    }
    scratch
}

fn words(command: &str) -> Vec<String> {
    command
        .split_whitespace()
        .skip(1)
        .map(String::from)
        .collect()
}

#[test]
fn every_cchc_command_in_the_readme_runs() {
    let scratch = workspace();
    let commands: Vec<String> = readme()
        .lines()
        .filter(|l| l.starts_with("cchc ") && l.contains(" examples/"))
        .map(String::from)
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    for command in commands {
        let output = cchc()
            .current_dir(scratch.dir.path())
            .args(words(&command))
            .output()
            .unwrap();
        let code = output.status.code().unwrap();
        assert!(
            code == 0 || code == 1,
            "`{command}` exited {code}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !output.stdout.is_empty() || command.contains("--output"),
            "`{command}` printed nothing"
        );
    }
}

/// Each `<!-- sample-output: CMD -->` block is exactly what CMD prints; each `<!-- sample-excerpt:
/// CMD -->` block is a part of it, line for line.
#[test]
fn the_sample_outputs_are_what_cchc_prints() {
    let text = readme();
    let scratch = workspace();
    let mut checked = 0;
    for (marker, whole) in [
        ("<!-- sample-output: ", true),
        ("<!-- sample-excerpt: ", false),
    ] {
        for (start, _) in text.match_indices(marker) {
            let rest = &text[start + marker.len()..];
            let command = &rest[..rest.find(" -->").unwrap()];
            let block = &rest[rest.find("```text\n").unwrap() + 8..];
            let expected = &block[..block.find("```").unwrap()];
            let output = cchc()
                .current_dir(scratch.dir.path())
                .args(words(command))
                .output()
                .unwrap();
            let printed = String::from_utf8_lossy(&output.stdout);
            if whole {
                assert_eq!(printed, expected, "README sample of `{command}`");
            } else {
                assert!(
                    printed.contains(expected),
                    "README excerpt of `{command}` is not in what it prints:\n{printed}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "the README's samples were not found");
}

#[test]
fn the_readme_quick_start_commands_are_the_real_ones() {
    let text = readme();
    assert!(text.contains("cargo run --release -- report examples/dossiers.vi.csv"));
    let ci =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(text.contains("cargo test --locked") && ci.contains("cargo test --locked"));
}

#[test]
fn the_indicator_table_is_what_cchc_indicators_prints() {
    let text = readme();
    let start = text
        .find("<!-- indicators: cchc indicators --format markdown -->\n")
        .expect("the indicators marker");
    let rest = &text[start..];
    let table = &rest[rest.find('\n').unwrap() + 1..rest.find("<!-- end indicators -->").unwrap()];
    let output = cchc()
        .args(["indicators", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), table);
}
