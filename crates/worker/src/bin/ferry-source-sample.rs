//! Ferry's sample source as a standalone binary (`ferry connector source-sample` runs the
//! same code).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = ferry_worker::sample_source::run(&args, std::io::stdout().lock());
    std::process::exit(code);
}
