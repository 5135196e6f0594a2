//! Self-evaluation pages (write, submit, review, reopen) and the team view.

use crate::dates::Shown;
use askama::Template;
use chrono::Utc;
use poem::{
    Response, handler,
    web::{Data, Html, Path, Query},
};
use serde::Deserialize;

use crate::{
    app::AppState,
    auth::Actor,
    cycles::{self, Cycle, Phase},
    error::{AppError, AppResult, FieldError},
    goals::{Category, GoalStatus},
    plan::{self, ObjectiveRef},
    recognition::{Received, ReceivedKind},
    reviews::{
        self, Entry, EntryInput, Evaluation, EvaluationInput, Evidence, PROPOSALS_MAX,
        ProposalInput, TeamView,
    },
    validate::Word,
    web::{ConfirmPage, CsrfForm, EmptyForm, FormErrors, Layout, form_outcome, render, see_other},
};

/// Blank rows offered for proposing next year's goals.
const BLANK_PROPOSALS: usize = 3;

/// A piece of recognition offered as evidence for one goal: one checkbox.
struct RecognitionChoice {
    /// The checkbox's value, `<kind>:<id>` (see `parse_choice`).
    value: String,
    /// "Kudos from Pat Peer, 2 Mar 2026".
    source: String,
    message: String,
    checked: bool,
}

/// One proposal row of the form.
struct ProposalRow {
    objective_id: String,
    title: String,
    description: String,
    category: String,
}

#[derive(Template)]
#[template(path = "reviews/evaluation.html")]
struct EvaluationPage {
    layout: Layout,
    notice: Option<&'static str>,
    evaluation: Evaluation,
    /// Per entry: the evidence as the textarea shows it, one item a line.
    evidence: Vec<String>,
    /// Per entry: the recognition offered as evidence, as checkboxes.
    recognition: Vec<Vec<RecognitionChoice>>,
    proposals: Vec<ProposalRow>,
    objectives: Vec<ObjectiveRef>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// Each kind of goal as (word, label).
    categories: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    /// The fields the page marks with their errors, each with the label the error summary
    /// links it by; any other error shows at the top.
    marked: Vec<(String, String)>,
}

impl EvaluationPage {
    /// `marked`, as the alert at the top of the page reads it.
    fn shown(&self) -> Vec<(&str, &str)> {
        self.marked
            .iter()
            .map(|(field, label)| (field.as_str(), label.as_str()))
            .collect()
    }

    /// A goal's evidence is folded away unless something in it needs correcting.
    fn evidence_open(&self, goal_id: &i32) -> bool {
        ["evidence", "recognition"]
            .iter()
            .any(|f| self.errors.get(&format!("{f}_{goal_id}")).is_some())
    }

    /// How many pieces of evidence the goal at `index` has, as the form stands: the lines
    /// typed and the recognition ticked.
    fn evidence_count(&self, index: &usize) -> usize {
        let typed = self.evidence.get(*index).map_or(0, |text| {
            text.lines().filter(|l| !l.trim().is_empty()).count()
        });
        let ticked = self
            .recognition
            .get(*index)
            .map_or(0, |choices| choices.iter().filter(|c| c.checked).count());
        typed + ticked
    }
}

/// The text and links of a goal's evidence, one a line; recognition is shown as checkboxes.
fn evidence_lines(items: &[Evidence]) -> String {
    items
        .iter()
        .filter(|e| e.recognition_kind().is_none())
        .map(|e| match &e.url {
            Some(url) if !e.text.contains(url.as_str()) => format!("{} {url}", e.text),
            _ => e.text.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line, one piece of evidence; a line that ends in an http(s) link is a link.
fn parse_evidence(text: &str) -> Vec<Evidence> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let last = line.rsplit(' ').next().unwrap_or(line);
            if last.starts_with("http://") || last.starts_with("https://") {
                Evidence {
                    kind: "link".into(),
                    text: line.to_owned(),
                    url: Some(last.to_owned()),
                    ..Evidence::default()
                }
            } else {
                Evidence {
                    kind: "text".into(),
                    text: line.to_owned(),
                    ..Evidence::default()
                }
            }
        })
        .collect()
}

/// A ticked recognition checkbox, `<kind>:<id>`, as evidence naming that item; the service
/// checks it is the person's and fills in the rest.
fn parse_choice(value: &str) -> Evidence {
    let (kind, id) = value.split_once(':').unwrap_or((value, ""));
    Evidence {
        kind: kind.to_owned(),
        ref_id: id.trim().parse().ok(),
        ..Evidence::default()
    }
}

