//! `embed_migrations!` reads `migrations/` at compile time; tell cargo to rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
