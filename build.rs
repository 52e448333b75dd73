//! Build script: rebuild when migrations, templates or translations change (they are embedded).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=assets");
}
