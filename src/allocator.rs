//! How the process's memory allocator treats the chunks a report or `convert` frees.
//!
//! Every chunk of a report (or of `convert`) builds its columns and flags (up to a few MiB
//! each) and frees them once they are counted. glibc's allocator gives a freed block above its
//! mmap threshold back to the kernel at once, and trims a heap whose free top exceeds twice that
//! threshold, so the next chunk faulted in fresh zeroed pages again (issue 19's profile: page
//! faults, page clearing and unmapping; a 10M-row report spent about 1.0 s in the kernel, 0.7 s
//! with this call). Kept in the process instead, the freed chunks are reused. Measured with
//! farm-bench against the same build without the call (whole processes, alternating pairs):
//!
//! | run | CPU | wall | peak RSS |
//! |---|---|---|---|
//! | report, 1M rows | −4.3% | −5.5% | +5 MB |
//! | report, 10M rows | −3.7% | −4.6% | +5 MB |
//! | report on a 10M-row dataset | −10.6% | −10.2% | +5 MB |
//! | `convert`, 1M rows | −5.1% | −6.0% | +13 MB |
//! | `convert`, 10M rows | −4.3% | −4.2% | +20 MB (273 MB; 305 MB on 16 threads, 297 before) |
//!
//! (`convert`'s peaks then fell by about 25 MB when it stopped building its text columns: at
//! 10M rows, 242 MB in `bench/run.sh` and 285 MB on 16 threads.)
//!
//! `convert` gained nothing measurable when first tried (stop 27, before its text code columns
//! were gathered from their names); measured again in stop 28 it gained the above. For it, a
//! trim threshold of 4 MiB gave back half the gain and saved no memory, and an mmap threshold
//! of 4 or 8 MiB saved no memory either. `--i766` gained no time measurably and peaked 27 MB
//! higher (its growing tables stay in the heap), and `check` gained 1%: the report and
//! `convert` call it.

/// Blocks up to this size come from the heap, not from a mapping of their own (glibc's largest
/// mmap threshold on 64-bit systems).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: std::ffi::c_int = 32 << 20;

/// Free memory at the top of a heap is kept up to this size: at 8 MiB the report gained no
/// time, and 32 MiB saved no more than 16 MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: std::ffi::c_int = 16 << 20;

/// Keeps freed blocks up to 32 MiB in the process for the next chunk, unless the user tunes
/// the allocator through `GLIBC_TUNABLES` or `MALLOC_*` variables (theirs win). Call it before
/// the read starts its threads. Other allocators than glibc's are left as they are.
pub fn keep_freed_chunks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if tuned_by_user(std::env::vars_os().map(|(name, _)| name)) {
            return;
        }
        extern "C" {
            /// glibc's `mallopt(3)`.
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt only sets allocator parameters (under the allocator's own lock); a
        // value it refuses leaves the default in place, which is why its result is ignored.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    }
}

/// Whether one of the environment variables `names` sets glibc's allocator up.
#[cfg_attr(not(all(target_os = "linux", target_env = "gnu")), allow(dead_code))]
fn tuned_by_user(names: impl Iterator<Item = std::ffi::OsString>) -> bool {
    names.into_iter().any(|name| {
        let name = name.to_string_lossy();
        name == "GLIBC_TUNABLES" || name.starts_with("MALLOC_")
    })
}

#[cfg(test)]
mod tests {
    use super::tuned_by_user;

    #[test]
    fn the_users_allocator_settings_win() {
        let names = |list: &[&str]| {
            list.iter()
                .map(|n| n.into())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert!(!tuned_by_user(names(&["PATH", "HOME", "CCHC_THREADS"])));
        assert!(tuned_by_user(names(&["PATH", "GLIBC_TUNABLES"])));
        assert!(tuned_by_user(names(&["MALLOC_ARENA_MAX"])));
        assert!(!tuned_by_user(names(&["MY_MALLOC_ARENA"])));
    }
}