fn choice_value(kind: ReceivedKind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

/// The recognition checkboxes of one goal: everything offered, then anything already chosen
/// that is no longer offered (hidden since, say), so that saving again keeps it. Ticked as
/// posted, or else as saved.
fn recognition_choices(
    offered: &[Received],
    entry: &Entry,
    posted: Option<&[String]>,
) -> Vec<RecognitionChoice> {
    let is_checked = |kind: ReceivedKind, id: i64| match posted {
        Some(values) => values.contains(&choice_value(kind, id)),
        None => entry.evidence.iter().any(|e| e.refers_to(kind, id)),
    };
    let mut choices: Vec<RecognitionChoice> = offered
        .iter()
        .map(|r| RecognitionChoice {
            value: choice_value(r.kind, r.id),
            source: reviews::recognition_source(r.kind, &r.giver, r.on),
            message: r.message.clone(),
            checked: is_checked(r.kind, r.id),
        })
        .collect();
    for e in &entry.evidence {
        let (Some(kind), Some(id)) = (e.recognition_kind(), e.ref_id) else {
            continue;
        };
        if offered.iter().any(|r| r.kind == kind && r.id == id) {
            continue;
        }
        choices.push(RecognitionChoice {
            value: choice_value(kind, id),
            source: e.source().unwrap_or_default(),
            message: e.text.clone(),
            checked: is_checked(kind, id),
        });
    }
    choices
}

/// A service error in the form's terms: the service names entries and proposals by their
/// place (`entries[2].self_rating`), the form by goal and row (`rating_17`,
/// `proposal_title_1`).
fn in_form_terms<T>(result: AppResult<T>, evaluation: &Evaluation) -> AppResult<T> {
    let rename = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| FieldError::new(form_field(evaluation, &e.field), e.message))
            .collect()
    };
    result.map_err(|err| match err {
        AppError::Invalid(errors) => AppError::Invalid(rename(errors)),
        AppError::Conflict { message, errors } => AppError::Conflict {
            message,
            errors: rename(errors),
        },
        other => other,
    })
}

/// The form's name for a field the service names.
fn form_field(evaluation: &Evaluation, field: &str) -> String {
    if let Some(rest) = field.strip_prefix("entries[")
        && let Some((index, name)) = rest.split_once("].")
        && let Some(entry) = index
            .parse::<usize>()
            .ok()
            .and_then(|i| evaluation.entries.get(i))
    {
        // Recognition is chosen with the checkboxes, the rest typed in the textarea.
        let short = if name.starts_with("evidence[") && name.ends_with(".ref_id") {
            "recognition"
        } else {
            match name.split('[').next().unwrap_or(name) {
                "self_rating" => "rating",
                other => other,
            }
        };
        format!("{short}_{}", entry.goal.id)
    } else if let Some(rest) = field.strip_prefix("proposals[")
        && let Some((index, name)) = rest.split_once("].")
    {
        format!("proposal_{name}_{index}")
    } else {
        field.to_owned()
    }
}

/// The fields `reviews/evaluation.html` marks with their errors, as it shows them, in
/// its order, each with the label the error summary names it by.
fn marked_fields(
    evaluation: &Evaluation,
    recognition: &[Vec<RecognitionChoice>],
    proposals: usize,
) -> Vec<(String, String)> {
    let mut marked = Vec::new();
    let mut mark = |field: String, label: String| marked.push((field, label));
    if evaluation.may_write {
        for (entry, choices) in evaluation.entries.iter().zip(recognition) {
            let (id, title) = (entry.goal.id, &entry.goal.title);
            for (field, label) in [
                ("narrative", "How it went"),
                ("outcome", "Outcome"),
                ("rating", "Your rating"),
                ("evidence", "Evidence"),
            ] {
                mark(format!("{field}_{id}"), format!("{label}: {title}"));
            }
            if !choices.is_empty() {
                mark(format!("recognition_{id}"), format!("Recognition: {title}"));
            }
        }
        mark("reflection".into(), "Overall reflection".into());
        mark("skills_developed".into(), "Skills you developed".into());
        for i in 0..proposals {
            let n = i + 1;
            for (field, label) in [
                ("objective_id", "Objective"),
                ("title", "Goal"),
                ("category", "Kind"),
            ] {
                mark(
                    format!("proposal_{field}_{i}"),
                    format!("Proposed goal {n}: {label}"),
                );
            }
        }
    }
    if evaluation.may_review {
        mark("comment".into(), "Your comment".into());
        mark("rating".into(), "Overall rating".into());
    }
    if evaluation.may_reopen() {
        mark("reason".into(), "Why it goes back to a draft".into());
    }
    marked
}

