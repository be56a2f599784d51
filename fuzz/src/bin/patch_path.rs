//! afl target: `scim_proto::fuzzing::Target::PatchPath`.

fn main() {
    afl::fuzz!(|data: &[u8]| scim_fuzz::run(scim_proto::fuzzing::Target::PatchPath, data));
}
