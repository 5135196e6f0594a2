//! The tables, their columns and foreign keys as the database's catalogue describes them,
//! on one connection of either backend, and the order that puts parents first.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use sea_orm::{
    DbBackend,
    sqlx::{self, AssertSqlSafe, Postgres, Sqlite, pool::PoolConnection},
};

use crate::db::Db;

use super::quoted;

/// How a column's values are written in the file and bound on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Integer,
    Real,
    Text,
    Boolean,
    /// A timestamp with a time zone: RFC 3339 in UTC with nanoseconds.
    Timestamp,
    /// A timestamp without a time zone, `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn`.
    NaiveTimestamp,
    Date,
    /// Bytes, written as base64.
    Bytes,
    /// Anything else (json, uuid, numeric…): its text; PostgreSQL casts it back to the
    /// named type on import.
    Other(String),
}

impl Kind {
    /// The name the file gives the kind.
    pub(super) fn name(&self) -> &str {
        match self {
            Kind::Integer => "integer",
            Kind::Real => "real",
            Kind::Text => "text",
            Kind::Boolean => "boolean",
            Kind::Timestamp => "timestamp",
            Kind::NaiveTimestamp => "naive_timestamp",
            Kind::Date => "date",
            Kind::Bytes => "bytes",
            Kind::Other(_) => "text",
        }
    }

    /// From an SQLite declared type, as sea-query writes them (`integer`, `varchar(254)`,
    /// `boolean`, `timestamp_with_timezone_text`, `date_text`, `double`, `blob`…).
    fn of_sqlite(declared: &str) -> Kind {
        let t = declared.to_ascii_lowercase();
        if t.contains("bool") {
            Kind::Boolean
        } else if t.starts_with("timestamp_with_timezone") || t.starts_with("timestamptz") {
            Kind::Timestamp
        } else if t.starts_with("timestamp") || t.starts_with("datetime") {
            Kind::NaiveTimestamp
        } else if t == "date" || t == "date_text" {
            Kind::Date
        } else if t.contains("int") {
            Kind::Integer
        } else if t.contains("real") || t.contains("floa") || t.contains("doub") {
            Kind::Real
        } else if t.contains("blob") || t.contains("binary") {
            Kind::Bytes
        } else if t.contains("char") || t.contains("text") || t.contains("clob") || t.is_empty() {
            Kind::Text
        } else {
            Kind::Other(t)
        }
    }

