//! The real `staffdev` binary, run as an operator would (backup, restore, export,
//! import), with the environment's `STAFFDEV_*` settings removed so only the arguments
//! count.

use std::{
    path::Path,
    process::{Command, Output},
};

pub fn staffdev(args: &[&str], database_url: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_staffdev"));
    for (key, _) in std::env::vars() {
        if key.starts_with("STAFFDEV_") {
            command.env_remove(key);
        }
    }
    command
        .args(args)
        .args(["--database-url", database_url])
        .output()
        .expect("run staffdev")
}

pub fn failure_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr.lines().last().unwrap_or_default().to_owned()
}

pub fn path_arg(path: &Path) -> String {
    path.display().to_string()
}
