//! Progress for long operations (an import), delivered on a thread of its own: the listener is
//! never called on the thread that holds the write transaction, and the operation never waits
//! for it, so a listener may call back into the session (a read, even a write, which then runs
//! after the operation commits) without deadlocking it. STYLE.md 11: foreign code is never run
//! while the core holds a database lock.

use std::sync::{Mutex, mpsc};

pub(crate) struct Reporter;

impl Reporter {
    /// Run `f`, handing it a `report(done, total)` that never blocks; `listener` sees the
    /// reports in order (a slow listener skips to the latest) and has seen the last one when
    /// this returns. A panicking listener is not called again; the operation is unaffected.
    pub(crate) fn run<T>(
        listener: &(dyn Fn(usize, usize) + Sync),
        f: impl FnOnce(&dyn Fn(usize, usize)) -> T,
    ) -> T {
        let (tx, rx) = mpsc::channel::<(usize, usize)>();
        // Shared with the thread by reference, so it is still here when no thread can be had.
        let rx = Mutex::new(rx);
        let rx = &rx;
        std::thread::scope(|s| {
            let spawned = std::thread::Builder::new()
                .name("phr-progress".into())
                .spawn_scoped(s, move || deliver(listener, rx));
            match spawned {
                Ok(_) => {
                    let out = f(&|done, total| {
                        let _ = tx.send((done, total));
                    });
                    drop(tx);
                    out
                }
                // No thread to be had: the reports are delivered once `f` is over.
                Err(_) => {
                    let out = f(&|done, total| {
                        let _ = tx.send((done, total));
                    });
                    drop(tx);
                    deliver(listener, rx);
                    out
                }
            }
        })
    }
}

/// Call `listener` with each report, or with the latest when several wait.
fn deliver(listener: &(dyn Fn(usize, usize) + Sync), rx: &Mutex<mpsc::Receiver<(usize, usize)>>) {
    let Ok(rx) = rx.lock() else {
        return;
    };
    while let Ok(mut latest) = rx.recv() {
        while let Ok(newer) = rx.try_recv() {
            latest = newer;
        }
        let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            listener(latest.0, latest.1)
        }));
        if called.is_err() {
            // Drain and stop: the operation goes on without its listener.
            while rx.recv().is_ok() {}
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listener_sees_the_last_report_and_runs_off_the_calling_thread() {
        let seen = Mutex::new(vec![]);
        let caller = std::thread::current().id();
        let out = Reporter::run(
            &|d, t| {
                assert_ne!(std::thread::current().id(), caller);
                seen.lock().unwrap().push((d, t));
            },
            |report| {
                for i in 0..=100 {
                    report(i, 100);
                }
                7
            },
        );
        assert_eq!(out, 7);
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.last(), Some(&(100, 100)));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "in order");
    }

    #[test]
    fn a_panicking_listener_does_not_stop_the_operation() {
        let out = Reporter::run(&|_, _| panic!("listener bug"), |report| {
            report(1, 2);
            report(2, 2);
            "done"
        });
        assert_eq!(out, "done");
    }
}
