//! Ids derived from content: the same parts always give the same id (an imported resource
//! without an identity, a kept document, a checkup's result line).

/// A UUID (version 8, RFC 9562) from SHA-256 of the parts: the same parts always give the same id.
/// Used for resources that are not records themselves (a checkup's result lines, Provenance,
/// the Bundle).
pub fn derived_id(parts: &[&[u8]]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(&(p.len() as u64).to_be_bytes());
        ctx.update(p);
    }
    uuid_from_digest(ctx.finish().as_ref())
}

/// The first 16 bytes of a digest as a version-8 UUID.
pub fn uuid_from_digest(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).hyphenated().to_string()
}
