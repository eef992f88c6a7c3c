use clap::Parser;

fn main() {
    djsa_alloc::thp_off_unless_asked();
    djsa::cli::LEAK_ON_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
    let cli = match djsa::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // clap exits 0 for --help/--version and 2 for usage errors.
            std::process::exit(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Not locked for the whole run: the language server writes stdout from its own threads.
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let code = match djsa::cli::run(cli, &mut stdout, &mut stderr) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("djsa: error: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

/// mimalloc: the analysis allocates many small strings and trees; the system allocator spent a
/// third of a cold check in malloc/free. `djsa_alloc` explains why it is not the `mimalloc` crate.
#[global_allocator]
static GLOBAL: djsa_alloc::MiMalloc = djsa_alloc::MiMalloc;