async fn evaluation_page(
    state: &AppState,
    actor: &Actor,
    evaluation: Evaluation,
    notice: Option<&'static str>,
    typed: Option<Vec<(String, String)>>,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let value = |name: &str| {
        typed
            .as_ref()
            .and_then(|t| t.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    };
    let values = |name: &str| -> Vec<String> {
        typed
            .iter()
            .flatten()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let mut evaluation = evaluation;
    let mut evidence = Vec::new();
    let mut recognition = Vec::new();
    for entry in &mut evaluation.entries {
        let id = entry.goal.id;
        let posted = typed
            .is_some()
            .then(|| values(&format!("recognition_{id}")));
        recognition.push(recognition_choices(
            &evaluation.offered,
            entry,
            posted.as_deref(),
        ));
        if typed.is_some() {
            entry.narrative = value(&format!("narrative_{id}")).unwrap_or_default();
            entry.outcome = value(&format!("outcome_{id}"))
                .as_deref()
                .and_then(|o| GoalStatus::parse_word(o).ok());
            entry.self_rating = value(&format!("rating_{id}")).and_then(|r| r.parse().ok());
            evidence.push(value(&format!("evidence_{id}")).unwrap_or_default());
        } else {
            evidence.push(evidence_lines(&entry.evidence));
        }
    }
    if typed.is_some() {
        evaluation.reflection = value("reflection").unwrap_or_default();
        evaluation.skills_developed = value("skills_developed").unwrap_or_default();
    }
    let mut proposals: Vec<ProposalRow> = if typed.is_some() {
        (0..PROPOSALS_MAX)
            .map(|i| ProposalRow {
                objective_id: value(&format!("proposal_objective_id_{i}")).unwrap_or_default(),
                title: value(&format!("proposal_title_{i}")).unwrap_or_default(),
                description: value(&format!("proposal_description_{i}")).unwrap_or_default(),
                category: value(&format!("proposal_category_{i}")).unwrap_or_default(),
            })
            .filter(|p| !p.title.is_empty() || !p.objective_id.is_empty())
            .collect()
    } else {
        evaluation
            .proposals
            .iter()
            .map(|p| ProposalRow {
                objective_id: p.objective.id.to_string(),
                title: p.title.clone(),
                description: p.description.clone(),
                category: p.category.as_str().to_owned(),
            })
            .collect()
    };
    while proposals.len() < (evaluation.proposals.len() + BLANK_PROPOSALS).min(PROPOSALS_MAX) {
        proposals.push(ProposalRow {
            objective_id: String::new(),
            title: String::new(),
            description: String::new(),
            category: "service".into(),
        });
    }
    let objectives = match plan::active_id(state.db.conn()).await? {
        Some(id) if evaluation.may_write => plan::objectives_of(state.db.conn(), id)
            .await?
            .into_iter()
            .filter(|o| !o.retired)
            .collect(),
        _ => Vec::new(),
    };
    let title = if evaluation.person.id == actor.person_id {
        format!("My self-evaluation, {}", evaluation.cycle.name)
    } else {
        format!(
            "Self-evaluation of {}, {}",
            evaluation.person.name, evaluation.cycle.name
        )
    };
    let marked = marked_fields(&evaluation, &recognition, proposals.len());
    render(&EvaluationPage {
        layout: Layout::new(Some(actor), title, "evaluation"),
        notice,
        evidence,
        recognition,
        proposals,
        objectives,
        outcomes: GoalStatus::OUTCOMES
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        categories: Category::all()
            .into_iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        errors,
        marked,
        evaluation,
    })
}

/// My self-evaluation in the current cycle.
#[handler]
pub async fn mine(state: Data<&AppState>, actor: Actor) -> AppResult<Response> {
    match cycles::current(&state.db, &actor).await? {
        Some(cycle) => Ok(see_other(format!(
            "/cycles/{}/self-evaluations/{}",
            cycle.id, actor.person_id
        ))),
        None => Err(AppError::NotFound),
    }
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

#[handler]
pub async fn show(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
    Query(q): Query<Notice>,
) -> AppResult<Html<String>> {
    let evaluation = reviews::get(&state.db, &actor, cycle_id, person_id).await?;
    let notice = match q.notice.as_deref() {
        Some("saved") => Some("Your draft is saved. Come back to it as often as you like."),
        Some("submitted") => Some("Submitted. Your manager has been given it to review."),
        Some("reviewed") => Some("The review is recorded."),
        Some("reopened") => Some("The self-evaluation is a draft again."),
        _ => None,
    };
    evaluation_page(
        &state,
        &actor,
        evaluation,
        notice,
        None,
        FormErrors::default(),
    )
    .await
}

#[handler]
pub async fn save(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let current = reviews::get(&state.db, &actor, cycle_id, person_id).await?;
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let entries = current
        .entries
        .iter()
        .map(|entry| {
            let id = entry.goal.id;
            EntryInput {
                goal_id: id,
                narrative: value(&format!("narrative_{id}")),
                outcome: value(&format!("outcome_{id}")).filter(|o| !o.is_empty()),
                self_rating: value(&format!("rating_{id}")).and_then(|r| r.parse().ok()),
                evidence: parse_evidence(&value(&format!("evidence_{id}")).unwrap_or_default())
                    .into_iter()
                    .chain(
                        fields
                            .iter()
                            .filter(|(k, _)| *k == format!("recognition_{id}"))
                            .map(|(_, v)| parse_choice(v)),
                    )
                    .collect(),
            }
        })
        .collect();
    let proposals = (0..PROPOSALS_MAX)
        .filter_map(|i| {
            let title = value(&format!("proposal_title_{i}")).unwrap_or_default();
            let objective = value(&format!("proposal_objective_id_{i}")).unwrap_or_default();
            // A row left blank is not a proposal.
            if title.trim().is_empty() && objective.is_empty() {
                return None;
            }
            Some(ProposalInput {
                objective_id: objective.parse().ok(),
                title: Some(title),
                description: value(&format!("proposal_description_{i}")),
                category: value(&format!("proposal_category_{i}")),
            })
        })
        .collect();
    let input = EvaluationInput {
        reflection: value("reflection"),
        skills_developed: value("skills_developed"),
        entries,
        proposals,
    };
    // "Save and submit…": saved first, then the page that says what submitting does and
    // asks; the submission itself is only ever posted from there.
    let then_submit = value("then").as_deref() == Some("submit");
    let result = reviews::save_draft(&state.db, &actor, cycle_id, person_id, input).await;
    form_outcome(
        in_form_terms(result, &current),
        |_| {
            let path = format!("/cycles/{cycle_id}/self-evaluations/{person_id}");
            if then_submit {
                format!("{path}/submit")
            } else {
                format!("{path}?notice=saved")
            }
        },
        |errors| evaluation_page(&state, &actor, current, None, Some(fields), errors),
    )
    .await
}

/// Before submitting: it locks the self-evaluation and records its outcomes on the goals.
#[handler]
pub async fn confirm_submit(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
) -> AppResult<Html<String>> {
    let evaluation = reviews::get(&state.db, &actor, cycle_id, person_id).await?;
    let path = format!("/cycles/{cycle_id}/self-evaluations/{person_id}");
    if !evaluation.may_write || evaluation.status != reviews::EvaluationStatus::Draft {
        return Err(AppError::conflict(
            "Only a saved draft of your own self-evaluation can be submitted, while the cycle is in self-evaluation.",
        ));
    }
    render(&ConfirmPage {
        layout: Layout::new(
            Some(&actor),
            format!(
                "Submit your self-evaluation for {}?",
                evaluation.cycle.name
            ),
            "evaluation",
        ),
        lines: vec![
            "Once submitted it is locked: you cannot change it unless your manager reopens it.".to_owned(),
            "The outcomes you gave are recorded on your goals, and your manager is given it to review.".to_owned(),
        ],
        list_heading: if evaluation.entries.is_empty() {
            String::new()
        } else {
            "The outcomes you gave".to_owned()
        },
        list: evaluation
            .entries
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e.goal.title,
                    e.outcome.map_or("no outcome given yet", |o| o.label())
                )
            })
            .collect(),
        action: format!("{path}/submit"),
        fields: Vec::new(),
        button: "Submit".to_owned(),
        danger: false,
        cancel: path,
        errors: FormErrors::default(),
    })
}

