//! The audit trail: who changed what, when, from what to what, and under which request.
//! One row per change, written in the same transaction as the change.
//!
//! Append-only in the database itself: triggers refuse every UPDATE and DELETE (and, on
//! PostgreSQL, TRUNCATE), so not even a bug in the service can rewrite history. Only
//! dropping the table (this migration's `down`) removes rows.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    /// Who made the change; none for the system or an anonymous sign-in attempt.
    ActorId,
    /// What happened: `role_changed`, `cycle_phase_moved`, `sign_in_locked`…
    Kind,
    /// What was changed: `person`, `cycle`, `plan`, `skill`, `trophy`, `kudos`…
    SubjectKind,
    SubjectId,
    /// The person the change concerns, for the person filter.
    PersonId,
    /// JSON objects of only the fields that changed, as they were and as they became.
    Before,
    After,
    RequestId,
}

const SQLITE_TRIGGERS: [&str; 2] = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: its rows are never changed'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: its rows are never deleted'); END",
];

const POSTGRES_TRIGGERS: [&str; 3] = [
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         RAISE EXCEPTION 'audit_events is append-only: its rows are never changed or deleted (%)', TG_OP;
     END
     $$",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(integer_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::Kind, 40))
                    .col(string_len(AuditEvents::SubjectKind, 20))
                    .col(big_integer_null(AuditEvents::SubjectId))
                    .col(integer_null(AuditEvents::PersonId))
                    .col(text(AuditEvents::Before))
                    .col(text(AuditEvents::After))
                    .col(string_len_null(AuditEvents::RequestId, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .name("audit_events_actor_id_fkey")
                            .from(AuditEvents::Table, AuditEvents::ActorId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("audit_events_person_id_fkey")
                            .from(AuditEvents::Table, AuditEvents::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // The trail is read newest first, by (at, id) for the cursor, whole or filtered
        // by kind or by person.
        for (name, first) in [
            ("audit_events_at_idx", None),
            ("audit_events_kind_at_idx", Some(AuditEvents::Kind)),
            ("audit_events_person_at_idx", Some(AuditEvents::PersonId)),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            if let Some(first) = first {
                index.col(first);
            }
            manager
                .create_index(index.col(AuditEvents::At).col(AuditEvents::Id).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        let triggers: &[&str] = if manager.get_database_backend() == DbBackend::Postgres {
            &POSTGRES_TRIGGERS
        } else {
            &SQLITE_TRIGGERS
        };
        for trigger in triggers {
            db.execute_unprepared(trigger).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
