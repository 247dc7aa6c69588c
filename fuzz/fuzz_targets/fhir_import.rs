//! Coverage-guided fuzzing of the pure FHIR import step: any bytes must give a plan or an
//! error naming a JSON path, never a panic, in bounded time and memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = phr_core::fhir::import::plan(data) {
        // Errors name a path, never the input.
        let _ = e.to_string();
    }
});
