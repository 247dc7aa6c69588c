//! The keyring file beside the database: who may unlock the store and how, never a key in the
//! clear, never health data.
//!
//! Two levels, so that every member has their own credential and the data key can still be
//! rotated by any one of them:
//! - each **member** (a person with a credential; `owner` is the device owner's, made with the
//!   store) has a random *member key*, sealed under each of their credentials
//!   (`credential.rs`: a strong passphrase, a PIN together with a platform secret, or the
//!   platform keystore alone);
//! - each **slot** (a generation of the data key) seals the data key once per member, under
//!   that member's key; an **escrow** seals every member key under the data key, so whoever
//!   holds the data key can give a new one to every member (rotation).
//!
//! More than one slot exists only while the data key is being rotated (`rotate.rs`). A change
//! (passphrase, new member, platform enrolment) is written as a `pending` change first and
//! decided by the database (`vault.rs`). Format 1 keyrings (one PBKDF2 wrap of the data key)
//! are read by `legacy.rs` and upgraded at their next successful unlock.

use super::credential::Kek;
use crate::crypto::{SecretKey, open_wrapped, seal_wrapped};
use crate::error::{Error, Result, StorageFailure};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::Path;

/// The keyring format this build writes (it reads format 1 too, to upgrade it).
pub const KEYRING_FORMAT: u32 = 2;

/// The member id of the device owner's credentials: made with the store, before the owner's
/// person record exists; unlocking with them acts as the owner.
pub const OWNER: &str = "owner";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keyring {
    pub format: u32,
    /// Random id of the store; authenticated into every seal so nothing moves between stores.
    pub store_id: String,
    /// The first 16 bytes of the database file (SQLCipher's per-database salt), to tell a keyring
    /// from another store apart from a damaged database.
    pub db_salt: String,
    pub keys: Keys,
    /// A change on its way (`vault.rs`, `change_keyring`): `keys` are replaced by these if and
    /// only if the database holds the change's id (committed with its audit entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingChange>,
    /// The audit chain's head as last anchored, under a MAC keyed from the data key
    /// (`anchor.rs`): a chain found shorter was rolled back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<super::anchor::Anchor>,
}

/// Everything that opens the store: members and their credentials, the slots, the escrow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keys {
    pub members: Vec<Member>,
    /// Newest last. Two slots only between the two steps of a key rotation.
    pub slots: Vec<KeySlot>,
    pub escrow: Vec<Sealed>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PendingChange {
    /// Random id, written to `store_meta.keyring_change` in the transaction of the audit entry.
    pub id: String,
    pub keys: Keys,
}

/// A person who can unlock the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Member {
    /// A person id, or [`OWNER`].
    pub id: String,
    /// HMAC of the member's nickname under the store id ([`Keyring::tag`]): finds the member a
    /// front end names without one KDF per member. Not secret (a nickname can be guessed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub credentials: Vec<Credential>,
}

/// The member key sealed under one credential's key-encryption key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Credential {
    pub kek: Kek,
    pub nonce: String,
    pub ciphertext: String,
}

/// One generation of the data key, sealed for every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeySlot {
    pub generation: u32,
    pub grants: Vec<Sealed>,
}

/// A key sealed for one member (AES-256-GCM; the context names store, role, generation and
/// member, so a seal cannot be moved to another place in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sealed {
    pub member: String,
    /// The data key generation (grants and escrow alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u32>,
    pub nonce: String,
    pub ciphertext: String,
}

/// What a seal holds, in its authenticated context.
#[derive(Clone, Copy)]
pub(crate) enum Role {
    /// A member key under one of the member's credentials (`kind` of credential).
    Credential(&'static str),
    /// A data key generation for a member.
    Grant(u32),
    /// A member key under a data key generation.
    Escrow(u32),
}

pub(crate) fn unreadable() -> Error {
    Error::CorruptStore {
        reason: "the keyring file phr.keyring is unreadable",
    }
}

impl Keyring {
    pub fn new(store_id: String, db_salt: [u8; 16]) -> Self {
        Keyring {
            format: KEYRING_FORMAT,
            store_id,
            db_salt: hex::encode(db_salt),
            keys: Keys::default(),
            pending: None,
            anchor: None,
        }
    }

    /// Read a keyring file of format 2 (format 1 is `legacy.rs`'s). Its KDF parameters are
    /// checked here, before any KDF runs.
    pub fn parse(value: serde_json::Value) -> Result<Self> {
        let k: Keyring = serde_json::from_value(value).map_err(|_| unreadable())?;
        if k.keys.slots.is_empty() || k.keys.members.is_empty() || k.db_salt.len() != 32 {
            return Err(unreadable());
        }
        let pending = k.pending.iter().flat_map(|p| &p.keys.members);
        for c in k
            .keys
            .members
            .iter()
            .chain(pending)
            .flat_map(|m| &m.credentials)
        {
            c.kek.check_parameters()?;
        }
        Ok(k)
    }

