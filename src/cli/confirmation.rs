//! The question a destructive command asks on the terminal before it acts.

use std::io::{BufRead, Write};

use crate::operations::failure::Failure;

/// Prints `question` on stderr and reads one line from stdin: true only for `yes`.
pub fn confirmed(question: &str) -> Result<bool, Failure> {
    eprint!("{question}");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::Runtime(format!("cannot read the confirmation: {e}")))?;
    Ok(answer.trim() == "yes")
}
