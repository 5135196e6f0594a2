//! sea-orm entities, one file per table. Only services use them; handlers and templates
//! speak in their own request, response and view types.

pub mod announcement;
pub mod api_token;
pub mod compliment;
pub mod evaluation_entry;
pub mod evaluation_proposal;
pub mod evaluation_reopening;
pub mod goal_progress_note;
pub mod kudos;
pub mod kudos_recipient;
pub mod meeting;
pub mod meeting_action;
pub mod meeting_attendee;
pub mod meeting_item;
pub mod meeting_point;
pub mod meeting_question;
pub mod meeting_template;
pub mod meeting_template_item;
pub mod notebook_entry;
pub mod objective;
pub mod performance_goal;
pub mod person;
pub mod plan;
pub mod private_link;
pub mod private_link_key;
pub mod review_cycle;
pub mod self_evaluation;
pub mod session;
pub mod sign_in_failure;
pub mod skill;
pub mod skill_assessment;
pub mod skill_level;
pub mod skill_target;
pub mod strategic_goal;
pub mod trophy;
