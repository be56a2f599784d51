//! The body every fuzz binary runs: one target of `scim_proto::fuzzing` on
//! the fuzzer's input, a broken property turned into the panic afl records
//! as a crash.

use scim_proto::fuzzing::Target;

/// Runs `data` through `target`; panics on a broken property.
pub fn run(target: Target, data: &[u8]) {
    if let Err(violation) = target.run(data) {
        panic!("{violation}");
    }
}
