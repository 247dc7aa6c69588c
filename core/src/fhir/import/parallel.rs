//! Splitting the plan of a large Bundle between a few threads while keeping its results, and
//! its first error, exactly as one sequential pass would give them.
//!
//! Each entry is parsed and mapped on its own, so the work divides cleanly. [`each_in_order`]
//! hands the results to the calling thread in input order, chunk by chunk, as soon as they are
//! ready, so an import writes the first resources while the later ones are still being read;
//! [`in_order`] collects them.

use crate::error::Result;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// Entries per thread below which a Bundle is read on the calling thread only.
pub(super) const ENTRIES_PER_THREAD: usize = 2_000;
/// Most threads a plan uses (the calling thread included).
const MAX_THREADS: usize = 4;
/// Entries per chunk handed over by [`each_in_order`]: large enough that handing over costs
/// nothing, small enough that the first chunk is ready almost at once.
pub(super) const CHUNK: usize = 256;

/// How many threads (the calling one included) `n` items are worth.
fn threads_for(n: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(MAX_THREADS)
        .min(n / ENTRIES_PER_THREAD)
        .max(1)
}

/// `f` over every item, in order, as `items.iter().enumerate().map(f).collect()` would give it
/// (the same results and, on failure, the error of the first item that fails): [`each_in_order`]
/// collected.
pub(super) fn in_order<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let mut out = Vec::with_capacity(items.len());
    each_in_order(items, f, &mut |chunk| {
        out.extend(chunk);
        Ok(())
    })?;
    Ok(out)
}

/// A chunk's place in the hand-over.
enum Slot<R> {
    Waiting,
    Done(Result<Vec<R>>),
    Panicked(Box<dyn std::any::Any + Send>),
    Taken,
}

struct Shared<R> {
    /// The next chunk nobody has claimed yet.
    next: AtomicUsize,
    /// Set when the calling thread needs no more chunks.
    stop: AtomicBool,
    slots: Mutex<Vec<Slot<R>>>,
    filled: Condvar,
}

impl<R> Shared<R> {
    fn claim(&self, chunks: usize) -> Option<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        let c = self.next.fetch_add(1, Ordering::Relaxed);
        (c < chunks).then_some(c)
    }

    fn put(&self, c: usize, slot: Slot<R>) {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)[c] = slot;
        self.filled.notify_all();
    }
}

/// `f` over every item with the results handed to `sink` on the calling thread, in input order,
/// a chunk at a time. The outcome is that of a sequential pass which plans everything first:
/// the first item that fails is the error, whether or not `sink` failed on an earlier chunk
/// (after a failed `sink` the remaining items are still checked, never handed over); `sink`'s
/// own error comes only when every item was planned. Worker threads claim chunks in order; the
/// calling thread plans the next unclaimed chunk itself whenever the one it needs is not ready,
/// so nothing is lost when a thread cannot be started or there is only one core.
pub(super) fn each_in_order<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync,
    sink: &mut dyn FnMut(Vec<R>) -> Result<()>,
) -> Result<()> {
    let chunks = items.len().div_ceil(CHUNK);
    let run = |c: usize| -> Result<Vec<R>> {
        let start = c * CHUNK;
        items[start..(start + CHUNK).min(items.len())]
            .iter()
            .enumerate()
            .map(|(j, t)| f(start + j, t))
            .collect()
    };
    let shared = Shared {
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        slots: Mutex::new((0..chunks).map(|_| Slot::Waiting).collect()),
        filled: Condvar::new(),
    };
    let workers = threads_for(items.len()) - 1;
    std::thread::scope(|s| {
        let (shared, run) = (&shared, &run);
        for _ in 0..workers {
            let started = std::thread::Builder::new()
                .name("phr-fhir-plan".into())
                .spawn_scoped(s, move || {
                    while let Some(c) = shared.claim(chunks) {
                        let slot = match catch_unwind(AssertUnwindSafe(|| run(c))) {
                            Ok(done) => Slot::Done(done),
                            Err(panic) => Slot::Panicked(panic),
                        };
                        shared.put(c, slot);
                    }
                });
            if started.is_err() {
                break;
            }
        }
        let out = consume(shared, chunks, run, sink);
        shared.stop.store(true, Ordering::Relaxed);
        out
    })
}

