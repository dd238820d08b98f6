//! Download progress: an indicatif bar (bytes, %, rate, time left) on a terminal, plain lines when stderr is a file or pipe.

use indicatif::{DecimalBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often a plain line is printed at most (a log needs a pulse, not a line per packet).
const LINE_EVERY: Duration = Duration::from_secs(5);

pub struct Progress {
    bar: Option<ProgressBar>,
    total: Option<u64>,
    /// Where this attempt started and when, for the rate and time left of plain lines.
    start: (u64, Instant),
    last_line: Option<(Instant, u64)>,
    /// False until the first response: a download that never started has no progress to report.
    begun: bool,
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let style = ProgressStyle::with_template("{bar:32.cyan/blue} {decimal_bytes}/{decimal_total_bytes} ({percent} %) {decimal_bytes_per_sec}, {eta} left")
                .expect("a valid template")
                .progress_chars("█▉▊▋▌▍▎▏ ");
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style)
        });
        Progress { bar, total: None, start: (0, Instant::now()), last_line: None, begun: false }
    }

    /// A new attempt begins at byte `pos` of a file of `total` bytes (if known).
    pub fn begin(&mut self, pos: u64, total: Option<u64>) {
        self.total = total;
        self.begun = true;
        self.start = (pos, Instant::now());
        if self.bar.is_none() {
            // The first plain line comes after some time or some bytes, when the rate means something.
            self.last_line = Some((Instant::now(), pos));
        }
        if let Some(bar) = &self.bar {
            match total {
                Some(t) => bar.set_length(t),
                None => bar.unset_length(),
            }
            bar.set_position(pos);
            // The bytes already on disk were not downloaded at this rate; the estimate starts again from here.
            bar.reset_eta();
        }
    }

    pub fn set(&mut self, pos: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            return;
        }
        let now = Instant::now();
        let due = match self.last_line {
            None => true,
            Some((t, p)) => now - t >= LINE_EVERY || self.total.is_some_and(|n| n > 0 && (pos - p.min(pos)) * 10 >= n),
        };
        if due {
            self.last_line = Some((now, pos));
            eprintln!("  {}", self.line(pos, now));
        }
    }

    fn line(&self, pos: u64, now: Instant) -> String {
        let (p0, t0) = self.start;
        let secs = (now - t0).as_secs_f64().max(1e-3);
        let rate = (pos - p0.min(pos)) as f64 / secs;
        match self.total {
            Some(n) if n > 0 => {
                let left = if rate > 0.0 {
                    format!(", {:.0} s left", n.saturating_sub(pos) as f64 / rate)
                } else {
                    String::new()
                };
                format!(
                    "{} of {} ({:.0} %), {}/s{left}",
                    DecimalBytes(pos),
                    DecimalBytes(n),
                    pos as f64 * 100.0 / n as f64,
                    DecimalBytes(rate as u64)
                )
            }
            _ => format!("{}, {}/s", DecimalBytes(pos), DecimalBytes(rate as u64)),
        }
    }

    /// A message above the bar (or a line of its own).
    pub fn note(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    /// The download is over (done or failed): the bar is removed, plain output ends with a last line.
    pub fn finish(&mut self, pos: u64) {
        match &self.bar {
            Some(bar) => bar.finish_and_clear(),
            None => {
                if self.begun && self.last_line.is_none_or(|(_, p)| p != pos) {
                    eprintln!("  {}", self.line(pos, Instant::now()));
                }
            }
        }
    }
}