#[handler]
pub async fn submit(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    // Read first: the problems a submission finds are named by the entries' places.
    let current = reviews::get(&state.db, &actor, cycle_id, person_id).await?;
    let result = reviews::submit(&state.db, &actor, cycle_id, person_id, Utc::now()).await;
    form_outcome(
        in_form_terms(result, &current),
        |_| format!("/cycles/{cycle_id}/self-evaluations/{person_id}?notice=submitted"),
        |errors| evaluation_page(&state, &actor, current, None, None, errors),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    reason: String,
}

/// The evaluation page again after a review or reopening was refused, as it stands now.
async fn page_after_refusal(
    state: &AppState,
    actor: &Actor,
    cycle_id: i32,
    person_id: i32,
    errors: FormErrors,
) -> AppResult<Html<String>> {
    let current = reviews::get(&state.db, actor, cycle_id, person_id).await?;
    evaluation_page(state, actor, current, None, None, errors).await
}

#[handler]
pub async fn review(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> AppResult<Response> {
    let rating = form.rating.trim().parse().ok();
    let result = reviews::review(
        &state.db,
        &actor,
        cycle_id,
        person_id,
        Some(&form.comment),
        rating,
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        |_| format!("/cycles/{cycle_id}/self-evaluations/{person_id}?notice=reviewed"),
        |errors| page_after_refusal(&state, &actor, cycle_id, person_id, errors),
    )
    .await
}

#[handler]
pub async fn reopen(
    state: Data<&AppState>,
    actor: Actor,
    Path((cycle_id, person_id)): Path<(i32, i32)>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> AppResult<Response> {
    let result = reviews::reopen(
        &state.db,
        &actor,
        cycle_id,
        person_id,
        Some(&form.reason),
        Utc::now(),
    )
    .await;
    form_outcome(
        result,
        |_| format!("/cycles/{cycle_id}/self-evaluations/{person_id}?notice=reopened"),
        |errors| page_after_refusal(&state, &actor, cycle_id, person_id, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "reviews/team.html")]
struct TeamPage {
    layout: Layout,
    notice: Option<String>,
    view: TeamView,
    may_assign: bool,
}

impl TeamPage {
    fn phase(&self) -> Phase {
        self.view
            .cycle
            .as_ref()
            .map_or(Phase::GoalSetting, |c| c.phase)
    }
}

#[derive(Deserialize)]
pub struct TeamQuery {
    cycle_id: Option<String>,
    notice: Option<String>,
}

#[handler]
pub async fn team(
    state: Data<&AppState>,
    actor: Actor,
    Query(q): Query<TeamQuery>,
) -> AppResult<Html<String>> {
    let cycle_id = match q.cycle_id.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => Some(raw.parse().map_err(|_| AppError::NotFound)?),
        None => None,
    };
    let view = reviews::team(&state.db, &actor, cycle_id).await?;
    let notice = q
        .notice
        .as_deref()
        .and_then(|n| n.strip_prefix("assigned"))
        .and_then(|count| count.parse::<u32>().ok())
        .map(|count| format!("The goal was given to {count} people."));
    let may_assign = !view.members.is_empty()
        && view
            .cycle
            .as_ref()
            .is_some_and(|c: &Cycle| matches!(c.phase, Phase::GoalSetting | Phase::InProgress));
    render(&TeamPage {
        layout: Layout::new(Some(&actor), "Team", "team"),
        notice,
        view,
        may_assign,
    })
}

/// This area's pages, added to the site's routes by `app::page_routes`.
pub fn routes(route: poem::Route) -> poem::Route {
    use poem::{get, post};
    route
        .at("/self-evaluation", get(mine))
        .at(
            "/cycles/:cycle_id/self-evaluations/:person_id",
            get(show).post(save),
        )
        .at(
            "/cycles/:cycle_id/self-evaluations/:person_id/submit",
            get(confirm_submit).post(submit),
        )
        .at(
            "/cycles/:cycle_id/self-evaluations/:person_id/review",
            post(review),
        )
        .at(
            "/cycles/:cycle_id/self-evaluations/:person_id/reopen",
            post(reopen),
        )
        .at("/team", get(team))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_lines_become_text_or_links_and_back() {
        let items = parse_evidence(
            "Thank-you note from HR\n\nKB article https://kb.example.org/7\nhttps://x.example.org\n",
        );
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].kind, "text");
        assert_eq!(items[1].url.as_deref(), Some("https://kb.example.org/7"));
        assert_eq!(items[2].kind, "link");
        assert_eq!(
            evidence_lines(&items),
            "Thank-you note from HR\nKB article https://kb.example.org/7\nhttps://x.example.org"
        );
    }
}
