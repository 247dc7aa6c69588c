//! The UniFFI bindings generator, pinned to the same uniffi version as the library.
//! `scripts/gen-bindings.sh` runs it in library mode over the built `libphr_ffi`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
