//! End to end: the real binary's explorer in a real terminal (tmux), against the embedded
//! S3 server. Marks by hand, deletes with `d` + `y`, quits, and checks key by key through
//! the S3 API that exactly the marked deployments are gone, and that the terminal is
//! back to a normal shell (no alternate screen, no mouse capture, echo on).
//!
//! Needs tmux; without it this test fails (it is never skipped).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::Utc;

use common::S3Target;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// A tmux server of our own (private socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(shell_env: &[(&str, &str)]) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            matches!(&version, Ok(out) if out.status.success()),
            "install tmux: apt-get install tmux (this end-to-end test drives the explorer in tmux)"
        );
        let socket = format!(
            "s3prune-test-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let tmux = Tmux { socket };
        let mut args: Vec<String> = vec![
            "new-session".into(),
            "-d".into(),
            "-s".into(),
            "main".into(),
            "-x".into(),
            WIDTH.to_string(),
            "-y".into(),
            HEIGHT.to_string(),
            "--".into(),
            "env".into(),
            "-i".into(),
        ];
        for (k, v) in shell_env {
            args.push(format!("{k}={v}"));
        }
        args.extend(["bash".into(), "--norc".into(), "--noprofile".into()]);
        let out = tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "send-keys {keys:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn format(&self, format: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", "main", format])
                .stdout,
        )
        .trim()
        .to_string()
    }

    /// Polls the pane until `condition` holds; fails with the screen after `within`.
    fn wait_for(&self, what: &str, within: Duration, condition: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), Duration::from_secs(60), |s| {
            s.contains(text)
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The deployments, newest first: (name, age in hours).
const DEPLOYMENTS: [(&str, i64); 8] = [
    ("d1", 1),
    ("d4x", 12),
    ("d2", 24),
    ("d3", 48),
    ("d4", 240),
    ("d5", 480),
    ("d6", 720),
    ("current", 960),
];

fn objects() -> Vec<(String, usize, Option<chrono::DateTime<Utc>>)> {
    let now = Utc::now();
    let mut objects = Vec::new();
    for (name, hours) in DEPLOYMENTS {
        let time = Some(now - chrono::Duration::hours(hours));
        objects.push((format!("{name}/index.html"), 1200, time));
        objects.push((format!("{name}/css/site.css"), 800, time));
        objects.push((format!("{name}/js/app.js"), 5000, time));
    }
    // A folder marker belongs to its deployment; a root-level file to none.
    objects.push(("d3/".into(), 0, Some(now - chrono::Duration::hours(48))));
    objects.push((
        "robots.txt".into(),
        30,
        Some(now - chrono::Duration::hours(2000)),
    ));
    objects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_deletes_exactly_the_marked_deployments_and_restores_the_terminal() {
    let s3 = S3Target::embedded().await;
    let bucket = s3.fresh_bucket("tui").await;
    s3.put_all(&bucket, objects()).await;
    let before = s3.all_keys(&bucket).await;
    assert_eq!(before.len(), 26);

    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let script = write_launcher(&s3, &bucket, dir.path(), &audit);

    let driven = tokio::task::spawn_blocking(move || drive(&script)).await;
    if let Err(e) = driven {
        std::panic::resume_unwind(e.into_panic());
    }

    // Rule: keep 3 newest (d1, d4x, d2), protect current → deletes d3 d4 d5 d6.
    // By hand: + d2, - d6. Deleted: d2 d3 d4 d5. Everything else stays, key by key.
    let deleted = ["d2", "d3", "d4", "d5"];
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(key, _)| !deleted.iter().any(|d| key.starts_with(&format!("{d}/"))))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let after = s3.all_keys(&bucket).await;
    assert_eq!(after, expected, "exactly the marked deployments are gone");
    assert!(
        after.contains_key("d4x/index.html"),
        "d4/ is not a prefix of d4x/"
    );
    assert!(after.contains_key("robots.txt"));
    assert!(after.contains_key("current/index.html"));
    assert!(after.contains_key("d6/index.html"), "un-marked by hand");

    // The audit log names every deleted key, and only those.
    let audited: Vec<String> = std::fs::read_to_string(&audit)
        .expect("the audit log was written")
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .inspect(|record| assert_eq!(record["result"], "deleted", "{record}"))
        .map(|record| record["key"].as_str().unwrap().to_string())
        .collect();
    let mut audited_sorted = audited.clone();
    audited_sorted.sort();
    let gone: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    assert_eq!(audited_sorted, gone);
}

/// A script that runs the binary with exactly the test's settings (nothing inherited
/// from the developer's AWS configuration).
fn write_launcher(s3: &S3Target, bucket: &str, dir: &Path, audit: &Path) -> std::path::PathBuf {
    write_launcher_with(s3, bucket, dir, audit, &[])
}

fn write_launcher_with(
    s3: &S3Target,
    bucket: &str,
    dir: &Path,
    audit: &Path,
    extra_env: &[(&str, &str)],
) -> std::path::PathBuf {
    let cli = s3.cli();
    let mut env: Vec<String> = cli
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, shell_quote(v?.to_str()?))))
        .collect();
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v))),
    );
    env.push(format!(
        "XDG_STATE_HOME={}",
        shell_quote(&dir.join("state").display().to_string())
    ));
    let line = format!(
        "exec env -i PATH=\"$PATH\" HOME=\"$HOME\" TERM=\"$TERM\" {} {} --bucket {} --keep 3 --protect current --audit-log {}\n",
        env.join(" "),
        shell_quote(cli.get_program().to_str().unwrap()),
        shell_quote(bucket),
        shell_quote(&audit.display().to_string()),
    );
    let path = dir.join("explore.sh");
    // In the test's folder: `w` writes the plan file there.
    let cd = format!("cd {}\n", shell_quote(&dir.display().to_string()));
    std::fs::write(&path, format!("#!/bin/sh\n{cd}{line}")).unwrap();
    path
}

