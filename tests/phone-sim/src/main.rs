fn main() {
    eprintln!("phone-sim: not built yet");
    std::process::exit(2);
}