    /// Write atomically: temp file, fsync, rename over, fsync the folder. A crash leaves either
    /// the old or the new keyring, never a torn one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Storage(StorageFailure::new("keyring", e.to_string())))?;
        // A name of its own: two processes may save in turn, and a leftover is never another's.
        let tmp = path.with_extension(format!("keyring.tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = (|| -> std::io::Result<()> {
            let mut f = private_file(&tmp)?;
            f.write_all(&json)?;
            f.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            // The old keyring is untouched; a full disk must not keep a half temp file either.
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
        if let Some(dir) = path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// Whether `other` is this same keyring (every field).
    pub fn same_as(&self, other: &Keyring) -> bool {
        serde_json::to_vec(self).ok() == serde_json::to_vec(other).ok()
    }

    /// This keyring as it will be once its pending change is committed.
    pub fn pending_keyring(&self) -> Option<Keyring> {
        let p = self.pending.as_ref()?;
        let mut k = self.clone();
        k.keys = p.keys.clone();
        k.pending = None;
        Some(k)
    }

    pub fn db_salt_bytes(&self) -> Option<[u8; 16]> {
        hex::decode(&self.db_salt).ok()?.try_into().ok()
    }

    pub fn newest_generation(&self) -> u32 {
        self.keys
            .slots
            .iter()
            .map(|s| s.generation)
            .max()
            .unwrap_or(0)
    }

    /// The tag a member named `nickname` carries.
    pub fn tag(&self, nickname: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.store_id.as_bytes());
        let msg = format!("phr-member|{}", nickname.trim().to_lowercase());
        hex::encode(ring::hmac::sign(&key, msg.as_bytes()).as_ref())
    }

    /// The member a front end names by nickname (the owner when it names nobody, or a nickname
    /// no member carries: the owner's nickname is checked after unlocking).
    pub fn member_for(&self, nickname: Option<&str>) -> Option<&Member> {
        let by_tag = nickname.and_then(|n| {
            let tag = self.tag(n);
            self.keys
                .members
                .iter()
                .find(|m| m.tag.as_deref() == Some(tag.as_str()))
        });
        by_tag.or_else(|| self.keys.members.iter().find(|m| m.id == OWNER))
    }

    /// The authenticated context of a seal.
    pub fn context(&self, member: &str, role: Role) -> Vec<u8> {
        let what = match role {
            Role::Credential(kind) => format!("credential/{kind}"),
            Role::Grant(g) => format!("grant/{g}"),
            Role::Escrow(g) => format!("escrow/{g}"),
        };
        format!("phr-keyring/v2/{}/{what}/{member}", self.store_id).into_bytes()
    }

    /// Seal `secret` for `member` in `role` under `key`.
    pub fn seal(
        &self,
        key: &SecretKey,
        secret: &SecretKey,
        member: &str,
        role: Role,
    ) -> Result<Sealed> {
        let (nonce, ct) = seal_wrapped(key, secret, &self.context(member, role))?;
        let generation = match role {
            Role::Grant(g) | Role::Escrow(g) => Some(g),
            Role::Credential(_) => None,
        };
        Ok(Sealed {
            member: member.to_owned(),
            generation,
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(ct),
        })
    }

    /// Open a seal made by [`Keyring::seal`]; `None` when `key` is not the one (or it was altered).
    pub fn open(&self, key: &SecretKey, s: &Sealed, role: Role) -> Result<Option<SecretKey>> {
        let nonce = hex::decode(&s.nonce).map_err(|_| unreadable())?;
        let ct = hex::decode(&s.ciphertext).map_err(|_| unreadable())?;
        open_wrapped(key, &nonce, &ct, &self.context(&s.member, role))
    }

    /// The data keys `member_key` opens, newest slot first.
    pub fn data_keys(&self, member: &str, member_key: &SecretKey) -> Result<Vec<(u32, SecretKey)>> {
        let mut out = vec![];
        for slot in self.keys.slots.iter().rev() {
            for g in slot.grants.iter().filter(|g| g.member == member) {
                if let Some(k) = self.open(member_key, g, Role::Grant(slot.generation))? {
                    out.push((slot.generation, k));
                }
            }
        }
        Ok(out)
    }

    /// Every member's key, from the escrow of data key `generation`.
    pub fn member_keys(
        &self,
        generation: u32,
        data_key: &SecretKey,
    ) -> Result<Vec<(String, SecretKey)>> {
        let key = escrow_key(data_key);
        let mut out = vec![];
        for e in self
            .keys
            .escrow
            .iter()
            .filter(|e| e.generation == Some(generation))
        {
            match self.open(&key, e, Role::Escrow(generation))? {
                Some(k) => out.push((e.member.clone(), k)),
                None => return Err(unreadable()),
            }
        }
        Ok(out)
    }

    /// A slot of `generation` sealing `data_key` for every member in `member_keys`, and its escrow.
    pub fn slot_for(
        &self,
        generation: u32,
        data_key: &SecretKey,
        member_keys: &[(String, SecretKey)],
    ) -> Result<(KeySlot, Vec<Sealed>)> {
        let escrow_key = escrow_key(data_key);
        let mut grants = vec![];
        let mut escrow = vec![];
        for (member, key) in member_keys {
            grants.push(self.seal(key, data_key, member, Role::Grant(generation))?);
            escrow.push(self.seal(&escrow_key, key, member, Role::Escrow(generation))?);
        }
        Ok((KeySlot { generation, grants }, escrow))
    }

    pub fn member(&self, id: &str) -> Option<&Member> {
        self.keys.members.iter().find(|m| m.id == id)
    }

    /// Whether `member` has a credential that needs the platform keystore.
    pub fn has_platform_credential(&self, member: &str) -> bool {
        self.member(member)
            .is_some_and(|m| m.credentials.iter().any(|c| c.kek.uses_platform()))
    }
}

/// The key the escrow is sealed under: derived from the data key, never the data key itself.
pub(crate) fn escrow_key(data_key: &SecretKey) -> SecretKey {
    data_key.derive(b"phr-core keyring escrow v1")
}

/// Remove the temp files of keyring saves that crashed (older than a minute: a save in progress
/// in another process is never touched). They hold wrapped keys only.
pub(crate) fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 60);
        if name.to_string_lossy().starts_with("phr.keyring.tmp") && stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// A file readable and writable by its owner only (0600 on Unix).
pub(crate) fn private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// A keyring file as read: this build's format, or format 1 (to unlock once and upgrade).
// Read once per unlock; boxing the common case would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum KeyringFile {
    Current(Keyring),
    Legacy(super::legacy::KeyringV1),
}