fn drive(script: &Path) {
    let path = std::env::var("PATH").unwrap_or_default();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let tmux = Tmux::start(&[
        ("PATH", &path),
        ("HOME", &home),
        ("TERM", "xterm-256color"),
        ("PS1", "$ "),
    ]);
    tmux.wait_for("the shell prompt", Duration::from_secs(20), |s| {
        s.contains('$')
    });
    tmux.keys(&[
        &format!("sh {}", shell_quote(&script.display().to_string())),
        "Enter",
    ]);

    // The explorer opens and lists: 8 deployments, the rule marks 4.
    let screen = tmux.wait_text("marked  4 deployments");
    assert!(screen.contains("bucket  8 deployments"), "{screen}");
    assert!(screen.contains("root-level object"), "{screen}");
    assert_eq!(
        tmux.format("#{alternate_on}"),
        "1",
        "the explorer uses the alternate screen"
    );
    assert_eq!(tmux.format("#{mouse_any_flag}"), "1", "mouse capture is on");

    // Rows newest first: d1 d4x d2 d3 d4 d5 d6 current. Mark d2 by hand.
    tmux.keys(&["j", "j", "Space"]);
    let screen = tmux.wait_text("[+] d2");
    assert!(screen.contains("marked  5 deployments"), "{screen}");
    // current is protected: space refuses.
    tmux.keys(&["G", "Space"]);
    tmux.wait_text("is protected by --protect");
    // Un-mark d6 by hand.
    tmux.keys(&["k", "Space"]);
    tmux.wait_text("[-] d6");
    tmux.wait_text("marked  4 deployments");

    // d opens the confirmation; it names what goes.
    tmux.keys(&["d"]);
    let dialog = tmux.wait_text("Delete 4 deployments from");
    for name in ["d2", "d3", "d4", "d5"] {
        assert!(
            dialog.lines().any(|l| l.contains(&format!("║   {name} "))),
            "{name} in the dialog:\n{dialog}"
        );
    }
    assert!(
        !dialog.lines().any(|l| l.contains("║   d6 ")),
        "d6 is not in the dialog:\n{dialog}"
    );
    tmux.keys(&["y"]);
    tmux.wait_text("Deleted 4 of 4 deployments");

    // Back to the list, which reloaded: 4 deployments left, nothing marked.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the reloaded list", Duration::from_secs(60), |s| {
        s.contains("bucket  4 deployments") && !s.contains("so far")
    });
    assert!(screen.contains("marked  0 deployments"), "{screen}");

    // q quits; the shell is back, in its normal mode.
    tmux.keys(&["q"]);
    assert_terminal_restored(&tmux);
}

/// A person reviews interactively and writes the marks with `w`; `prune --plan` applies
/// that file and deletes exactly the marked deployments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorers_plan_file_is_applied_exactly_by_prune_plan() {
    let s3 = S3Target::embedded().await;
    let bucket = s3.fresh_bucket("tuiplan").await;
    s3.put_all(&bucket, objects()).await;
    let before = s3.all_keys(&bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let script = write_launcher(&s3, &bucket, dir.path(), &audit);

    let driven = tokio::task::spawn_blocking(move || {
        let tmux = shell();
        tmux.keys(&[
            &format!("sh {}", shell_quote(&script.display().to_string())),
            "Enter",
        ]);
        tmux.wait_text("marked  4 deployments");
        // Rows newest first: d1 d4x d2 d3 d4 d5 d6 current. + d2, - d6 by hand.
        tmux.keys(&["j", "j", "Space"]);
        tmux.wait_text("[+] d2");
        tmux.keys(&["G", "k", "Space"]);
        tmux.wait_text("[-] d6");
        tmux.keys(&["w"]);
        let screen = tmux.wait_text("wrote the marks to s3prune-plan-");
        assert!(screen.contains("s3prune prune --plan"), "{screen}");
        tmux.keys(&["q"]);
        assert_terminal_restored(&tmux);
    })
    .await;
    if let Err(e) = driven {
        std::panic::resume_unwind(e.into_panic());
    }
    assert_eq!(s3.all_keys(&bucket).await, before, "w deletes nothing");

    let plan = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("s3prune-plan-")
        })
        .expect("w wrote a plan file in the current folder");
    let mut prune = s3.cli();
    prune
        .args([
            "prune",
            "--plan",
            plan.to_str().unwrap(),
            "--yes",
            "--audit-log",
        ])
        .arg(&audit);
    let out = s3.run(prune).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deleted = ["d2", "d3", "d4", "d5"];
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(key, _)| !deleted.iter().any(|d| key.starts_with(&format!("{d}/"))))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(s3.all_keys(&bucket).await, expected);
}

