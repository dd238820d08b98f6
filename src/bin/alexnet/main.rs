//! `alexnet`: the engine on the command line (predict, dump every layer, attribute, convert and inspect weights, fetch
//! the real ones).
//!
//! Native only: cargo also builds binaries when it builds wasm32 integration tests, so there `main` is empty.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod args;
#[cfg(not(target_arch = "wasm32"))]
mod attribute;
#[cfg(not(target_arch = "wasm32"))]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
mod download;
#[cfg(not(target_arch = "wasm32"))]
mod fetch;
#[cfg(not(target_arch = "wasm32"))]
mod files;
#[cfg(not(target_arch = "wasm32"))]
mod inputs;
#[cfg(not(target_arch = "wasm32"))]
mod progress;
#[cfg(not(target_arch = "wasm32"))]
mod vouches;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use args::Command;
    let cli = args::parse();
    let t0 = std::time::Instant::now();
    let r = match &cli.command {
        Command::Predict(a) => commands::predict(a),
        Command::Dump(a) => commands::dump(a),
        Command::Convert(a) => commands::convert(a),
        Command::Info(a) => commands::info(a),
        Command::Fetch(a) => fetch::fetch(a),
        Command::QuantReport(a) => commands::quant_report(a),
        Command::Attribute(a) => attribute::attribute(a),
    };
    match r {
        Ok(()) => {
            if std::env::var_os("ALEXNET_TIME").is_some() {
                eprintln!("{:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