    /// From PostgreSQL's `information_schema.columns` data type (and udt name).
    fn of_postgres(data_type: &str, udt_name: &str) -> Kind {
        match data_type {
            "smallint" | "integer" | "bigint" => Kind::Integer,
            "real" | "double precision" => Kind::Real,
            "boolean" => Kind::Boolean,
            "timestamp with time zone" => Kind::Timestamp,
            "timestamp without time zone" => Kind::NaiveTimestamp,
            "date" => Kind::Date,
            "bytea" => Kind::Bytes,
            "text" | "character varying" | "character" => Kind::Text,
            _ => Kind::Other(udt_name.to_owned()),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
}

#[derive(Debug, Clone)]
pub(super) struct ForeignKey {
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
}

impl Table {
    pub(super) fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `ORDER BY` for reading the rows in a stable order: the primary key, or every
    /// column when there is none.
    pub(super) fn order_by(&self) -> String {
        let columns: Vec<String> = if self.primary_key.is_empty() {
            self.columns.iter().map(|c| quoted(&c.name)).collect()
        } else {
            self.primary_key.iter().map(|c| quoted(c)).collect()
        };
        columns.join(", ")
    }

    /// The single whole-number primary key column, when the table has one.
    pub(super) fn integer_key(&self) -> Option<&str> {
        match self.primary_key.as_slice() {
            [only] if self.column(only).is_some_and(|c| c.kind == Kind::Integer) => {
                Some(only.as_str())
            }
            _ => None,
        }
    }
}

/// One connection of the database being exported or imported, outside any pool's
/// transaction bookkeeping: the commands run their one transaction on it themselves.
pub(super) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub(super) async fn acquire(db: &Db) -> anyhow::Result<Conn> {
        let conn: &sea_orm::DatabaseConnection = db.conn();
        Ok(match conn.get_database_backend() {
            DbBackend::Sqlite => Conn::Sqlite(
                conn.get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .context("could not open a connection to the database")?,
            ),
            DbBackend::Postgres => Conn::Postgres(
                conn.get_postgres_connection_pool()
                    .acquire()
                    .await
                    .context("could not open a connection to the database")?,
            ),
            other => bail!("the {other:?} database is not supported"),
        })
    }

    pub(super) fn is_postgres(&self) -> bool {
        matches!(self, Conn::Postgres(_))
    }

    /// Runs statements without results (transaction control, savepoints).
    pub(super) async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        match self {
            Conn::Sqlite(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(|_| ()),
            Conn::Postgres(c) => sqlx::raw_sql(sql).execute(&mut **c).await.map(|_| ()),
        }
    }

    /// Whether the table holds at least one row.
    pub(super) async fn has_rows(&mut self, table: &str) -> anyhow::Result<bool> {
        let sql = AssertSqlSafe(format!("SELECT 1 FROM {} LIMIT 1", quoted(table)));
        let found = match self {
            Conn::Sqlite(c) => sqlx::query(sql).fetch_optional(&mut **c).await?.is_some(),
            Conn::Postgres(c) => sqlx::query(sql).fetch_optional(&mut **c).await?.is_some(),
        };
        Ok(found)
    }

    /// The names of the applied migrations, oldest first (none without the table).
    pub(super) async fn applied_migrations(&mut self) -> anyhow::Result<Vec<String>> {
        let tables = self.table_names().await?;
        if !tables.iter().any(|t| t == super::MIGRATIONS_TABLE) {
            return Ok(Vec::new());
        }
        let sql = "SELECT version FROM seaql_migrations ORDER BY version";
        let names = match self {
            Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(&mut **c).await?,
            Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_all(&mut **c).await?,
        };
        Ok(names)
    }

    pub(super) async fn table_names(&mut self) -> anyhow::Result<Vec<String>> {
        let names = match self {
            Conn::Sqlite(c) => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                )
                .fetch_all(&mut **c)
                .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                     ORDER BY table_name",
                )
                .fetch_all(&mut **c)
                .await?
            }
        };
        Ok(names)
    }

    /// Every table of the database (but SQLite's own), with columns, primary key and
    /// foreign keys.
    pub(super) async fn tables(&mut self) -> anyhow::Result<Vec<Table>> {
        let names = self
            .table_names()
            .await
            .context("could not list the tables")?;
        let mut tables = Vec::with_capacity(names.len());
        for name in names {
            let table = match self {
                Conn::Sqlite(c) => sqlite_table(c, name.clone()).await,
                Conn::Postgres(c) => postgres_table(c, name.clone()).await,
            }
            .with_context(|| format!("could not read the columns of the table {name}"))?;
            tables.push(table);
        }
        // SQLite lets a foreign key name only the parent table, meaning its primary key.
        let keys: BTreeMap<String, Vec<String>> = tables
            .iter()
            .map(|t| (t.name.clone(), t.primary_key.clone()))
            .collect();
        for table in &mut tables {
            for fk in &mut table.foreign_keys {
                if fk.parent_columns.iter().any(String::is_empty) {
                    fk.parent_columns = keys.get(&fk.parent).cloned().unwrap_or_default();
                }
            }
        }
        Ok(tables)
    }
}

async fn sqlite_table(c: &mut PoolConnection<Sqlite>, name: String) -> anyhow::Result<Table> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
    )
    .bind(&name)
    .fetch_all(&mut **c)
    .await?;
    let mut key: Vec<(i64, String)> = rows
        .iter()
        .filter(|(_, _, _, pk)| *pk > 0)
        .map(|(column, _, _, pk)| (*pk, column.clone()))
        .collect();
    key.sort();
    let columns = rows
        .into_iter()
        .map(|(column, declared, not_null, _)| Column {
            name: column,
            kind: Kind::of_sqlite(&declared),
            nullable: not_null == 0,
        })
        .collect();
    let links: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )
    .bind(&name)
    .fetch_all(&mut **c)
    .await?;
    let mut foreign_keys: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    for (id, parent, from, to) in links {
        let fk = foreign_keys.entry(id).or_insert_with(|| ForeignKey {
            columns: Vec::new(),
            parent,
            parent_columns: Vec::new(),
        });
        fk.columns.push(from);
        fk.parent_columns.push(to.unwrap_or_default());
    }
    Ok(Table {
        name,
        columns,
        primary_key: key.into_iter().map(|(_, column)| column).collect(),
        foreign_keys: foreign_keys.into_values().collect(),
    })
}