/// A tmux session at a shell prompt, with the test's PATH and HOME.
fn shell() -> Tmux {
    let path = std::env::var("PATH").unwrap_or_default();
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let tmux = Tmux::start(&[
        ("PATH", &path),
        ("HOME", &home),
        ("TERM", "xterm-256color"),
        ("PS1", "$ "),
    ]);
    tmux.wait_for("the shell prompt", Duration::from_secs(20), |s| {
        s.contains('$')
    });
    tmux
}

/// The terminal is usable again: normal screen, no mouse capture, visible cursor, and
/// the shell echoes what is typed.
fn assert_terminal_restored(tmux: &Tmux) {
    tmux.wait_for(
        "the explorer to leave the alternate screen",
        Duration::from_secs(20),
        |_| tmux.format("#{alternate_on}") == "0",
    );
    tmux.keys(&["echo restored-$((40+2))", "Enter"]);
    let screen = tmux.wait_text("restored-42");
    assert!(
        screen.contains("$ echo restored-$((40+2))"),
        "the shell echoes input again:\n{screen}"
    );
    assert_eq!(
        tmux.format("#{mouse_any_flag}"),
        "0",
        "mouse capture is off"
    );
    assert_eq!(tmux.format("#{cursor_flag}"), "1", "the cursor is visible");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_the_explorer_restores_the_terminal() {
    let s3 = S3Target::embedded().await;
    let bucket = s3.fresh_bucket("panic").await;
    s3.put_all(&bucket, objects()).await;
    let before = s3.all_keys(&bucket).await;
    let dir = tempfile::tempdir().unwrap();
    let script = write_launcher_with(
        &s3,
        &bucket,
        dir.path(),
        &dir.path().join("audit.jsonl"),
        &[("S3PRUNE_TEST_PANIC_AFTER_FIRST_FRAME", "1")],
    );
    let driven = tokio::task::spawn_blocking(move || {
        let tmux = shell();
        tmux.keys(&[
            &format!("sh {}", shell_quote(&script.display().to_string())),
            "Enter",
        ]);
        let screen = tmux.wait_text("test-only panic requested");
        assert!(
            !screen.contains("[x]"),
            "the panic message is on the normal screen:\n{screen}"
        );
        assert_terminal_restored(&tmux);
    })
    .await;
    if let Err(e) = driven {
        std::panic::resume_unwind(e.into_panic());
    }
    assert_eq!(s3.all_keys(&bucket).await, before, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_deletes_exactly_the_plan_while_the_server_throttles_and_fails_keys() {
    let s3 = S3Target::embedded().await;
    let bucket = s3.fresh_bucket("tuifaults").await;
    s3.put_all(&bucket, objects()).await;
    let before = s3.all_keys(&bucket).await;
    s3.server()
        .unwrap()
        .set_faults(s3prune::server::FaultConfig {
            slow_down: 0.10,
            delete_key_error: 0.05,
            seed: 5,
            ..s3prune::server::FaultConfig::none()
        });
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let script = write_launcher(&s3, &bucket, dir.path(), &audit);
    let driven = tokio::task::spawn_blocking(move || {
        let tmux = shell();
        tmux.keys(&[
            &format!("sh {}", shell_quote(&script.display().to_string())),
            "Enter",
        ]);
        // Retried 503s slow the listing down; d waits for a complete one.
        tmux.wait_for("the complete listing", Duration::from_secs(60), |s| {
            s.contains("marked  4 deployments")
                && s.contains("bucket  8 deployments")
                && !s.contains("so far")
        });
        tmux.keys(&["d"]);
        tmux.wait_text("Delete 4 deployments from");
        tmux.keys(&["y"]);
        tmux.wait_text("Deleted 4 of 4 deployments");
        tmux.keys(&["Enter"]);
        tmux.wait_for("the reloaded list", Duration::from_secs(60), |s| {
            s.contains("bucket  4 deployments") && !s.contains("so far")
        });
        tmux.keys(&["q"]);
        assert_terminal_restored(&tmux);
    })
    .await;
    s3.server()
        .unwrap()
        .set_faults(s3prune::server::FaultConfig::none());
    if let Err(e) = driven {
        std::panic::resume_unwind(e.into_panic());
    }
    // Rule: keep 3 newest (d1, d4x, d2), protect current: d3 d4 d5 d6 go.
    let deleted = ["d3", "d4", "d5", "d6"];
    let expected: BTreeMap<String, i64> = before
        .iter()
        .filter(|(key, _)| !deleted.iter().any(|d| key.starts_with(&format!("{d}/"))))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(s3.all_keys(&bucket).await, expected, "key by key");
    let audited = std::fs::read_to_string(&audit).unwrap();
    assert_eq!(
        audited.lines().count(),
        before.len() - expected.len(),
        "one audit line per deleted key"
    );
}
