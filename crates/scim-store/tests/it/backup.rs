//! `Store::backup`: a SQLite store copies itself to a new file that opens with
//! its data, never over an existing file; a PostgreSQL store refuses, naming
//! pg_dump.

use scim_store::testing::TestDatabase;
use scim_store::{StoreError, Visibility};

use crate::contract;
use crate::fixtures::{add_user, user_body};
use crate::harness::{Backend, fresh, options, tenant};

fn backup(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("ada@example.com"));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.sqlite3");
    let result = db.store.backup(&target);
    if backend == Backend::Postgres {
        let error = result.unwrap_err();
        assert!(matches!(error, StoreError::Backup(_)), "{error:?}");
        assert!(error.to_string().contains("pg_dump"), "{error}");
        assert!(!target.exists());
        return;
    }
    result.unwrap();
    let copy = TestDatabase::attach(&format!("sqlite://{}", target.display()), Backend::Sqlite);
    assert_eq!(copy.sqlite_integrity(), "ok");
    let restored = copy.open(options());
    let user = restored
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .expect("the user is in the copy");
    assert_eq!(user.user_name, "ada@example.com");

    // Never over an existing file, which stays as it was.
    let size = std::fs::metadata(&target).unwrap().len();
    let error = db.store.backup(&target).unwrap_err();
    assert!(error.to_string().contains("exists"), "{error}");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);
    // A target SQLite cannot create fails and leaves nothing behind.
    let nowhere = dir.path().join("missing-dir").join("copy.sqlite3");
    assert!(db.store.backup(&nowhere).is_err());
    assert!(!nowhere.exists());
}

contract!(backup);
