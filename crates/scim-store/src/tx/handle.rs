//! The transaction API: [`ReadTx`] and [`WriteTx`], and the tenant-scoped
//! [`TenantScope`] through which everything a tenant owns is read and written.
//!
//! A scope carries its tenant's id, so no query can name another tenant's rows.
//! Whether it may write is in its type: `M` is [`Read`] in a read transaction and
//! [`Write`] in a write transaction, and the writing methods exist only on
//! `Write` scopes. Entering a scope costs nothing; a write scope enters the
//! tenant (its write gate, see the crate docs, *Writers*) at its first write, or
//! at [`TenantScope::for_write`].

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use super::Tx;

/// The mode of a scope opened in a read transaction: reads only.
#[derive(Debug)]
pub enum Read {}

/// The mode of a scope opened in a write transaction: reads and writes.
#[derive(Debug)]
pub enum Write {}

/// A transaction's reads: opened by [`Store::read`](crate::Store::read) (one
/// consistent snapshot), and what a [`WriteTx`] reads through.
#[derive(Debug)]
pub struct ReadTx<'c> {
    tx: Tx<'c>,
}

impl<'c> ReadTx<'c> {
    pub(crate) fn new(tx: Tx<'c>) -> ReadTx<'c> {
        ReadTx { tx }
    }

    pub(crate) fn raw(&mut self) -> &mut Tx<'c> {
        &mut self.tx
    }

    /// Everything the tenant with this id owns, for reading. Ids of another tenant
    /// are not found through it; an unknown tenant has nothing.
    pub fn tenant<'a>(&'a mut self, id: &'a str) -> TenantScope<'a, 'c, Read> {
        TenantScope::new(&mut self.tx, id)
    }
}

/// A write transaction, opened by [`Store::write`](crate::Store::write); reads
/// (through [`Deref`] to [`ReadTx`]) see its own writes.
///
/// On PostgreSQL one tenant's write transactions run concurrently (see the crate
/// docs, *Writers*): the first write to a tenant's data takes the tenant's write
/// gate in shared mode, changes to the tenant itself take it exclusively, and rows
/// are locked as they are changed.
#[derive(Debug)]
pub struct WriteTx<'c> {
    read: ReadTx<'c>,
}

impl<'c> WriteTx<'c> {
    pub(crate) fn new(tx: Tx<'c>) -> WriteTx<'c> {
        WriteTx {
            read: ReadTx::new(tx),
        }
    }

    pub(crate) fn into_inner(self) -> Tx<'c> {
        self.read.tx
    }

    /// Everything the tenant with this id owns, for reading and writing.
    pub fn tenant<'a>(&'a mut self, id: &'a str) -> TenantScope<'a, 'c, Write> {
        TenantScope::new(&mut self.read.tx, id)
    }
}

impl<'c> Deref for WriteTx<'c> {
    type Target = ReadTx<'c>;

    fn deref(&self) -> &ReadTx<'c> {
        &self.read
    }
}

impl DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.read
    }
}

/// One tenant inside a transaction: its row ([`TenantScope::get`], and for
/// writes [`TenantScope::for_write`]), and handles on its users, groups, tokens and
/// events. `M` is [`Read`] or [`Write`].
#[derive(Debug)]
pub struct TenantScope<'a, 'c, M> {
    tx: &'a mut Tx<'c>,
    id: &'a str,
    mode: PhantomData<M>,
}

impl<'a, 'c, M> TenantScope<'a, 'c, M> {
    pub(super) fn new(tx: &'a mut Tx<'c>, id: &'a str) -> TenantScope<'a, 'c, M> {
        TenantScope {
            tx,
            id,
            mode: PhantomData,
        }
    }

    /// The tenant's id.
    pub fn id(&self) -> &str {
        self.id
    }

    /// The transaction and the tenant id, for the queries of this module's siblings.
    pub(super) fn parts(&mut self) -> (&mut Tx<'c>, &str) {
        (self.tx, self.id)
    }

    /// The tenant's users.
    pub fn users(&mut self) -> Scoped<'_, 'c, M, Users> {
        Scoped::new(self.tx, self.id)
    }

    /// The tenant's groups and their memberships.
    pub fn groups(&mut self) -> Scoped<'_, 'c, M, Groups> {
        Scoped::new(self.tx, self.id)
    }

    /// The tenant's bearer tokens.
    pub fn tokens(&mut self) -> Scoped<'_, 'c, M, Tokens> {
        Scoped::new(self.tx, self.id)
    }

    /// The tenant's event log.
    pub fn events(&mut self) -> Scoped<'_, 'c, M, Events> {
        Scoped::new(self.tx, self.id)
    }

    /// The tenant's connection status: request counts and latest requests.
    pub fn connection(&mut self) -> Scoped<'_, 'c, M, Connection> {
        Scoped::new(self.tx, self.id)
    }

    /// The tenant's webhook endpoints and their delivery state.
    pub fn webhooks(&mut self) -> Scoped<'_, 'c, M, Webhooks> {
        Scoped::new(self.tx, self.id)
    }
}

/// What a [`Scoped`] handle is about: the tenant's users.
#[derive(Debug)]
pub enum Users {}
/// What a [`Scoped`] handle is about: the tenant's groups and memberships.
#[derive(Debug)]
pub enum Groups {}
/// What a [`Scoped`] handle is about: the tenant's tokens.
#[derive(Debug)]
pub enum Tokens {}
/// What a [`Scoped`] handle is about: the tenant's event log.
#[derive(Debug)]
pub enum Events {}
/// What a [`Scoped`] handle is about: the tenant's connection status.
#[derive(Debug)]
pub enum Connection {}
/// What a [`Scoped`] handle is about: the tenant's webhook endpoints.
#[derive(Debug)]
pub enum Webhooks {}

/// The part `S` ([`Users`], [`Groups`], [`Tokens`], [`Events`], [`Connection`]) of one tenant's
/// data inside a transaction, in mode `M` ([`Read`] or [`Write`]). Its methods
/// are the store's queries, each written once (in `tx/users.rs`, ...).
///
/// What it writes belongs to this scope's tenant: the inputs ([`NewUser`](crate::NewUser),
/// [`NewEvent`](crate::NewEvent), ...) carry no tenant id of their own.
#[derive(Debug)]
pub struct Scoped<'a, 'c, M, S> {
    tx: &'a mut Tx<'c>,
    tenant_id: &'a str,
    mode: PhantomData<(M, S)>,
}

impl<'a, 'c, M, S> Scoped<'a, 'c, M, S> {
    pub(super) fn new(tx: &'a mut Tx<'c>, tenant_id: &'a str) -> Scoped<'a, 'c, M, S> {
        Scoped {
            tx,
            tenant_id,
            mode: PhantomData,
        }
    }

    /// The transaction and the tenant id, for the queries of this module's siblings.
    pub(super) fn parts(&mut self) -> (&mut Tx<'c>, &'a str) {
        (self.tx, self.tenant_id)
    }
}
