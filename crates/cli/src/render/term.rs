//! The terminal the answer is printed on: whether to colour it, and how
//! wide it is. Set once in `main` from `--color`; read by the renderers.
//!
//! Colour follows the conventions of the AWS CLI and modern CLIs:
//! `--color always|never` wins; with `auto` (the default) standard output
//! must be a terminal, `NO_COLOR` (<https://no-color.org>) must be unset or
//! empty, and `TERM` must not be `dumb`.

use std::io::IsTerminal;
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

/// `--color`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always colour (e.g. for `less -R`).
    Always,
    /// Never colour.
    Never,
}

/// What the renderers need to know about the output.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// Emit ANSI colours.
    pub color: bool,
    /// Columns to fit: the terminal's width, else `COLUMNS`, else 80.
    pub width: usize,
}

static TERM: OnceLock<Term> = OnceLock::new();

/// Decides colour and width for this run, from `--color`, the environment
/// and whether standard output is a terminal.
pub fn init(choice: ColorChoice) {
    let tty = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    let color = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color && !dumb,
    };
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 40);
    let width = terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w >= 40)
        .or(from_env)
        .unwrap_or(80);
    let _ = TERM.set(Term { color, width });
}

/// This run's terminal (no colour, 80 columns before [`init`]).
pub fn get() -> Term {
    TERM.get().copied().unwrap_or(Term {
        color: false,
        width: 80,
    })
}

/// `text` in `color` (bold when `bold`), when colour is on.
pub fn paint(text: &str, color: AnsiColor, bold: bool) -> String {
    if !get().color {
        return text.to_string();
    }
    let mut style = Style::new().fg_color(Some(color.into()));
    if bold {
        style = style.bold();
    }
    format!("{style}{text}{style:#}")
}

/// `text` wrapped at word boundaries to this run's width, the first line
/// starting with `first`, the others indented by `indent` spaces; ends with
/// a newline. Words longer than a line (ids, commands) are never broken.
pub fn wrap(first: &str, text: &str, indent: usize) -> String {
    let rest = " ".repeat(indent);
    let opts = textwrap::Options::new(get().width)
        .initial_indent(first)
        .subsequent_indent(&rest)
        .break_words(false)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut s = textwrap::fill(text, opts);
    s.push('\n');
    s
}

/// A shell command indented by `indent` spaces: each `&&` step on its own
/// line, and a step that does not fit this run's width broken before its
/// `--` options, with ` \` continuations so that it still pastes as one
/// command. Ends with a newline.
pub fn command(cmd: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let width = get().width;
    if indent + cmd.len() <= width {
        return format!("{pad}{cmd}\n");
    }
    let steps: Vec<String> = cmd.split(" && ").map(|s| step(s, &pad, width)).collect();
    let mut out = steps.join(" && \\\n");
    out.push('\n');
    out
}

/// One step of [`command`], broken before its options to fit `width`.
fn step(cmd: &str, pad: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = format!("{pad}{}", cmd.split(" --").next().unwrap_or(cmd));
    for opt in cmd.split(" --").skip(1) {
        let piece = format!(" --{opt}");
        if line.len() + piece.len() + 2 > width {
            out.push_str(&line);
            out.push_str(" \\\n");
            line = format!("{pad}   {}", piece.trim_start());
        } else {
            line.push_str(&piece);
        }
    }
    out.push_str(&line);
    out
}
