//! A person's own data through the API: the same file the Account page offers.

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, Tags, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    own_data,
};

#[derive(Tags)]
enum OwnDataTags {
    /// What staffdev holds about the caller.
    OwnData,
}

/// Everything staffdev holds about the caller, as one JSON file to keep.
#[derive(ApiResponse)]
pub enum OwnDataFile {
    /// One JSON object: `format` ("staffdev personal data, version 1"),
    /// `exported_at`, `profile`, `goals` with `goal_progress_notes` and `goal_send_backs`,
    /// `self_evaluations` with their `self_evaluation_entries`, `next_year_proposals` and
    /// `self_evaluation_reopenings`, `skill_assessments`, `skill_targets`,
    /// `kudos_received`, `kudos_given`, `notebook_entries` (written by or about the
    /// caller), `compliments` about the caller, `ideas` they submitted, `api_tokens`
    /// (names and dates, never secrets), and `not_included`: what is left out and why.
    ///
    /// The document leaves the object's schema open: it is a file to keep, and the
    /// sections are described here rather than typed field by field.
    #[oai(status = 200)]
    Ok(
        Json<serde_json::Value>,
        /// `attachment; filename="staffdev-data-<email>-<date>.json"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

pub struct OwnDataApi;

#[OpenApi(tag = "OwnDataTags::OwnData")]
impl OwnDataApi {
    /// Downloads everything staffdev holds about the caller (the right of access), as the
    /// Account page's "Download your data" does. Only ever one's own.
    #[oai(path = "/me/data", method = "get", operation_id = "my_data")]
    async fn mine(&self, auth: BearerAuth, state: Data<&AppState>) -> ApiResult<OwnDataFile> {
        let data = own_data::gather(&state.db, &auth.0, chrono::Utc::now()).await?;
        let disposition = format!("attachment; filename=\"{}\"", own_data::file_name(&data));
        Ok(OwnDataFile::Ok(
            Json(own_data::to_value(&data)?),
            disposition,
        ))
    }
}
