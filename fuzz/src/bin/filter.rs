//! afl target: `scim_proto::fuzzing::Target::Filter`.

fn main() {
    afl::fuzz!(|data: &[u8]| scim_fuzz::run(scim_proto::fuzzing::Target::Filter, data));
}
