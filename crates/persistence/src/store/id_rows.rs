//! Queries that visit a list of ids one by one (a correlated subquery per id, so each costs
//! an index seek, however many rows stand behind it): the ids are bound as one value and read
//! as rows of a column `id`, which PostgreSQL unnests from an array and SQLite reads from a
//! JSON array.

use crate::error::DieselResultExt;
use crate::AnyConnection;
use diesel::pg::Pg;
use diesel::query_dsl::RunQueryDsl;
use diesel::sqlite::Sqlite;
use diesel::QueryableByName;
use ferry_domain::{Error, Result};

/// Loads `template` with `{ids}` replaced by a table `alias` of the `ids` (its column `id`,
/// of PostgreSQL type `pg_type`, e.g. `uuid` or `text`; SQLite compares them as text).
pub fn load<R>(
    conn: &mut AnyConnection,
    template: &str,
    alias: &str,
    pg_type: &str,
    ids: &[String],
) -> Result<Vec<R>>
where
    R: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    match conn {
        AnyConnection::Postgres(pg) => diesel::sql_query(template.replace(
            "{ids}",
            &format!("unnest(CAST($1 AS {pg_type}[])) AS {alias}(id)"),
        ))
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(ids)
        .load(pg),
        AnyConnection::Sqlite(lite) => {
            let list = serde_json::to_string(ids).map_err(Error::internal)?;
            diesel::sql_query(template.replace(
                "{ids}",
                &format!("(SELECT value AS id FROM json_each(?)) AS {alias}"),
            ))
            .bind::<diesel::sql_types::Text, _>(list)
            .load(lite)
        }
    }
    .db()
}
