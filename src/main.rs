fn main() -> std::process::ExitCode {
    framewatch::cli::main()
}
