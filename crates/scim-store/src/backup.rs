//! Online backups of a SQLite database: `VACUUM INTO` a new file, in a read
//! transaction. The copy is one consistent snapshot (the reader's transaction)
//! while the server goes on writing: SQLite's WAL lets the single writer commit
//! beside it. PostgreSQL has its own tool, `pg_dump`.

use std::path::Path;

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use crate::db::DbConnection;
use crate::error::StoreError;

/// Copies the database `conn` reads into `target`, which must not exist, and
/// flushes the copy to disk before returning.
pub(crate) fn copy_into(conn: &mut DbConnection, target: &Path) -> Result<(), StoreError> {
    let DbConnection::Sqlite(conn) = conn else {
        return Err(postgres());
    };
    if target.exists() {
        return Err(StoreError::Backup(format!(
            "{} exists; a backup never overwrites a file, choose a new path",
            target.display()
        )));
    }
    let Some(name) = target.to_str() else {
        return Err(StoreError::Backup(format!(
            "{} is not valid UTF-8, which SQLite needs for a file name",
            target.display()
        )));
    };
    if let Err(e) = diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(name)
        .execute(conn)
    {
        // The target did not exist: whatever the failed copy left is ours.
        let _ = std::fs::remove_file(target);
        return Err(e.into());
    }
    // VACUUM INTO leaves the copy in the page cache; a backup must survive a
    // power cut right after the command returns.
    std::fs::File::open(target)
        .and_then(|file| file.sync_all())
        .map_err(|e| StoreError::Backup(format!("flushing {}: {e}", target.display())))?;
    Ok(())
}

/// The refusal for a PostgreSQL store.
pub(crate) fn postgres() -> StoreError {
    StoreError::Backup(
        "the database is PostgreSQL: back it up with pg_dump (docs/deploy.md, Backup and restore)"
            .to_owned(),
    )
}