async fn postgres_table(c: &mut PoolConnection<Postgres>, name: String) -> anyhow::Result<Table> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, udt_name::text, is_nullable::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(&name)
    .fetch_all(&mut **c)
    .await?;
    let columns = rows
        .into_iter()
        .map(|(column, data_type, udt, nullable)| Column {
            name: column,
            kind: Kind::of_postgres(&data_type, &udt),
            nullable: nullable == "YES",
        })
        .collect();
    let primary_key: Vec<String> = sqlx::query_scalar(
        "SELECT a.attname::text FROM pg_index i \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary \
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
    )
    .bind(&name)
    .fetch_all(&mut **c)
    .await?;
    let links: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT con.conname::text, p.relname::text, a.attname::text, pa.attname::text \
         FROM pg_constraint con \
         JOIN pg_class p ON p.oid = con.confrelid \
         CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child, parent, n) \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.child \
         JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent \
         WHERE con.contype = 'f' AND con.conrelid = to_regclass(quote_ident($1)) \
         ORDER BY con.conname, k.n",
    )
    .bind(&name)
    .fetch_all(&mut **c)
    .await?;
    let mut foreign_keys: BTreeMap<String, ForeignKey> = BTreeMap::new();
    for (constraint, parent, from, to) in links {
        let fk = foreign_keys
            .entry(constraint)
            .or_insert_with(|| ForeignKey {
                columns: Vec::new(),
                parent,
                parent_columns: Vec::new(),
            });
        fk.columns.push(from);
        fk.parent_columns.push(to);
    }
    Ok(Table {
        name,
        columns,
        primary_key,
        foreign_keys: foreign_keys.into_values().collect(),
    })
}

/// The tables with every parent before its children (a table's references to itself
/// aside), and by name where the foreign keys leave the order open, so two exports of
/// one database list the tables alike.
pub(super) fn parents_first(tables: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut waiting: BTreeMap<String, (Table, BTreeSet<String>)> = tables
        .into_iter()
        .map(|t| {
            let parents = t
                .foreign_keys
                .iter()
                .map(|fk| fk.parent.clone())
                .filter(|p| *p != t.name && names.contains(p))
                .collect();
            (t.name.clone(), (t, parents))
        })
        .collect();
    let mut ordered = Vec::with_capacity(waiting.len());
    while !waiting.is_empty() {
        let ready = waiting
            .iter()
            .find(|(_, (_, parents))| parents.is_empty())
            .map(|(name, _)| name.clone());
        let Some(ready) = ready else {
            let stuck: Vec<&str> = waiting.keys().map(String::as_str).collect();
            bail!(
                "the tables {} refer to each other in a circle, so no order puts every parent first",
                stuck.join(", ")
            );
        };
        if let Some((table, _)) = waiting.remove(&ready) {
            ordered.push(table);
        }
        for (_, parents) in waiting.values_mut() {
            parents.remove(&ready);
        }
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, parents: &[&str]) -> Table {
        Table {
            name: name.to_owned(),
            columns: Vec::new(),
            primary_key: vec!["id".to_owned()],
            foreign_keys: parents
                .iter()
                .map(|parent| ForeignKey {
                    columns: vec![format!("{parent}_id")],
                    parent: (*parent).to_owned(),
                    parent_columns: vec!["id".to_owned()],
                })
                .collect(),
        }
    }

    fn names(tables: &[Table]) -> Vec<&str> {
        tables.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn parents_come_before_their_children_and_names_settle_the_rest() {
        let tables = vec![
            table("kudos_recipients", &["kudos", "people"]),
            table("kudos", &["people"]),
            table("people", &["people"]),
            table("audit_events", &["people"]),
            table("installation", &[]),
        ];
        let ordered = parents_first(tables).unwrap();
        assert_eq!(
            names(&ordered),
            [
                "installation",
                "people",
                "audit_events",
                "kudos",
                "kudos_recipients"
            ]
        );
    }

    #[test]
    fn tables_that_refer_to_each_other_in_a_circle_are_named() {
        let tables = vec![table("a", &["b"]), table("b", &["a"]), table("c", &[])];
        let message = parents_first(tables).unwrap_err().to_string();
        assert_eq!(
            message,
            "the tables a, b refer to each other in a circle, so no order puts every parent first"
        );
    }

    #[test]
    fn a_column_has_one_kind_on_both_backends() {
        let cases = [
            ("integer", ("integer", "int4"), Kind::Integer),
            ("integer", ("bigint", "int8"), Kind::Integer),
            ("varchar(254)", ("character varying", "varchar"), Kind::Text),
            ("text", ("text", "text"), Kind::Text),
            ("boolean", ("boolean", "bool"), Kind::Boolean),
            (
                "timestamp_with_timezone_text",
                ("timestamp with time zone", "timestamptz"),
                Kind::Timestamp,
            ),
            ("date_text", ("date", "date"), Kind::Date),
            ("double", ("double precision", "float8"), Kind::Real),
            ("blob", ("bytea", "bytea"), Kind::Bytes),
        ];
        for (sqlite, (data_type, udt), kind) in cases {
            assert_eq!(Kind::of_sqlite(sqlite), kind, "{sqlite}");
            assert_eq!(Kind::of_postgres(data_type, udt), kind, "{data_type}");
        }
        assert_eq!(
            Kind::of_postgres("jsonb", "jsonb"),
            Kind::Other("jsonb".to_owned())
        );
    }
}
