//! The worker thread's protocol as the UI sees it: commands in, past-tense events out, the waker
//! called, errors as events, and a clean shutdown.
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use atelier::worker::{Command, DataRequest, Event, Job, WorkerHandle};

fn counting_worker() -> (WorkerHandle, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&wakes);
    let worker = WorkerHandle::spawn(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }))
    .expect("worker starts");
    (worker, wakes)
}

/// Waits for the next event (the test fails after 20 s).
fn next_event(worker: &WorkerHandle) -> Event {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(event) = worker.try_recv() {
            return event;
        }
        assert!(Instant::now() < deadline, "no event from the worker");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_folder_without_data_fails_with_a_message_naming_it_and_the_worker_stays_usable() {
    let (worker, wakes) = counting_worker();
    let empty = tempfile::tempdir().expect("temp dir");
    worker.send(Command::LoadDataset(DataRequest::Folder(empty.path().to_path_buf()))).expect("sent");
    assert!(matches!(next_event(&worker), Event::JobStarted(Job::LoadDataset)));
    match next_event(&worker) {
        Event::Failed { job: Job::LoadDataset, error } => {
            assert!(
                error.to_string().contains(&empty.path().display().to_string()),
                "message should name the folder: {error}"
            );
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(wakes.load(Ordering::SeqCst) >= 2, "the UI is woken for each event");
    // Still alive: a second command is answered too.
    worker.send(Command::LoadDataset(DataRequest::Folder(empty.path().to_path_buf()))).expect("sent");
    assert!(matches!(next_event(&worker), Event::JobStarted(Job::LoadDataset)));
}

#[test]
fn dropping_the_handle_stops_the_thread_promptly() {
    let (worker, _wakes) = counting_worker();
    let started = Instant::now();
    drop(worker);
    assert!(started.elapsed() < Duration::from_secs(2));
}