/// The data keys a credential opens: which member it is, and each candidate key with the
/// generation it is and whether it came from a pending change.
pub(crate) struct Candidates {
    pub member: String,
    pub keys: Vec<(u32, SecretKey, bool)>,
}

impl KeyringFile {
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("store"),
            _ => Error::from(e),
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
        match value.get("format").and_then(|f| f.as_i64()) {
            Some(2) => Ok(KeyringFile::Current(Keyring::parse(value)?)),
            Some(1) => Ok(KeyringFile::Legacy(super::legacy::KeyringV1::parse(value)?)),
            Some(f) if f > i64::from(KEYRING_FORMAT) => Err(Error::UnsupportedVersion {
                found: f,
                supported: i64::from(KEYRING_FORMAT),
            }),
            _ => Err(unreadable()),
        }
    }

    pub fn db_salt_bytes(&self) -> Option<[u8; 16]> {
        match self {
            KeyringFile::Current(k) => k.db_salt_bytes(),
            KeyringFile::Legacy(k) => k.db_salt_bytes(),
        }
    }

    /// The member `nickname` names (the owner when none) and the data keys `how` opens for
    /// them. Nothing here counts attempts: the caller does (`attempts.rs`).
    pub fn candidates(
        &self,
        nickname: Option<&str>,
        how: &super::files::Unlock<'_>,
    ) -> Result<Candidates> {
        let k = match self {
            KeyringFile::Legacy(v1) => {
                let keys = v1
                    .data_keys(how)?
                    .into_iter()
                    .map(|(g, k)| (g, k, false))
                    .collect();
                return Ok(Candidates {
                    member: OWNER.to_owned(),
                    keys,
                });
            }
            KeyringFile::Current(k) => k,
        };
        let member = k
            .member_for(nickname)
            .map_or(OWNER.to_owned(), |m| m.id.clone());
        let mut keys = vec![];
        let pending = k.pending_keyring();
        for (ring, from_pending) in [(Some(k), false), (pending.as_ref(), true)] {
            let Some(ring) = ring else { continue };
            let Some(m) = ring.member(&member) else {
                continue;
            };
            for c in &m.credentials {
                if let Some(member_key) = c.open(ring, &m.id, how)? {
                    for (g, dk) in ring.data_keys(&m.id, &member_key)? {
                        keys.push((g, dk, from_pending));
                    }
                }
            }
        }
        Ok(Candidates { member, keys })
    }
}

impl Keyring {
    /// A keyring of this build's format (every store is upgraded when it is unlocked).
    pub fn load(path: &Path) -> Result<Keyring> {
        match KeyringFile::load(path)? {
            KeyringFile::Current(k) => Ok(k),
            KeyringFile::Legacy(_) => Err(Error::CorruptStore {
                reason: "the keyring file phr.keyring is of format 1: unlock the store to upgrade it",
            }),
        }
    }
}
