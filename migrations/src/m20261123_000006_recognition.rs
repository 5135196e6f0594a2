//! Recognition: kudos between colleagues, trophies passed from hand to hand with their
//! notebooks, compliments the cio hears about staff, and announcements on the portal.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Kudos {
    Table,
    Id,
    GiverId,
    Message,
    ValueTags,
    CreatedAt,
    HiddenAt,
    HiddenById,
    HiddenReason,
}

#[derive(DeriveIden)]
enum KudosRecipients {
    Table,
    KudosId,
    PersonId,
}

#[derive(DeriveIden)]
enum Trophies {
    Table,
    Id,
    Name,
    Description,
    HolderId,
    HeldSince,
    Entries,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotebookEntries {
    Table,
    Id,
    TrophyId,
    Seq,
    Kind,
    GiverId,
    ReceiverId,
    Message,
    RecordedById,
    CreatedAt,
    HiddenAt,
    HiddenById,
    HiddenReason,
}

#[derive(DeriveIden)]
enum Compliments {
    Table,
    Id,
    PersonId,
    GiverName,
    GiverAffiliation,
    Channel,
    ReceivedOn,
    Message,
    PostedById,
    CreatedAt,
    HiddenAt,
    HiddenById,
    HiddenReason,
}

#[derive(DeriveIden)]
enum Announcements {
    Table,
    Id,
    Kind,
    Title,
    Body,
    PostedById,
    CreatedAt,
    HiddenAt,
    HiddenById,
    HiddenReason,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement.name(name).table(table);
    for col in cols {
        statement.col(Alias::new(*col));
    }
    statement.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Moderation hides a row (with who, when and why) and never deletes it. Lists run
        // newest first by id, which grows with time: the primary key is the keyset index.
        manager
            .create_table(
                Table::create()
                    .table(Kudos::Table)
                    .col(big_pk_auto(Kudos::Id))
                    .col(integer(Kudos::GiverId))
                    .col(text(Kudos::Message))
                    // The department values it names, one per line: read with the row,
                    // so the kudos wall needs no join for them.
                    .col(text(Kudos::ValueTags).default(""))
                    .col(timestamp_with_time_zone(Kudos::CreatedAt))
                    .col(timestamp_with_time_zone_null(Kudos::HiddenAt))
                    .col(integer_null(Kudos::HiddenById))
                    .col(text_null(Kudos::HiddenReason))
                    .foreign_key(&mut fk(
                        "kudos_giver_id_fkey",
                        (Kudos::Table, Kudos::GiverId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "kudos_hidden_by_id_fkey",
                        (Kudos::Table, Kudos::HiddenById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("kudos_giver_idx", Kudos::Table, &["giver_id", "id"]))
            .await?;
        // The Atom feed merges every kind of item by time.
        manager
            .create_index(index(
                "kudos_created_idx",
                Kudos::Table,
                &["created_at", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(KudosRecipients::Table)
                    .col(big_integer(KudosRecipients::KudosId))
                    .col(integer(KudosRecipients::PersonId))
                    .primary_key(
                        Index::create()
                            .col(KudosRecipients::KudosId)
                            .col(KudosRecipients::PersonId),
                    )
                    .foreign_key(&mut fk(
                        "kudos_recipients_kudos_id_fkey",
                        (KudosRecipients::Table, KudosRecipients::KudosId),
                        (Kudos::Table, Kudos::Id),
                    ))
                    .foreign_key(&mut fk(
                        "kudos_recipients_person_id_fkey",
                        (KudosRecipients::Table, KudosRecipients::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // What a person received (their profile, evidence for their self-evaluation).
        manager
            .create_index(index(
                "kudos_recipients_person_idx",
                KudosRecipients::Table,
                &["person_id", "kudos_id"],
            ))
            .await?;

        // One holder per trophy is the row itself: a pass is a conditional update on the
        // current holder, so two racing passes cannot both win, on either backend and
        // across instances. `entries` counts the notebook, and the next entry's number
        // comes from that same update.
        manager
            .create_table(
                Table::create()
                    .table(Trophies::Table)
                    .col(pk_auto(Trophies::Id))
                    .col(string_len(Trophies::Name, 200))
                    .col(text(Trophies::Description).default(""))
                    .col(integer(Trophies::HolderId))
                    .col(timestamp_with_time_zone(Trophies::HeldSince))
                    .col(integer(Trophies::Entries).default(0))
                    .col(timestamp_with_time_zone(Trophies::CreatedAt))
                    .foreign_key(&mut fk(
                        "trophies_holder_id_fkey",
                        (Trophies::Table, Trophies::HolderId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // Append-only. (trophy_id, seq) is unique, so the chain cannot fork even if two
        // writers got past the holder check: each entry has exactly one predecessor.
        manager
            .create_table(
                Table::create()
                    .table(NotebookEntries::Table)
                    .col(big_pk_auto(NotebookEntries::Id))
                    .col(integer(NotebookEntries::TrophyId))
                    .col(integer(NotebookEntries::Seq))
                    // "created" | "pass" | "reassign"
                    .col(string_len(NotebookEntries::Kind, 20))
                    // None only on the entry that starts the notebook.
                    .col(integer_null(NotebookEntries::GiverId))
                    .col(integer(NotebookEntries::ReceiverId))
                    .col(text(NotebookEntries::Message))
                    // Who wrote it: the giver on a pass, the cio on a creation or reassignment.
                    .col(integer(NotebookEntries::RecordedById))
                    .col(timestamp_with_time_zone(NotebookEntries::CreatedAt))
                    .col(timestamp_with_time_zone_null(NotebookEntries::HiddenAt))
                    .col(integer_null(NotebookEntries::HiddenById))
                    .col(text_null(NotebookEntries::HiddenReason))
                    .foreign_key(&mut fk(
                        "notebook_entries_trophy_id_fkey",
                        (NotebookEntries::Table, NotebookEntries::TrophyId),
                        (Trophies::Table, Trophies::Id),
                    ))
                    .foreign_key(&mut fk(
                        "notebook_entries_giver_id_fkey",
                        (NotebookEntries::Table, NotebookEntries::GiverId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "notebook_entries_receiver_id_fkey",
                        (NotebookEntries::Table, NotebookEntries::ReceiverId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "notebook_entries_recorded_by_id_fkey",
                        (NotebookEntries::Table, NotebookEntries::RecordedById),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "notebook_entries_hidden_by_id_fkey",
                        (NotebookEntries::Table, NotebookEntries::HiddenById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "notebook_entries_trophy_seq_key",
                    NotebookEntries::Table,
                    &["trophy_id", "seq"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notebook_entries_created_idx",
                NotebookEntries::Table,
                &["created_at", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "notebook_entries_receiver_idx",
                NotebookEntries::Table,
                &["receiver_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Compliments::Table)
                    .col(big_pk_auto(Compliments::Id))
                    .col(integer(Compliments::PersonId))
                    .col(string_len(Compliments::GiverName, 200))
                    .col(string_len(Compliments::GiverAffiliation, 200).default(""))
                    .col(string_len(Compliments::Channel, 100))
                    .col(date(Compliments::ReceivedOn))
                    .col(text(Compliments::Message))
                    .col(integer(Compliments::PostedById))
                    .col(timestamp_with_time_zone(Compliments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Compliments::HiddenAt))
                    .col(integer_null(Compliments::HiddenById))
                    .col(text_null(Compliments::HiddenReason))
                    .foreign_key(&mut fk(
                        "compliments_person_id_fkey",
                        (Compliments::Table, Compliments::PersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "compliments_posted_by_id_fkey",
                        (Compliments::Table, Compliments::PostedById),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "compliments_hidden_by_id_fkey",
                        (Compliments::Table, Compliments::HiddenById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "compliments_person_idx",
                Compliments::Table,
                &["person_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Announcements::Table)
                    .col(big_pk_auto(Announcements::Id))
                    // "new_service" | "proactive_work" | "upgrade" | "accomplishment" | "other"
                    .col(string_len(Announcements::Kind, 30))
                    .col(string_len(Announcements::Title, 200))
                    .col(text(Announcements::Body).default(""))
                    .col(integer(Announcements::PostedById))
                    .col(timestamp_with_time_zone(Announcements::CreatedAt))
                    .col(timestamp_with_time_zone_null(Announcements::HiddenAt))
                    .col(integer_null(Announcements::HiddenById))
                    .col(text_null(Announcements::HiddenReason))
                    .foreign_key(&mut fk(
                        "announcements_posted_by_id_fkey",
                        (Announcements::Table, Announcements::PostedById),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "announcements_hidden_by_id_fkey",
                        (Announcements::Table, Announcements::HiddenById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Announcements::Table.into_iden(),
            Compliments::Table.into_iden(),
            NotebookEntries::Table.into_iden(),
            Trophies::Table.into_iden(),
            KudosRecipients::Table.into_iden(),
            Kudos::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
