// The migrations are embedded from the top-level migrations/ folder: rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
