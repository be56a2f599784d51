//! Why a conversation could not be read or did not pass.

use std::path::PathBuf;

use crate::expect::Mismatch;
use crate::template::TemplateError;

/// Which request of which conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    /// The conversation's name.
    pub conversation: String,
    /// `step` or `check` (a final-state check).
    pub phase: &'static str,
    /// Its number among the file's steps or checks, from 1.
    pub number: usize,
    /// Its repeat counter, from 1, when the step repeats.
    pub iteration: Option<u32>,
    /// The step's name in the file.
    pub name: String,
}

impl std::fmt::Display for StepRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {} {}", self.conversation, self.phase, self.number)?;
        if let Some(n) = self.iteration {
            write!(f, " (repeat {n})")?;
        }
        write!(f, " '{}'", self.name)
    }
}

/// A response that is not what the conversation expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// Where in the conversation.
    pub step: StepRef,
    /// The request as sent: method, path, body (cut short; no token).
    pub request: String,
    /// What differed: the status, a header, or the body at a JSON pointer.
    pub mismatch: Mismatch,
    /// The response: status and body (cut short).
    pub response: String,
}

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}\n  request:  {}\n  response: {}",
            self.step, self.mismatch, self.request, self.response
        )
    }
}

/// Everything reading or playing a conversation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not a conversation (JSON, or a field unknown or missing).
    #[error("{origin} is not a conversation file: {source}")]
    Parse {
        /// The file, or `text`.
        origin: String,
        /// Where and why.
        source: serde_json::Error,
    },
    /// The file is JSON but breaks a rule of the format.
    #[error("{origin}: {problem}")]
    Invalid {
        /// The file, or `text`.
        origin: String,
        /// Which rule.
        problem: String,
    },
    /// A placeholder names nothing captured before, or `$each` is wrong.
    #[error("{step}: {source}")]
    Template {
        /// Where in the conversation.
        step: StepRef,
        /// Which placeholder.
        source: TemplateError,
    },
    /// No response came (connection refused, timeout, ...).
    #[error("{step}: no response to {request}: {source}")]
    Transport {
        /// Where in the conversation.
        step: StepRef,
        /// The request as sent.
        request: String,
        /// The transport's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server answered otherwise than the conversation expects.
    #[error("{0}")]
    Failed(Box<StepFailure>),
}
