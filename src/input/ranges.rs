//! Reading one file on every core: the file is cut into byte ranges that start at line starts,
//! each range is split and parsed on a worker thread by its own consumer, and the ranges'
//! results are merged on the calling thread strictly in file order, so what comes out (rows,
//! defects with their record and line, group ids, first-seen labels) is what one pass over the
//! file gives.
//!
//! A range starts right after a line end found near its nominal offset, assuming that line end
//! is not inside a quoted field, as DuckDB's and polars' parallel readers assume. The assumption
//! is checked, not trusted: the range before reads on past its own end to the end of its last
//! record, and its next record must start exactly where the range was started. When it does
//! not (the boundary fell inside a quoted value that spans lines), the range's results are
//! thrown away and it is read again from where the previous range really ended. Splitting is
//! deterministic from a record start, so a range that starts at a true record start reads the
//! same records a single pass would.
//!
//! Line numbers inside a range are counted from 1 at its start; the merge knows every earlier
//! range's line count and adds it, and likewise for record numbers. A worker never starts a
//! range more than `window` ranges ahead of the merge (two per thread, fewer when they would
//! hold over 32 MiB of the file), so at most that many ranges' results wait in memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use anyhow::{Context, Result};
use memchr::memchr2;

use super::records::{BatchReader, Records, Splitter, BLOCK, MIN_BLOCK};
use super::source::{consume, Consumer, Counts, RowProblem};

/// A consumer that can run on a worker thread and hand over what it read range by range.
pub trait RangeConsumer: Consumer + Send {
    /// What one range's records gave.
    type Part: Send;
    /// Everything read since the last call (the range just finished).
    fn take_part(&mut self) -> Self::Part;
}

/// Where a range lies among the whole file's lines and records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Place {
    /// The file offset where the range's first record starts.
    pub start: u64,
    /// Add to a line counted within the range (from 1) to get its line in the file.
    pub line_offset: u64,
    /// Add to a record counted within the range (from 1) to get its record in the file.
    pub record_offset: u64,
    /// The file offset after the range's last record (how far the file has been read).
    pub end: u64,
}

/// What the merge does with a range's part.
pub enum Outcome {
    /// Its records are the file's: `defects` has each defective record's problem, record and
    /// line in the file.
    Placed {
        place: Place,
        defects: Vec<(RowProblem, u64, u64)>,
    },
    /// The range was started inside a record, so its records are not the file's; only what its
    /// consumer learnt for later ranges (the texts it interned) still counts.
    Discarded,
}

/// One range's results, as a worker hands them over.
struct Done<P> {
    part: P,
    counts: Counts,
    /// Defective records: the problem, the record and the line within the range.
    defects: Vec<(RowProblem, u64, u64)>,
    /// Where its next record starts: the next range must start there.
    end: u64,
    /// Lines the range spans (its end's line within the range, minus 1).
    lines: u64,
}

/// Ranges a worker may run ahead of the merge, per thread.
const WINDOW_PER_THREAD: usize = 2;

