//! What the benches over HTTP share: the seeded tenant (`seed`) and the
//! server binary started on it (`server`).

pub(crate) mod seed;
pub(crate) mod server;
