//! The sink of a streamed read ([`super::read::read_inputs_into`]) on a thread of its own.
//!
//! The read merges each range's rows in file order on one thread. When that thread also summed
//! each chunk (polars, about a fifth of a report's work), the merge paused for every chunk of
//! 128K rows while the reading threads could run only a few ranges ahead of it, then waited:
//! a 10M-row report on 2 cores kept them busy 1.74 of 2 cores (`perf stat`), each core idle
//! 9% of the run, spread over all of it (`perf sched timehist`). With the sink on its own
//! thread, the merge hands a chunk over and goes on at once.
//!
//! Calls reach the sink in the order the read makes them, so a sink sees exactly what it would
//! see on the reading thread. A chunk is handed over only when the sink has finished the last
//! one, so at most three chunks exist at once (one filling, one summed, one given back to be
//! filled again): 12 MB more at 1M rows, 14 MB at 10M.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use anyhow::{anyhow, Result};

use super::read::RowSink;
use crate::dossier::{Field, Rows};

/// Chunks handed over and not yet taken by the sink, at most: none (the hand-over waits for
/// the sink), which measured as fast as one waiting and held 6 MB less at 10M rows.
const QUEUED: usize = 0;

/// One call of [`RowSink`], made on the sink's thread.
enum Call {
    File {
        index: u32,
        path: String,
        lacking: Vec<Field>,
    },
    Rows(Rows, i64),
    Replaced(Vec<(u32, u64)>),
}

/// Runs `read` with a [`RowSink`] that forwards every call to `sink` on a thread of its own
/// (unless the sink would rather not: [`RowSink::on_own_thread`]), and gives back what `read`
/// gave. When the sink fails, its error is the run's: the read then
/// stops at its next hand-over with an error of its own, which says less.
pub fn with_sink_thread<T>(
    sink: &mut dyn RowSink,
    read: impl FnOnce(&mut dyn RowSink) -> Result<T>,
) -> Result<T> {
    if !sink.on_own_thread() {
        return read(sink);
    }
    let takes_back = sink.takes_back();
    std::thread::scope(|scope| {
        let (sender, calls) = sync_channel(QUEUED);
        let (give_back, spares) = sync_channel(QUEUED + 1);
        let thread = std::thread::Builder::new()
            .name("cchc-sink".to_string())
            .spawn_scoped(scope, move || serve(sink, calls, give_back))
            .map_err(|e| anyhow!("cannot start the thread that sums the rows: {e}"))?;
        let mut forward = Forward {
            sender,
            spares,
            takes_back,
        };
        let read = read(&mut forward);
        // The sink's thread ends once every call is made.
        drop(forward);
        let served = thread.join().unwrap_or_else(|_| {
            Err(anyhow!(
                "the thread that sums the rows stopped (internal error)"
            ))
        });
        served.and(read)
    })
}

/// The sink's thread: makes each call in turn, and gives each chunk it is done with back for
/// its columns to be filled again; the first error ends it.
fn serve(sink: &mut dyn RowSink, calls: Receiver<Call>, give_back: SyncSender<Rows>) -> Result<()> {
    for call in calls {
        match call {
            Call::File {
                index,
                path,
                lacking,
            } => sink.file(index, &path, &lacking)?,
            Call::Rows(mut rows, weight) => {
                sink.rows(&mut rows, weight)?;
                // When spares are already waiting, this one is dropped.
                let _ = give_back.try_send(rows);
            }
            Call::Replaced(rows) => sink.replaced(&rows)?,
        }
    }
    Ok(())
}

/// The sink the read sees: each call goes to the sink's thread.
struct Forward {
    sender: SyncSender<Call>,
    /// Chunks the sink is done with.
    spares: Receiver<Rows>,
    takes_back: bool,
}

impl Forward {
    fn send(&self, call: Call) -> Result<()> {
        // The sink's thread only stops early on an error, which `with_sink_thread` reports
        // instead of this one.
        self.sender
            .send(call)
            .map_err(|_| anyhow!("the thread that sums the rows stopped"))
    }
}

impl RowSink for Forward {
    fn file(&mut self, index: u32, path: &str, lacking: &[Field]) -> Result<()> {
        self.send(Call::File {
            index,
            path: path.to_string(),
            lacking: lacking.to_vec(),
        })
    }

    fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
        let spare = self.spares.try_recv().ok();
        self.send(Call::Rows(rows.take_chunk(spare), weight))
    }

    fn takes_back(&self) -> bool {
        self.takes_back
    }

    fn replaced(&mut self, rows: &[(u32, u64)]) -> Result<()> {
        self.send(Call::Replaced(rows.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::{Cell, FieldSet, Values};

    /// What a sink saw, and on which thread.
    #[derive(Default)]
    struct Recording {
        calls: Vec<String>,
        threads: Vec<Option<String>>,
        fail_on_rows: Option<usize>,
        own_thread: bool,
    }

    impl Recording {
        fn saw(&mut self, call: String) {
            self.calls.push(call);
            self.threads
                .push(std::thread::current().name().map(String::from));
        }
    }

    impl RowSink for Recording {
        fn file(&mut self, index: u32, path: &str, lacking: &[Field]) -> Result<()> {
            self.saw(format!("file {index} {path} {lacking:?}"));
            Ok(())
        }

        fn rows(&mut self, rows: &mut Rows, weight: i64) -> Result<()> {
            let units: Vec<&str> = rows
                .keys(Field::Unit)
                .unwrap_or_default()
                .iter()
                .map(|&key| rows.dictionary(Field::Unit).name(key).unwrap_or("-"))
                .collect();
            self.saw(format!("rows {weight} {units:?}"));
            let done = self.calls.iter().filter(|c| c.starts_with("rows")).count();
            match self.fail_on_rows {
                Some(n) if done == n => anyhow::bail!("disk full"),
                _ => Ok(()),
            }
        }

        fn takes_back(&self) -> bool {
            false
        }

        fn on_own_thread(&self) -> bool {
            self.own_thread
        }

        fn replaced(&mut self, rows: &[(u32, u64)]) -> Result<()> {
            self.saw(format!("replaced {rows:?}"));
            Ok(())
        }
    }

    /// Hands `units.len()` chunks of one row each, the row's unit interned as it comes.
    fn hand_over(sink: &mut dyn RowSink, units: &[&str]) -> Result<usize> {
        let mut rows = Rows::new(FieldSet::default().with(Field::Unit), false);
        sink.file(0, "a.csv", &[Field::Channel])?;
        for (n, unit) in units.iter().enumerate() {
            let key = rows.dictionary_mut(Field::Unit).intern(unit);
            let cells = [(Field::Unit, Cell::Key(key))];
            rows.push(&cells, &Values::default(), 0, n as u64 + 2);
            sink.rows(&mut rows, 1)?;
            rows.clear();
        }
        sink.replaced(&[(0, 3)])?;
        Ok(units.len())
    }

    #[test]
    fn the_sink_sees_every_call_in_order_on_its_own_thread() -> Result<()> {
        let mut sink = Recording {
            own_thread: true,
            ..Recording::default()
        };
        let handed = with_sink_thread(&mut sink, |sink| {
            assert!(!sink.takes_back());
            hand_over(sink, &["Phòng Một", "Phòng Hai", "Phòng Một"])
        })?;
        assert_eq!(handed, 3);
        assert_eq!(
            sink.calls,
            [
                "file 0 a.csv [Channel]",
                "rows 1 [\"Phòng Một\"]",
                "rows 1 [\"Phòng Hai\"]",
                "rows 1 [\"Phòng Một\"]",
                "replaced [(0, 3)]",
            ]
        );
        assert!(sink
            .threads
            .iter()
            .all(|name| name.as_deref() == Some("cchc-sink")));
        Ok(())
    }

    #[test]
    fn the_sinks_error_is_the_runs_and_stops_the_read() {
        let mut sink = Recording {
            own_thread: true,
            fail_on_rows: Some(2),
            ..Recording::default()
        };
        let units = ["A", "B", "C", "D", "E", "F"];
        let error = with_sink_thread(&mut sink, |sink| hand_over(sink, &units))
            .err()
            .map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some("disk full"));
        // The read stopped at a hand-over soon after: the sink saw no call after its error.
        assert_eq!(sink.calls.len(), 3);
    }

    #[test]
    fn a_sink_that_would_rather_not_runs_on_the_reading_thread() -> Result<()> {
        let mut sink = Recording::default();
        let here = std::thread::current().name().map(String::from);
        with_sink_thread(&mut sink, |sink| hand_over(sink, &["A"]))?;
        assert_eq!(sink.calls.len(), 3);
        assert!(sink.threads.iter().all(|name| *name == here));
        Ok(())
    }
}