/// How many threads read a file: `CCHC_THREADS` when set (tests, benchmarks), else every core
/// the process may use.
pub fn threads() -> usize {
    std::env::var("CCHC_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The range length for a file of `len` bytes: `CCHC_RANGE_BYTES` when set (tests put range
/// boundaries everywhere with it), else [`default_range_bytes`]. `None`: read the file in one
/// pass.
pub fn range_bytes(len: u64, threads: usize) -> Option<u64> {
    if let Some(forced) = std::env::var("CCHC_RANGE_BYTES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| *n > 0)
    {
        return Some(forced);
    }
    default_range_bytes(len, threads)
}

/// Enough ranges to keep every thread busy (eight per thread), each between 1 and 8 MiB, and
/// short enough that the ranges every thread may run ahead of the merge hold at most
/// `RANGES_IN_FLIGHT` bytes of the file between them: a worker's results grow with its
/// range, so with 8 MiB ranges a 10M-row report peaked at 396 MB on 16 threads and 898 MB on
/// 64 (336 and 561 MB with 4 and 1 MiB ranges); on 2 cores the ranges stay at 8 MiB. `None`
/// for a file under 4 MiB, read faster in one pass than the threads can be started.
pub fn default_range_bytes(len: u64, threads: usize) -> Option<u64> {
    const MIN: u64 = 1 << 20;
    const MAX: u64 = 8 << 20;
    if len < 4 * MIN {
        return None;
    }
    let threads = threads.max(1) as u64;
    let in_flight = RANGES_IN_FLIGHT / (threads * WINDOW_PER_THREAD as u64);
    Some((len / (threads * 8)).clamp(MIN, in_flight.clamp(MIN, MAX)))
}

/// The file's bytes in the ranges ahead of the merge, at most (unless ranges are at their
/// 1 MiB minimum and there are 32 threads or more: each may have one range in flight).
const RANGES_IN_FLIGHT: u64 = 32 << 20;

/// How many ranges past the last one merged a worker may start: [`WINDOW_PER_THREAD`] per
/// thread, as long as they hold at most [`RANGES_IN_FLIGHT`] bytes of the file, and never fewer
/// than one per thread and one more (with 1 MiB ranges on 64 threads, two per thread kept
/// 128 MiB of the file's rows waiting for the merge: a 10M-row report peaked at 338 MB).
fn window(threads: usize, starts: &[u64]) -> usize {
    let ranges = starts.len().saturating_sub(1).max(1);
    let span = match (starts.first(), starts.last()) {
        (Some(first), Some(last)) => last.saturating_sub(*first),
        _ => 0,
    };
    let range_bytes = (span / ranges as u64).max(1);
    // Rounded up: a range ends at the first line end past its nominal length, a little over it.
    let by_bytes = usize::try_from(RANGES_IN_FLIGHT.div_ceil(range_bytes)).unwrap_or(usize::MAX);
    (WINDOW_PER_THREAD * threads).min(by_bytes).max(threads + 1)
}

/// Every reading thread's buffers together, at most: each holds four blocks of
/// [`BatchReader::with_block`]'s size, 256 KiB up to 16 threads, less beyond (64 KiB on 64).
const READ_BUFFERS: usize = 16 << 20;

/// The block a reading thread reads at a time, for `threads` threads.
fn read_block(threads: usize) -> usize {
    (READ_BUFFERS / (4 * threads.max(1))).clamp(MIN_BLOCK, BLOCK)
}

/// The start of every range of `path` from `data_start` (a line start) to its end `len`: the
/// first line start at or after each multiple of `size`. The last element is `len`.
pub fn plan(path: &Path, data_start: u64, len: u64, size: u64) -> Result<Vec<u64>> {
    let mut file = File::open(path).context("cannot open the file")?;
    let mut starts = vec![data_start];
    let mut probe = vec![0u8; 64 * 1024];
    let mut nominal = data_start + size;
    while nominal < len {
        let last = *starts.last().unwrap_or(&data_start);
        match next_line_start(&mut file, nominal.max(last + 1), len, &mut probe)? {
            Some(start) if start < len => {
                starts.push(start);
                nominal = start + size;
            }
            _ => break,
        }
    }
    starts.push(len);
    Ok(starts)
}

/// The first line start at or after `from` (> 0): the position after the first line end that
/// ends at or after it (a CRLF ends at its LF).
fn next_line_start(file: &mut File, from: u64, len: u64, probe: &mut [u8]) -> Result<Option<u64>> {
    let mut at = from - 1;
    while at < len {
        file.seek(SeekFrom::Start(at))?;
        let n = super::open::read_up_to(file, probe)?;
        if n == 0 {
            return Ok(None);
        }
        let chunk = &probe[..n];
        if let Some(i) = memchr2(b'\n', b'\r', chunk) {
            let position = at + i as u64;
            if chunk[i] == b'\n' {
                return Ok(Some(position + 1));
            }
            // A CR: the line starts after it, or after the LF that follows it.
            let next = match chunk.get(i + 1) {
                Some(&byte) => Some(byte),
                None => {
                    let mut next = [0u8; 1];
                    file.seek(SeekFrom::Start(position + 1))?;
                    (super::open::read_up_to(file, &mut next)? == 1).then_some(next[0])
                }
            };
            return Ok(Some(position + 1 + u64::from(next == Some(b'\n'))));
        }
        at += n as u64;
    }
    Ok(None)
}

/// Reads the ranges `starts` of `path` on `threads` workers, each with a consumer from
/// `worker` (given its worker number), and hands each range's part to `commit` in file order
/// with its place and the defects found in it (record and line already placed).
#[allow(clippy::too_many_arguments)]
pub fn read_ranges<C: RangeConsumer>(
    path: &Path,
    starts: &[u64],
    first_line: u64,
    delimiter: u8,
    multiline: &[bool],
    headers: &[String],
    threads: usize,
    worker: &(dyn Fn(usize) -> Result<C> + Sync),
    commit: &mut dyn FnMut(C::Part, Outcome) -> Result<()>,
) -> Result<Counts> {
    let ranges = starts.len().saturating_sub(1);
    let threads = threads.clamp(1, ranges.max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The merge's progress: ranges committed so far, which workers wait on.
    let committed = (Mutex::new(0usize), Condvar::new());
    let window = window(threads, starts);
    let block = read_block(threads);
    let run =
        |consumer: &mut C, buffers: &mut Buffers, start: u64, end: u64| -> Result<Done<C::Part>> {
            // Lines are counted from 1 at the range's start; the merge places them.
            let reader = span_reader(path, start, end, 1, delimiter, multiline)?
                .with_block(block)
                .with_buffer(std::mem::take(&mut buffers.bytes));
            read_range(reader, consumer, headers, buffers)
        };
    std::thread::scope(|scope| -> Result<Counts> {
        let (sender, receiver) = std::sync::mpsc::channel::<(usize, Result<Done<C::Part>>)>();
        for number in 0..threads {
            let sender = sender.clone();
            let (next, stop, committed, run) = (&next, &stop, &committed, &run);
            scope.spawn(move || {
                let mut buffers = Buffers::default();
                let mut consumer = match worker(number) {
                    Ok(consumer) => consumer,
                    Err(error) => {
                        let _ = sender.send((usize::MAX, Err(error)));
                        return;
                    }
                };
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= ranges || stop.load(Ordering::SeqCst) {
                        return;
                    }
                    // Stay within the window ahead of the merge.
                    let (lock, ready) = committed;
                    let mut done = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    while index >= *done + window && !stop.load(Ordering::SeqCst) {
                        done = ready.wait(done).unwrap_or_else(PoisonError::into_inner);
                    }
                    drop(done);
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let result = run(
                        &mut consumer,
                        &mut buffers,
                        starts[index],
                        starts[index + 1],
                    );
                    let failed = result.is_err();
                    if sender.send((index, result)).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(sender);
        let abort = |error: anyhow::Error| {
            stop.store(true, Ordering::SeqCst);
            committed.1.notify_all();
            Err(error)
        };
        let mut waiting: BTreeMap<usize, Done<C::Part>> = BTreeMap::new();
        let mut totals = Counts::default();
        let mut place = Place {
            start: starts[0],
            line_offset: first_line - 1,
            record_offset: 0,
            end: starts[0],
        };
        // The consumer the merge reads a misplaced range again with, made when first needed.
        let mut own: Option<C> = None;
        let mut own_buffers = Buffers::default();
        let mut expected = starts[0];
        let mut index = 0;
        while index < ranges {
            let Some(mut done) = waiting.remove(&index) else {
                match receiver.recv() {
                    Ok((at, Ok(done))) => {
                        waiting.insert(at, done);
                    }
                    Ok((_, Err(error))) => return abort(error),
                    Err(_) => return abort(anyhow::anyhow!("a reading thread stopped")),
                }
                continue;
            };
            if starts[index] != expected {
                // The range was started inside a record that began in the range before: read
                // it again from that record's end.
                if let Err(error) = commit(done.part, Outcome::Discarded) {
                    return abort(error);
                }
                if own.is_none() {
                    match worker(threads) {
                        Ok(consumer) => own = Some(consumer),
                        Err(error) => return abort(error),
                    }
                }
                let Some(consumer) = own.as_mut() else {
                    return abort(anyhow::anyhow!("no consumer to read a range again"));
                };
                match run(
                    consumer,
                    &mut own_buffers,
                    expected,
                    starts[index + 1].max(expected),
                ) {
                    Ok(again) => done = again,
                    Err(error) => return abort(error),
                }
            }
            let defects = done
                .defects
                .into_iter()
                .map(|(problem, record, line)| {
                    (
                        problem,
                        place.record_offset + record,
                        place.line_offset + line,
                    )
                })
                .collect();
            place.start = expected;
            place.end = done.end;
            if let Err(error) = commit(done.part, Outcome::Placed { place, defects }) {
                return abort(error);
            }
            totals.rows += done.counts.rows;
            totals.defective += done.counts.defective;
            totals.blank_lines += done.counts.blank_lines;
            place.line_offset += done.lines;
            place.record_offset += done.counts.rows;
            expected = done.end;
            index += 1;
            let (lock, ready) = &committed;
            *lock.lock().unwrap_or_else(PoisonError::into_inner) = index;
            ready.notify_all();
        }
        Ok(totals)
    })
}

/// Hands every record `reader` gives to `consumer`, on this thread. Defects are not reported:
/// this reads again a range that a ranged read placed.
pub fn read_span(
    mut reader: BatchReader<File>,
    headers: &[String],
    consumer: &mut dyn Consumer,
) -> Result<()> {
    let mut records = Records::default();
    let mut counts = Counts::default();
    while reader.next_batch(&mut records, usize::MAX)? {
        consume(&records, headers, consumer, &mut counts, |_, _, _| {});
    }
    Ok(())
}

/// A reader of the records of `path` from `start` (a line start, on physical line `first_line`)
/// to the first record that starts at or after `end`.
pub fn span_reader(
    path: &Path,
    start: u64,
    end: u64,
    first_line: u64,
    delimiter: u8,
    multiline: &[bool],
) -> Result<BatchReader<File>> {
    let mut file = File::open(path).context("cannot open the file")?;
    file.seek(SeekFrom::Start(start))?;
    let mut splitter = Splitter::new(delimiter).starting_at_line(first_line);
    splitter.set_multiline(multiline.to_vec());
    Ok(BatchReader::new(file, splitter)
        .at_offset(start)
        .stop_at(end))
}

/// A worker's buffers, kept from range to range: allocating them afresh for every range cost
/// the kernel a page clearing for every byte read.
#[derive(Default)]
struct Buffers {
    bytes: Vec<u8>,
    records: Records,
}

/// Splits and consumes one range; lines and records are counted from 1 at its start.
fn read_range<C: RangeConsumer, R: Read>(
    mut reader: BatchReader<R>,
    consumer: &mut C,
    headers: &[String],
    buffers: &mut Buffers,
) -> Result<Done<C::Part>> {
    let records = &mut buffers.records;
    let mut counts = Counts::default();
    let mut defects = Vec::new();
    while reader.next_batch(records, usize::MAX)? {
        consume(
            records,
            headers,
            consumer,
            &mut counts,
            |problem, record, line| defects.push((problem, record, line)),
        );
    }
    let (end, lines) = (reader.position(), reader.line() - 1);
    buffers.bytes = reader.into_buffer();
    Ok(Done {
        part: consumer.take_part(),
        counts,
        defects,
        end,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::source::Record;

    #[test]
    fn ranges_shorten_as_threads_grow_so_the_window_stays_bounded() {
        const MIB: u64 = 1 << 20;
        let ten_million_rows = 3_300 * MIB;
        assert_eq!(default_range_bytes(3 * MIB, 2), None);
        assert_eq!(default_range_bytes(40 * MIB, 2), Some(2_621_440));
        assert_eq!(default_range_bytes(ten_million_rows, 1), Some(8 * MIB));
        assert_eq!(default_range_bytes(ten_million_rows, 2), Some(8 * MIB));
        assert_eq!(default_range_bytes(ten_million_rows, 4), Some(4 * MIB));
        assert_eq!(default_range_bytes(ten_million_rows, 16), Some(MIB));
        assert_eq!(default_range_bytes(ten_million_rows, 64), Some(MIB));
        for threads in [1, 2, 3, 8, 16, 64, 256] {
            let size = default_range_bytes(ten_million_rows, threads).unwrap_or_default();
            assert!((MIB..=8 * MIB).contains(&size), "{threads} threads: {size}");
        }
    }

    #[test]
    fn the_rows_waiting_for_the_merge_and_the_read_buffers_stay_bounded_on_many_threads() {
        const MIB: u64 = 1 << 20;
        let ten_million_rows = 3_300 * MIB;
        let starts = |threads: usize| -> Vec<u64> {
            let size = default_range_bytes(ten_million_rows, threads).unwrap_or(MIB);
            (0..ten_million_rows / size)
                .map(|k| k * size)
                .chain([ten_million_rows])
                .collect()
        };
        // Two ranges per thread while they hold at most 32 MiB; never fewer than one per
        // thread and one more.
        assert_eq!(window(1, &starts(1)), 2);
        assert_eq!(window(2, &starts(2)), 4);
        assert_eq!(window(16, &starts(16)), 32);
        assert_eq!(window(64, &starts(64)), 65);
        assert_eq!(window(4, &[0, 10]), 8);
        assert_eq!(window(3, &[]), 6);
        // Four blocks per thread: 256 KiB blocks up to 16 threads, then 16 MiB between them,
        // down to 64 KiB.
        assert_eq!(read_block(1), BLOCK);
        assert_eq!(read_block(16), BLOCK);
        assert_eq!(read_block(32), 128 << 10);
        assert_eq!(read_block(64), MIN_BLOCK);
        assert_eq!(read_block(1024), MIN_BLOCK);
    }

    /// Records as lines and fields.
    type Lines = Vec<(u64, Vec<String>)>;

    /// Keeps every record's line and fields.
    #[derive(Default)]
    struct Keep(Lines);

    impl Consumer for Keep {
        fn is_header(&self, _cell: &str) -> bool {
            true
        }
        fn begin(&mut self, _headers: &[String]) -> Result<()> {
            Ok(())
        }
        fn record(&mut self, record: &Record<'_>) -> Result<(), RowProblem> {
            let fields = record
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            self.0.push((record.line(), fields));
            Ok(())
        }
    }

    impl RangeConsumer for Keep {
        type Part = Lines;
        fn take_part(&mut self) -> Self::Part {
            std::mem::take(&mut self.0)
        }
    }

    /// Reads `text` (after its first line) in ranges of `size` bytes; gives the records with
    /// their lines in the file, and how many ranges were thrown away and read again.
    fn read(text: &str, size: u64, threads: usize) -> Result<(Lines, usize)> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f.csv");
        std::fs::write(&path, text)?;
        let data_start = text.find('\n').map_or(0, |i| i + 1) as u64;
        let starts = plan(&path, data_start, text.len() as u64, size)?;
        let mut records = Vec::new();
        let mut discarded = 0;
        read_ranges(
            &path,
            &starts,
            2,
            b',',
            &[],
            &[],
            threads,
            &|_| Ok(Keep::default()),
            &mut |part, outcome| {
                match outcome {
                    Outcome::Placed { place, .. } => records.extend(
                        part.into_iter()
                            .map(|(line, fields)| (line + place.line_offset, fields)),
                    ),
                    Outcome::Discarded => discarded += 1,
                }
                Ok(())
            },
        )?;
        Ok((records, discarded))
    }

    #[test]
    fn a_range_started_inside_a_quoted_field_is_read_again() -> Result<()> {
        let mut text = String::from("id,name\n");
        for i in 0..40 {
            if i % 4 == 0 {
                text.push_str(&format!("{i},\"một\ndòng\r\nhai, ba\"\r\n"));
            } else {
                text.push_str(&format!("{i},tên {i}\n"));
            }
        }
        let (whole, _) = read(&text, 1 << 30, 1)?;
        assert_eq!(whole.len(), 40);
        assert_eq!(whole[1], (5, vec!["1".to_string(), "tên 1".to_string()]));
        let mut redone = 0;
        for size in 1..60 {
            for threads in [1, 3, 64] {
                let (records, discarded) = read(&text, size, threads)?;
                assert_eq!(
                    records, whole,
                    "ranges of {size} bytes on {threads} threads"
                );
                redone += discarded;
            }
        }
        assert!(redone > 0, "no range boundary fell inside a quoted field");
        Ok(())
    }

    #[test]
    fn ranges_start_after_line_ends_of_every_kind() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f.csv");
        std::fs::write(&path, b"h\nab\r\ncd\ref\n\ngh")?;
        // From every nominal offset, the next line start.
        let len = 15;
        let mut file = File::open(&path)?;
        let mut probe = vec![0u8; 4];
        let mut found = Vec::new();
        for from in 1..len {
            found.push(next_line_start(&mut file, from, len, &mut probe)?);
        }
        let want = [
            Some(2),  // 1: the LF of "h\n" itself
            Some(2),  // 2: a line start
            Some(6),  // 3
            Some(6),  // 4: the CR of CRLF
            Some(6),  // 5: its LF
            Some(6),  // 6
            Some(9),  // 7
            Some(9),  // 8: a lone CR
            Some(9),  // 9
            Some(12), // 10
            Some(12), // 11: the LF after "ef"
            Some(12), // 12: an empty line
            Some(13), // 13
            None,     // 14
        ];
        assert_eq!(found, want);
        assert_eq!(plan(&path, 2, len, 4)?, vec![2, 6, 12, 15]);
        Ok(())
    }
}
