//! Ferry's local-json destination as a standalone binary (`ferry connector
//! destination-local-json` runs the same code).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code =
        ferry_worker::local_json::run(&args, std::io::stdin().lock(), std::io::stdout().lock());
    std::process::exit(code);
}