/// The calling thread's side of [`each_in_order`].
fn consume<R>(
    shared: &Shared<R>,
    chunks: usize,
    run: &(dyn Fn(usize) -> Result<Vec<R>> + Sync),
    sink: &mut dyn FnMut(Vec<R>) -> Result<()>,
) -> Result<()> {
    let mut sink_failed = None;
    for i in 0..chunks {
        let done = loop {
            let ready = {
                let mut slots = shared.slots.lock().unwrap_or_else(PoisonError::into_inner);
                match &slots[i] {
                    Slot::Waiting => None,
                    _ => Some(std::mem::replace(&mut slots[i], Slot::Taken)),
                }
            };
            match ready {
                Some(Slot::Done(done)) => break done,
                Some(Slot::Panicked(panic)) => resume_unwind(panic),
                Some(Slot::Waiting | Slot::Taken) => unreachable!("chunk {i} handed over twice"),
                None => {}
            }
            // Not ready: plan the next unclaimed chunk here, or wait for the thread planning it.
            match shared.claim(chunks) {
                Some(c) if c == i => break run(c),
                Some(c) => shared.put(c, Slot::Done(run(c))),
                None => {
                    let slots = shared.slots.lock().unwrap_or_else(PoisonError::into_inner);
                    let _filled = shared
                        .filled
                        .wait_while(slots, |s| matches!(s[i], Slot::Waiting))
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        };
        let done = done?;
        if sink_failed.is_none() {
            sink_failed = sink(done).err();
        }
    }
    sink_failed.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    fn bad(i: usize) -> Error {
        Error::invalid(format!("entry[{i}]"), "bad")
    }

    /// Every result, in order, whatever the size (below the thread threshold, at chunk
    /// boundaries, with workers).
    #[test]
    fn each_in_order_hands_over_every_result_in_order() {
        for n in [
            0,
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            4 * ENTRIES_PER_THREAD + 7,
        ] {
            let items: Vec<usize> = (0..n).collect();
            let mut got = vec![];
            let mut sizes = vec![];
            each_in_order(&items, |i, v| Ok((i, *v * 3)), &mut |chunk| {
                sizes.push(chunk.len());
                got.extend(chunk);
                Ok(())
            })
            .unwrap();
            assert_eq!(got, items.iter().map(|&v| (v, v * 3)).collect::<Vec<_>>());
            assert!(sizes.iter().all(|&s| s > 0 && s <= CHUNK), "{sizes:?}");
        }
    }

    /// The first item that fails is the error, even after the sink failed on an earlier
    /// chunk; once the sink failed it gets nothing more; its own error comes when every item
    /// was fine.
    #[test]
    fn each_in_order_reports_the_first_bad_item_before_the_sinks_error() {
        let items: Vec<usize> = (0..4 * ENTRIES_PER_THREAD + 7).collect();
        let last = items.len() - 1;
        for bad_items in [vec![last], vec![9, last], vec![3 * CHUNK + 1, 5 * CHUNK]] {
            let calls = AtomicUsize::new(0);
            let e = each_in_order(
                &items,
                |i, _| {
                    if bad_items.contains(&i) {
                        Err(bad(i))
                    } else {
                        Ok(i)
                    }
                },
                &mut |_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                    Err(Error::invalid("sink", "refused"))
                },
            )
            .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("invalid entry[{}]: bad", bad_items[0])
            );
            assert!(calls.load(Ordering::Relaxed) <= 1);
        }
        let mut handed = 0;
        let e = each_in_order(&items, |i, _| Ok(i), &mut |chunk| {
            handed += chunk.len();
            if handed > CHUNK {
                return Err(Error::invalid("sink", "refused"));
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "invalid sink: refused");
        assert_eq!(handed, 2 * CHUNK);
    }

    /// The first chunk reaches the sink before the last item is mapped: the writer works while
    /// the rest is still being read (a plan-everything-first version waits here and fails).
    #[test]
    fn each_in_order_hands_over_the_first_chunk_before_mapping_the_last_item() {
        let items: Vec<usize> = (0..4 * ENTRIES_PER_THREAD).collect();
        let last = items.len() - 1;
        let first_handed = AtomicBool::new(false);
        let seen_before_last = AtomicBool::new(false);
        each_in_order(
            &items,
            |i, _| {
                if i == last {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while !first_handed.load(Ordering::SeqCst) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    seen_before_last.store(first_handed.load(Ordering::SeqCst), Ordering::SeqCst);
                }
                Ok(i)
            },
            &mut |_| {
                first_handed.store(true, Ordering::SeqCst);
                Ok(())
            },
        )
        .unwrap();
        assert!(seen_before_last.load(Ordering::SeqCst));
    }

    /// A panic while mapping reaches the caller (no hang waiting for a chunk that never comes).
    #[test]
    fn each_in_order_passes_a_panic_on() {
        let items: Vec<usize> = (0..4 * ENTRIES_PER_THREAD).collect();
        for at in [0, items.len() - 1] {
            let out = std::panic::catch_unwind(AssertUnwindSafe(|| {
                each_in_order(
                    &items,
                    |i, _| {
                        assert_ne!(i, at, "mapping failed");
                        Ok(i)
                    },
                    &mut |_| Ok(()),
                )
            }));
            assert!(out.is_err());
        }
    }
}
