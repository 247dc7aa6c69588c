//! Getting secrets from the environment or a no-echo prompt; they live in wiped buffers.

use crate::output::{CliError, CliResult};
use std::io::IsTerminal;
use zeroize::Zeroizing;

/// The secret in `env`, or a no-echo prompt when a terminal is attached.
pub fn secret(env: &str, prompt: &str) -> CliResult<Zeroizing<String>> {
    if let Ok(v) = std::env::var(env) {
        return Ok(Zeroizing::new(v));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "set {env} or run in a terminal to be asked"
        )));
    }
    Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
}

/// A new secret, asked twice when prompted.
pub fn new_secret(env: &str, what: &str) -> CliResult<Zeroizing<String>> {
    if std::env::var(env).is_ok() {
        return secret(env, "");
    }
    let a = secret(env, &format!("New {what}: "))?;
    let b = secret(env, &format!("Repeat the {what}: "))?;
    if *a != *b {
        return Err(CliError::Usage(format!("the two {what}s differ")));
    }
    Ok(a)
}

/// KDF cost: calibrated to about 0.5 s here, unless PHR_KDF_MEMORY_KIB asks for another memory
/// (one pass; the project's tests use a tiny one, never a resident's store).
pub fn kdf() -> CliResult<phr_core::KdfParams> {
    match std::env::var("PHR_KDF_MEMORY_KIB") {
        Ok(v) => {
            let kib = v
                .parse()
                .map_err(|_| CliError::Usage("PHR_KDF_MEMORY_KIB must be a number".into()))?;
            Ok(phr_core::KdfParams::with_cost(kib, 1)?)
        }
        Err(_) => Ok(phr_core::KdfParams::calibrated()),
    }
}
