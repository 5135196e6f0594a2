//! "Waiting for you" through the API: the same list as the home page, for other clients.

use poem::web::Data;
use poem_openapi::{Object, OpenApi, Tags, payload::Json};

use crate::{
    api::{ApiResult, BearerAuth},
    app::AppState,
    todo::{self, Todo},
};

#[derive(Tags)]
enum TodoTags {
    /// What is waiting for the caller now.
    Todo,
}

/// One thing waiting for the caller.
#[derive(Debug, Object)]
pub struct TodoLineBody {
    /// goals_to_agree, evaluations_to_review, reports_without_assessment,
    /// self_evaluation_to_write, goals_without_progress, trophy_to_pass or
    /// cycle_work_unfinished.
    pub kind: String,
    /// How many things the line is about (1 for a single task).
    pub count: i64,
    /// The line as the home page shows it.
    pub text: String,
    /// The page where it is done, relative to the site.
    pub link: String,
}

#[derive(Debug, Object)]
pub struct TodoBody {
    /// Most pressing first; empty when nothing is waiting.
    pub items: Vec<TodoLineBody>,
}

impl From<Todo> for TodoBody {
    fn from(todo: Todo) -> Self {
        TodoBody {
            items: todo
                .lines
                .into_iter()
                .map(|l| TodoLineBody {
                    kind: l.kind.as_str().to_owned(),
                    count: l.count,
                    text: l.text,
                    link: l.link,
                })
                .collect(),
        }
    }
}

pub struct TodoApi;

#[OpenApi(tag = "TodoTags::Todo")]
impl TodoApi {
    /// What is waiting for the caller: goals to agree and self-evaluations to review (a
    /// manager's direct reports), the self-evaluation to write, goals with no progress for
    /// 60 days, the trophy to pass on, and for the cio the current cycle's unfinished
    /// work. Advisors have no such list (404).
    #[oai(path = "/me/todo", method = "get", operation_id = "my_todo")]
    async fn mine(&self, auth: BearerAuth, state: Data<&AppState>) -> ApiResult<Json<TodoBody>> {
        let todo = todo::waiting_for(&state.db, &auth.0, chrono::Utc::now()).await?;
        Ok(Json(todo.into()))
    }
}
