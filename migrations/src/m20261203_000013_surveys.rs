//! Client feedback: surveys with ordered questions (some informing a plan objective's
//! measure, with a target), one-use invitations (only a digest of each token is kept),
//! anonymous responses and their answers (free text released or hidden by the cio),
//! compliments from clients waiting for the cio, and the per-address submission counts
//! of the rate limit (keyed by a digest, so no address is stored).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Objectives {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
    Title,
    Introduction,
    Status,
    CreatedById,
    CreatedAt,
    OpenedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SurveyQuestions {
    Table,
    Id,
    SurveyId,
    Position,
    Kind,
    Prompt,
    Required,
    ObjectiveId,
    Target,
}

#[derive(DeriveIden)]
enum SurveyInvitations {
    Table,
    Id,
    SurveyId,
    TokenHash,
    StaffId,
    CreatedById,
    CreatedAt,
    ExpiresAt,
    WithdrawnAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SurveyResponses {
    Table,
    Id,
    SurveyId,
    InvitationId,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum SurveyAnswers {
    Table,
    Id,
    ResponseId,
    QuestionId,
    Rating,
    Yes,
    Text,
    ReleasedAt,
    HiddenAt,
    HiddenReason,
}

#[derive(DeriveIden)]
enum SurveyCompliments {
    Table,
    Id,
    SurveyId,
    ResponseId,
    PersonId,
    Message,
    GiverName,
    GiverAffiliation,
    Status,
    DecidedById,
    DecidedAt,
    ComplimentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SurveyRateHits {
    Table,
    Id,
    ThrottleKey,
    HitAt,
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
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(big_pk_auto(Surveys::Id))
                    .col(string_len(Surveys::Title, 200))
                    .col(text(Surveys::Introduction))
                    .col(string_len(Surveys::Status, 16))
                    .col(integer(Surveys::CreatedById))
                    .col(timestamp_with_time_zone(Surveys::CreatedAt))
                    .col(timestamp_with_time_zone_null(Surveys::OpenedAt))
                    .col(timestamp_with_time_zone_null(Surveys::ClosedAt))
                    .foreign_key(&mut fk(
                        "surveys_created_by_id_fkey",
                        (Surveys::Table, Surveys::CreatedById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyQuestions::Table)
                    .col(big_pk_auto(SurveyQuestions::Id))
                    .col(big_integer(SurveyQuestions::SurveyId))
                    .col(integer(SurveyQuestions::Position))
                    .col(string_len(SurveyQuestions::Kind, 16))
                    .col(string_len(SurveyQuestions::Prompt, 500))
                    .col(boolean(SurveyQuestions::Required))
                    .col(integer_null(SurveyQuestions::ObjectiveId))
                    .col(double_null(SurveyQuestions::Target))
                    .foreign_key(
                        fk(
                            "survey_questions_survey_id_fkey",
                            (SurveyQuestions::Table, SurveyQuestions::SurveyId),
                            (Surveys::Table, Surveys::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk(
                            "survey_questions_objective_id_fkey",
                            (SurveyQuestions::Table, SurveyQuestions::ObjectiveId),
                            (Objectives::Table, Objectives::Id),
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_questions_survey_id_position_key")
                    .table(SurveyQuestions::Table)
                    .col(SurveyQuestions::SurveyId)
                    .col(SurveyQuestions::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyInvitations::Table)
                    .col(big_pk_auto(SurveyInvitations::Id))
                    .col(big_integer(SurveyInvitations::SurveyId))
                    .col(string_len(SurveyInvitations::TokenHash, 64))
                    .col(integer_null(SurveyInvitations::StaffId))
                    .col(integer(SurveyInvitations::CreatedById))
                    .col(timestamp_with_time_zone(SurveyInvitations::CreatedAt))
                    .col(timestamp_with_time_zone(SurveyInvitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(
                        SurveyInvitations::WithdrawnAt,
                    ))
                    .col(timestamp_with_time_zone_null(SurveyInvitations::UsedAt))
                    .foreign_key(
                        fk(
                            "survey_invitations_survey_id_fkey",
                            (SurveyInvitations::Table, SurveyInvitations::SurveyId),
                            (Surveys::Table, Surveys::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "survey_invitations_staff_id_fkey",
                        (SurveyInvitations::Table, SurveyInvitations::StaffId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        "survey_invitations_created_by_id_fkey",
                        (SurveyInvitations::Table, SurveyInvitations::CreatedById),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_invitations_token_hash_key")
                    .table(SurveyInvitations::Table)
                    .col(SurveyInvitations::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_invitations_survey_id_idx")
                    .table(SurveyInvitations::Table)
                    .col(SurveyInvitations::SurveyId)
                    .col(SurveyInvitations::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyResponses::Table)
                    .col(big_pk_auto(SurveyResponses::Id))
                    .col(big_integer(SurveyResponses::SurveyId))
                    .col(big_integer_null(SurveyResponses::InvitationId))
                    .col(timestamp_with_time_zone(SurveyResponses::SubmittedAt))
                    .foreign_key(
                        fk(
                            "survey_responses_survey_id_fkey",
                            (SurveyResponses::Table, SurveyResponses::SurveyId),
                            (Surveys::Table, Surveys::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk(
                            "survey_responses_invitation_id_fkey",
                            (SurveyResponses::Table, SurveyResponses::InvitationId),
                            (SurveyInvitations::Table, SurveyInvitations::Id),
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one response per invitation, whatever races past the conditional update.
        manager
            .create_index(
                Index::create()
                    .name("survey_responses_invitation_id_key")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::InvitationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_responses_survey_id_submitted_at_idx")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::SurveyId)
                    .col(SurveyResponses::SubmittedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyAnswers::Table)
                    .col(big_pk_auto(SurveyAnswers::Id))
                    .col(big_integer(SurveyAnswers::ResponseId))
                    .col(big_integer(SurveyAnswers::QuestionId))
                    .col(small_integer_null(SurveyAnswers::Rating))
                    .col(boolean_null(SurveyAnswers::Yes))
                    .col(text_null(SurveyAnswers::Text))
                    .col(timestamp_with_time_zone_null(SurveyAnswers::ReleasedAt))
                    .col(timestamp_with_time_zone_null(SurveyAnswers::HiddenAt))
                    .col(text_null(SurveyAnswers::HiddenReason))
                    .foreign_key(
                        fk(
                            "survey_answers_response_id_fkey",
                            (SurveyAnswers::Table, SurveyAnswers::ResponseId),
                            (SurveyResponses::Table, SurveyResponses::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk(
                            "survey_answers_question_id_fkey",
                            (SurveyAnswers::Table, SurveyAnswers::QuestionId),
                            (SurveyQuestions::Table, SurveyQuestions::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_answers_question_id_idx")
                    .table(SurveyAnswers::Table)
                    .col(SurveyAnswers::QuestionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_answers_response_id_idx")
                    .table(SurveyAnswers::Table)
                    .col(SurveyAnswers::ResponseId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyCompliments::Table)
                    .col(big_pk_auto(SurveyCompliments::Id))
                    .col(big_integer(SurveyCompliments::SurveyId))
                    .col(big_integer(SurveyCompliments::ResponseId))
                    .col(integer(SurveyCompliments::PersonId))
                    .col(text(SurveyCompliments::Message))
                    .col(string_len(SurveyCompliments::GiverName, 200))
                    .col(string_len(SurveyCompliments::GiverAffiliation, 200))
                    .col(string_len(SurveyCompliments::Status, 16))
                    .col(integer_null(SurveyCompliments::DecidedById))
                    .col(timestamp_with_time_zone_null(SurveyCompliments::DecidedAt))
                    .col(big_integer_null(SurveyCompliments::ComplimentId))
                    .col(timestamp_with_time_zone(SurveyCompliments::CreatedAt))
                    .foreign_key(
                        fk(
                            "survey_compliments_survey_id_fkey",
                            (SurveyCompliments::Table, SurveyCompliments::SurveyId),
                            (Surveys::Table, Surveys::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        fk(
                            "survey_compliments_response_id_fkey",
                            (SurveyCompliments::Table, SurveyCompliments::ResponseId),
                            (SurveyResponses::Table, SurveyResponses::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "survey_compliments_person_id_fkey",
                        (SurveyCompliments::Table, SurveyCompliments::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_compliments_status_idx")
                    .table(SurveyCompliments::Table)
                    .col(SurveyCompliments::Status)
                    .col(SurveyCompliments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SurveyRateHits::Table)
                    .col(big_pk_auto(SurveyRateHits::Id))
                    .col(string_len(SurveyRateHits::ThrottleKey, 80))
                    .col(timestamp_with_time_zone(SurveyRateHits::HitAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("survey_rate_hits_key_at_idx")
                    .table(SurveyRateHits::Table)
                    .col(SurveyRateHits::ThrottleKey)
                    .col(SurveyRateHits::HitAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SurveyRateHits::Table.into_iden(),
            SurveyCompliments::Table.into_iden(),
            SurveyAnswers::Table.into_iden(),
            SurveyResponses::Table.into_iden(),
            SurveyInvitations::Table.into_iden(),
            SurveyQuestions::Table.into_iden(),
            Surveys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
