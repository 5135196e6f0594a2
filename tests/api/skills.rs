//! The skills catalog.

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::helpers::*;

both_backends! {
    async fn the_cio_keeps_the_catalog_and_everyone_reads_it(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        let (status, skill) = app
            .post_json(&cio, "/api/v1/skills", json!({"name": "Explaining technical issues in plain language", "category": "communication"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(skill["levels"].as_array().unwrap().len(), 5, "the default scale is offered");
        assert!(skill["levels"][0].as_str().unwrap().starts_with("Aware"));
        for email in ["lead@example.org", "eng@example.org", "advisor@example.org"] {
            let token = app.token(email).await;
            let (status, list) = app.get_json(&token, "/api/v1/skills").await;
            assert_eq!(status, StatusCode::OK, "{email}");
            assert_eq!(list.as_array().unwrap().len(), 1);
            let (status, _) = app.post_json(&token, "/api/v1/skills", json!({"name": "Mine", "category": "technical"})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
            let (status, _) = app.patch_json(&token, &format!("/api/v1/skills/{}", skill["id"]), json!({"retired": true})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        }
        let (status, changed) = app
            .patch_json(&cio, &format!("/api/v1/skills/{}", skill["id"]), json!({"levels": ["Knows jargon hurts", "", "", "", "Teaches others"]}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(changed["levels"][0], "Knows jargon hurts");
        assert!(changed["levels"][1].as_str().unwrap().starts_with("Beginning"), "a blank keeps the default");
    }
}

both_backends! {
    async fn bad_skills_get_exact_field_errors(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        app.post_json(&cio, "/api/v1/skills", json!({"name": "Listening to understand the client's real need", "category": "communication"})).await;
        #[rustfmt::skip]
        let cases: Vec<(Value, StatusCode, Vec<&str>)> = vec![
            (json!({}),                                                   StatusCode::UNPROCESSABLE_ENTITY, vec!["name", "category"]),
            (json!({"name": " ", "category": "technical"}),               StatusCode::UNPROCESSABLE_ENTITY, vec!["name"]),
            (json!({"name": "x".repeat(201), "category": "technical"}),   StatusCode::UNPROCESSABLE_ENTITY, vec!["name"]),
            (json!({"name": "Networking", "category": "soft"}),           StatusCode::UNPROCESSABLE_ENTITY, vec!["category"]),
            (json!({"name": "Networking", "category": "technical", "levels": ["a", "b", "c", "d"]}), StatusCode::UNPROCESSABLE_ENTITY, vec!["levels"]),
            (json!({"name": "Networking", "category": "technical", "levels": ["a", "b", "x".repeat(1001), "d", "e"]}), StatusCode::UNPROCESSABLE_ENTITY, vec!["levels[2]"]),
            (json!({"name": "LISTENING to understand the client's real need", "category": "service"}), StatusCode::CONFLICT, vec!["name"]),
        ];
        for (body, status, fields) in cases {
            let (got, problem) = app.post_json(&cio, "/api/v1/skills", body.clone()).await;
            assert_eq!(got, status, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
        let (_, list) = app.get_json(&cio, "/api/v1/skills?include_retired=true").await;
        assert_eq!(list.as_array().unwrap().len(), 1, "nothing else was written");
    }
}

both_backends! {
    async fn a_skill_in_use_is_retired_not_deleted(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (_, used) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Networking", "category": "technical"})).await;
        let (_, unused) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Typing", "category": "technical"})).await;
        staffdev::entities::skill_assessment::ActiveModel {
            person_id: Set(d.engineer),
            skill_id: Set(used["id"].as_i64().unwrap() as i32),
            level: Set(2),
            source: Set("self".into()),
            assessor_id: Set(d.engineer),
            assessed_on: Set(chrono::Utc::now().date_naive()),
            note: Set(String::new()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(app.db().conn())
        .await
        .unwrap();
        let response = app.api.delete(app.url(&format!("/api/v1/skills/{}", used["id"]))).bearer_auth(&cio).send().await.unwrap();
        let (status, problem) = split(response).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().unwrap().contains("retire it instead"));
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/skills/{}", used["id"]), json!({"retired": true})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = app.get_json(&cio, "/api/v1/skills").await;
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Typing"], "retired skills leave the list");
        let response = app.api.delete(app.url(&format!("/api/v1/skills/{}", unused["id"]))).bearer_auth(&cio).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

both_backends! {
    async fn the_catalog_pages_add_and_edit_skills(app) {
        app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let response = cio
            .post_form("/skills", "/skills", &[("name", ""), ("category", "technical"), ("description", "Kept"), ("level1", "a"), ("level2", "b"), ("level3", "c"), ("level4", "d"), ("level5", "e")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"id="name-error""#) && html.contains("Kept"));
        let response = cio
            .post_form("/skills", "/skills", &[("name", "Plain language"), ("category", "communication"), ("description", ""), ("level1", "Knows"), ("level2", ""), ("level3", ""), ("level4", ""), ("level5", "Teaches")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
        let html = cio.get_html(&location).await;
        assert!(html.contains("Plain language") && html.contains("Teaches"));
        let staff = app.signed_in("eng@example.org").await;
        let html = staff.get_html(&location).await;
        assert!(html.contains("Teaches"));
        assert!(!html.contains("Save changes"), "no forms for staff");
        assert_eq!(staff.post_form(&location, &format!("{location}/retire"), &[("retired", "true")]).await.status(), StatusCode::FORBIDDEN);
    }
}

async fn two_skills(app: &TestApp, cio: &str) -> (i64, i64) {
    let (_, a) = app
        .post_json(
            cio,
            "/api/v1/skills",
            json!({"name": "Plain language", "category": "communication"}),
        )
        .await;
    let (_, b) = app
        .post_json(
            cio,
            "/api/v1/skills",
            json!({"name": "Networking", "category": "technical"}),
        )
        .await;
    (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap())
}

both_backends! {
    async fn assessments_keep_their_history_and_give_baseline_current_and_gap(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        let earlier = chrono::Utc::now().date_naive() - chrono::Duration::days(300);
        let path = format!("/api/v1/people/{}/skill-assessments", d.engineer);
        for (token, level, date) in [(&engineer, 2, Some(earlier)), (&engineer, 3, None), (&lead, 2, Some(earlier)), (&lead, 4, None)] {
            // No date is an absent key (today); `null` is not in the document.
            let mut item = json!({"skill_id": plain, "level": level});
            if let Some(date) = date {
                item["assessed_on"] = json!(date);
            }
            let (status, body) = app.post_json(token, &path, json!({"assessments": [item]})).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let response = app.api.put(app.url(&format!("/api/v1/people/{}/skill-targets/{plain}", d.engineer))).bearer_auth(&lead).json(&json!({"level": 5})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let (status, profile) = app.get_json(&engineer, &format!("/api/v1/people/{}/skills", d.engineer)).await;
        assert_eq!(status, StatusCode::OK);
        let standing = &profile["skills"][0];
        assert_eq!((standing["self"]["baseline"].as_i64(), standing["self"]["current"].as_i64()), (Some(2), Some(3)));
        assert_eq!((standing["manager"]["baseline"].as_i64(), standing["manager"]["current"].as_i64()), (Some(2), Some(4)));
        assert_eq!(standing["self"]["history"].as_array().unwrap().len(), 2, "a correction is a new entry");
        assert_eq!(standing["current"], 4, "the manager's level counts");
        assert_eq!(standing["gap"], 1);
        assert_eq!(standing["target_reached"], false);
        app.post_json(&lead, &path, json!({"assessments": [{"skill_id": plain, "level": 5}]})).await;
        let (_, profile) = app.get_json(&engineer, &format!("/api/v1/people/{}/skills", d.engineer)).await;
        assert_eq!(profile["skills"][0]["gap"], 0);
        assert_eq!(profile["skills"][0]["target_reached"], true);
        // The person cannot override a target their manager set.
        let response = app.api.put(app.url(&format!("/api/v1/people/{}/skill-targets/{plain}", d.engineer))).bearer_auth(&engineer).json(&json!({"level": 3})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}

both_backends! {
    async fn a_manager_assesses_several_skills_at_once_all_or_nothing(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, network) = two_skills(&app, &cio).await;
        let path = format!("/api/v1/people/{}/skill-assessments", d.engineer);
        let (status, problem) = app.post_json(&lead, &path, json!({"assessments": [{"skill_id": plain, "level": 3}, {"skill_id": network, "level": 6}]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["assessments[1].level"]);
        let (_, profile) = app.get_json(&lead, &format!("/api/v1/people/{}/skills", d.engineer)).await;
        assert_eq!(profile["skills"].as_array().unwrap().len(), 0, "nothing was recorded");
        let (status, body) = app.post_json(&lead, &path, json!({"assessments": [{"skill_id": plain, "level": 3}, {"skill_id": network, "level": 2}]})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["recorded"], 2);
    }
}

both_backends! {
    async fn skill_levels_are_private_to_the_person_their_chain_and_the_cio(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        let engineer = app.token("eng@example.org").await;
        app.post_json(&engineer, &format!("/api/v1/people/{}/skill-assessments", d.engineer), json!({"assessments": [{"skill_id": plain, "level": 2}]})).await;
        for (email, expected) in [("eng@example.org", StatusCode::OK), ("lead@example.org", StatusCode::OK), ("cio@example.org", StatusCode::OK), ("peer@example.org", StatusCode::NOT_FOUND), ("advisor@example.org", StatusCode::NOT_FOUND)] {
            let token = app.token(email).await;
            let (status, _) = app.get_json(&token, &format!("/api/v1/people/{}/skills", d.engineer)).await;
            assert_eq!(status, expected, "{email} reads");
            let (status, _) = app.post_json(&token, &format!("/api/v1/people/{}/skill-assessments", d.engineer), json!({"assessments": [{"skill_id": plain, "level": 3}]})).await;
            if expected == StatusCode::NOT_FOUND {
                assert_eq!(status, StatusCode::NOT_FOUND, "{email} writes");
            } else {
                assert_eq!(status, StatusCode::CREATED, "{email} writes");
            }
            let browser = app.signed_in(email).await;
            assert_eq!(browser.get(&format!("/people/{}/skills", d.engineer)).await.status(), expected, "{email} page");
        }
        let (status, _) = app.get_json(&cio, "/api/v1/people/424242/skills").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an unknown person");
    }
}

both_backends! {
    async fn bad_assessments_get_exact_field_errors(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        #[rustfmt::skip]
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (json!({"assessments": []}), vec!["assessments"]),
            (json!({"assessments": [{"skill_id": plain, "level": 0}]}), vec!["assessments[0].level"]),
            (json!({"assessments": [{"skill_id": plain, "level": 6}]}), vec!["assessments[0].level"]),
            (json!({"assessments": [{"skill_id": plain}]}), vec!["assessments[0].level"]),
            (json!({"assessments": [{"skill_id": 99999, "level": 3}]}), vec!["assessments[0].skill_id"]),
            (json!({"assessments": [{"skill_id": plain, "level": 3, "assessed_on": tomorrow}]}), vec!["assessments[0].assessed_on"]),
            (json!({"assessments": [{"skill_id": plain, "level": 3}, {"skill_id": plain, "level": 4}]}), vec!["assessments[1].skill_id"]),
        ];
        for (body, fields) in cases {
            let (status, problem) = app.post_json(&engineer, &format!("/api/v1/people/{}/skill-assessments", d.engineer), body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), fields, "{body}");
        }
        for (body, field) in [(json!({"level": 0}), "level"), (json!({"level": 9}), "level"), (json!({"level": 3, "target_date": "2001-01-01"}), "target_date")] {
            let response = app.api.put(app.url(&format!("/api/v1/people/{}/skill-targets/{plain}", d.engineer))).bearer_auth(&engineer).json(&body).send().await.unwrap();
            let (status, problem) = split(response).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(error_fields(&problem), [field], "{body}");
        }
    }
}

both_backends! {
    async fn the_skills_page_records_a_self_assessment_and_draws_the_history(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        let browser = app.signed_in("eng@example.org").await;
        let page = format!("/people/{}/skills", d.engineer);
        let level_field = format!("level_{plain}");
        let response = browser.post_form(&page, &format!("{page}/assessments"), &[(level_field.as_str(), "3"), ("assessed_on", ""), ("note", "After the course")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = browser.post_form(&page, &format!("{page}/assessments"), &[(level_field.as_str(), "9"), ("assessed_on", ""), ("note", "")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = browser.get_html(&page).await;
        assert!(html.contains("Plain language"));
        assert!(html.contains(&format!(r#"<figure class="chart" id="chart-skill-{plain}">"#)), "the history is drawn");
        assert!(html.contains("Assess yourself"));
        assert_eq!(browser.get("/my-skills").await.headers()["location"], page.as_str());
    }
}

both_backends! {
    async fn department_figures_show_only_groups_of_at_least_k_people(app) {
        let d = app.department().await;
        let extra = app.add_person("extra@example.org", "Ezra Extra", "staff", Some(d.lead)).await;
        let cio = app.token("cio@example.org").await;
        let mut skills = Vec::new();
        for name in ["Two people", "Three people", "Four people"] {
            let (_, s) = app.post_json(&cio, "/api/v1/skills", json!({"name": name, "category": "service"})).await;
            skills.push(s["id"].as_i64().unwrap());
        }
        let people = [d.engineer, d.peer, d.lead, extra];
        let earlier = chrono::Utc::now().date_naive() - chrono::Duration::days(200);
        for (skill, group) in skills.iter().zip([2usize, 3, 4]) {
            for (i, person) in people.iter().take(group).enumerate() {
                let baseline = i as i64 + 1;
                let path = format!("/api/v1/people/{person}/skill-assessments");
                let (status, _) = app.post_json(&cio, &path, json!({"assessments": [{"skill_id": skill, "level": baseline, "assessed_on": earlier}]})).await;
                assert_eq!(status, StatusCode::CREATED);
                app.post_json(&cio, &path, json!({"assessments": [{"skill_id": skill, "level": baseline + 1}]})).await;
            }
        }
        // Targets on the three-person skill: 3 for the first (current 2), 3 for the second (current 3).
        for person in [d.engineer, d.peer] {
            let response = app.api.put(app.url(&format!("/api/v1/people/{person}/skill-targets/{}", skills[1]))).bearer_auth(&cio).json(&json!({"level": 3})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
        let advisor = app.token("advisor@example.org").await;
        let (status, figures) = app.get_json(&advisor, "/api/v1/skills/department").await;
        assert_eq!(status, StatusCode::OK);
        let by_name = |name: &str| figures.as_array().unwrap().iter().find(|f| f["skill"]["name"] == name).unwrap().clone();
        let two = by_name("Two people");
        assert_eq!(two["fewer_than"], 3);
        assert!(two["average_current"].is_null() && two["people"] == 0, "k - 1 people: no figures");
        let three = by_name("Three people");
        assert_eq!(three["people"], 3);
        assert_eq!(three["average_baseline"], 2.0);
        assert_eq!(three["average_current"], 3.0);
        // Two target holders, and one level per person: fewer than k each.
        assert_eq!(three["fewer_than"], 3);
        for withheld in ["average_target", "with_target", "at_or_above_target", "distribution"] {
            assert!(three[withheld].is_null(), "{withheld}: {three}");
        }
        let (_, exact) = app.get_json(&cio, "/api/v1/skills/department").await;
        let three = exact.as_array().unwrap().iter().find(|f| f["skill"]["name"] == "Three people").unwrap();
        assert!(three["fewer_than"].is_null(), "the cio sees every figure");
        assert_eq!(three["average_target"], 3.0);
        assert_eq!((three["with_target"].as_i64(), three["at_or_above_target"].as_i64()), (Some(2), Some(1)));
        assert_eq!(three["distribution"], json!([0, 1, 1, 1, 0]));
        assert_eq!(by_name("Four people")["people"], 4, "k + 1 people");
        let page = app.signed_in("advisor@example.org").await.get_html("/skills/department").await;
        assert!(page.contains("fewer than 3 people"));
        assert!(page.contains("3.0"));
    }
}

both_backends! {
    async fn a_development_goal_shows_the_distance_to_its_target(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        let f = app.plan_and_cycle(&cio).await;
        let path = format!("/api/v1/cycles/{}/goals", f.cycle);
        let base = json!({"objective_id": f.objectives[1], "title": "Speak plainly", "category": "communication"});
        let with = |extra: Value| {
            let mut body = base.clone();
            body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            body
        };
        #[rustfmt::skip]
        let cases = [
            (json!({"target_level": 4}), vec!["skill_id"]),
            (json!({"skill_id": plain}), vec!["target_level"]),
            (json!({"skill_id": plain, "target_level": 6}), vec!["target_level"]),
            (json!({"skill_id": 99999, "target_level": 4}), vec!["skill_id"]),
        ];
        for (extra, fields) in cases {
            let (status, problem) = app.post_json(&engineer, &path, with(extra.clone())).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}");
            assert_eq!(error_fields(&problem), fields, "{extra}");
        }
        let (status, goal) = app.post_json(&engineer, &path, with(json!({"skill_id": plain, "target_level": 4}))).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!((goal["skill_id"].as_i64(), goal["target_level"].as_i64()), (Some(plain), Some(4)));
        let goal_path = format!("/api/v1/goals/{}", goal["id"]);
        let (_, detail) = app.get_json(&engineer, &goal_path).await;
        assert!(detail["development"]["current_level"].is_null());
        let assess = format!("/api/v1/people/{}/skill-assessments", d.engineer);
        app.post_json(&lead, &assess, json!({"assessments": [{"skill_id": plain, "level": 2}]})).await;
        let (_, detail) = app.get_json(&engineer, &goal_path).await;
        assert_eq!((detail["development"]["current_level"].as_i64(), detail["development"]["gap"].as_i64()), (Some(2), Some(2)));
        assert_eq!(detail["development"]["target_reached"], false);
        app.post_json(&lead, &assess, json!({"assessments": [{"skill_id": plain, "level": 4}]})).await;
        let (_, detail) = app.get_json(&engineer, &goal_path).await;
        assert_eq!(detail["development"]["target_reached"], true);
        let page = app.signed_in("eng@example.org").await.get_html(&format!("/goals/{}", goal["id"])).await;
        assert!(page.contains("target reached"));
    }
}

both_backends! {
    async fn the_team_heatmap_shows_reports_by_skill_and_sorts_by_gap(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, network) = two_skills(&app, &cio).await;
        for (person, level) in [(d.engineer, 2), (d.peer, 4)] {
            app.post_json(&lead, &format!("/api/v1/people/{person}/skill-assessments"), json!({"assessments": [{"skill_id": plain, "level": level}, {"skill_id": network, "level": 3}]})).await;
            app.api.put(app.url(&format!("/api/v1/people/{person}/skill-targets/{plain}"))).bearer_auth(&lead).json(&json!({"level": 5})).send().await.unwrap();
        }
        let (status, map) = app.get_json(&lead, "/api/v1/skills/team").await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = map["people"].as_array().unwrap().iter().map(|p| p["person"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Erin Engineer", "Pat Peer"]);
        assert_eq!(map["skills"].as_array().unwrap().len(), 2);
        let (_, by_gap) = app.get_json(&lead, "/api/v1/skills/team?sort=gap").await;
        assert_eq!(by_gap["people"][0]["person"]["name"], "Erin Engineer");
        assert_eq!(by_gap["people"][0]["largest_gap"], 3);
        let (_, peer_view) = app.get_json(&app.token("peer@example.org").await, "/api/v1/skills/team").await;
        assert_eq!(peer_view["people"].as_array().unwrap().len(), 0, "no reports, nobody shown");
        assert_eq!(app.get_json(&app.token("advisor@example.org").await, "/api/v1/skills/team").await.0, StatusCode::NOT_FOUND);
        let html = app.signed_in("lead@example.org").await.get_html("/skills/team?sort=gap&color=gap").await;
        assert!(html.contains("gap-more") && html.contains("2/5"));
    }
}

/// Posts a CSV file to the baseline import endpoint.
async fn import_csv(app: &TestApp, token: &str, csv: &str) -> (StatusCode, Value) {
    let response = app
        .api
        .post(app.url("/api/v1/skills/baseline-imports"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("request");
    split(response).await
}

async fn assessment_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    staffdev::entities::skill_assessment::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

both_backends! {
    async fn a_baseline_round_imports_from_csv_and_sets_baselines(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (plain, network) = two_skills(&app, &cio).await;
        let year_ago = chrono::Utc::now().date_naive() - chrono::Duration::days(365);
        // A later assessment already on record stays the current level; the import is earlier.
        let lead = app.token("lead@example.org").await;
        let (status, _) = app.post_json(&lead, &format!("/api/v1/people/{}/skill-assessments", d.engineer), json!({"assessments": [{"skill_id": plain, "level": 4}]})).await;
        assert_eq!(status, StatusCode::CREATED);
        let csv = format!(
            "\u{feff}Email;Skill;Level;Date;Source;Note\n\
             eng@example.org;plain language;2;{year_ago};self;\n\
             eng@example.org;Plain language;3;{year_ago};manager;\"Assessed by Lee, on paper\"\n\
             ENG@example.org;Networking;4;{year_ago};manager;\n\
             peer@example.org;Networking;1;{year_ago};self;\n\
             \n"
        );
        let (status, body) = import_csv(&app, &cio, &csv).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body, json!({"assessments": 4, "people": 2, "skills": 2}));
        let (_, profile) = app.get_json(&cio, &format!("/api/v1/people/{}/skills", d.engineer)).await;
        let standing = |id: i64| profile["skills"].as_array().unwrap().iter().find(|s| s["skill"]["id"] == id).unwrap().clone();
        let plain_standing = standing(plain);
        assert_eq!((plain_standing["self"]["baseline"].as_i64(), plain_standing["self"]["current"].as_i64()), (Some(2), Some(2)));
        assert_eq!((plain_standing["manager"]["baseline"].as_i64(), plain_standing["manager"]["current"].as_i64()), (Some(3), Some(4)), "the import is the baseline, today's assessment stays current");
        assert_eq!(plain_standing["manager"]["history"][0]["note"], "Assessed by Lee, on paper");
        assert_eq!(standing(network)["current"], 4);
        let (_, peer) = app.get_json(&cio, &format!("/api/v1/people/{}/skills", d.peer)).await;
        assert_eq!(peer["skills"][0]["self"]["baseline"], 1);
        // The same file again would double the history: refused, row by row.
        let (status, problem) = import_csv(&app, &cio, &csv).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&problem), ["rows[2].skill", "rows[3].skill", "rows[4].skill", "rows[5].skill"]);
        assert_eq!(assessment_count(&app).await, 5);
    }
}

both_backends! {
    async fn one_bad_row_among_many_rejects_the_whole_file_and_writes_nothing(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        two_skills(&app, &cio).await;
        let mut extra = Vec::new();
        for i in 0..40 {
            extra.push(app.add_person_fast(&format!("p{i}@example.org"), &format!("Person {i}"), d.lead).await);
        }
        let date = chrono::Utc::now().date_naive() - chrono::Duration::days(30);
        let mut csv = String::from("email,skill,level,date,source,note\n");
        for i in 0..40 {
            for skill in ["Plain language", "Networking"] {
                csv.push_str(&format!("p{i}@example.org,{skill},{},{date},self,\n", i % 5 + 1));
            }
        }
        // Row 62 (the header is row 1) has a level of 6.
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        lines[61] = format!("p30@example.org,Plain language,6,{date},self,");
        let bad = lines.join("\n");
        let (status, problem) = import_csv(&app, &cio, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["rows[62].level"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().starts_with("Row 62:"), "{problem}");
        assert_eq!(assessment_count(&app).await, 0, "nothing was written");
        let (status, body) = import_csv(&app, &cio, &csv).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["assessments"], 80);
        assert_eq!(assessment_count(&app).await, 80);
    }
}

both_backends! {
    async fn bad_import_rows_are_each_named_with_their_row_and_column(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (plain, _) = two_skills(&app, &cio).await;
        app.patch_json(&cio, &format!("/api/v1/skills/{plain}"), json!({"retired": true})).await;
        let (_, _) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Listening", "category": "communication"})).await;
        let gone = app.add_person_fast("gone@example.org", "Gina Gone", d.lead).await;
        let (status, _) = app.patch_json(&cio, &format!("/api/v1/people/{gone}"), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        let ok = "2025-01-15";
        #[rustfmt::skip]
        let cases: Vec<(String, &str)> = vec![
            (format!("nobody@example.org,Listening,3,{ok},self,"), "email"),
            (format!("not an email,Listening,3,{ok},self,"), "email"),
            (format!(",Listening,3,{ok},self,"), "email"),
            (format!("advisor@example.org,Listening,3,{ok},self,"), "email"),
            (format!("gone@example.org,Listening,3,{ok},self,"), "email"),
            (format!("eng@example.org,Juggling,3,{ok},self,"), "skill"),
            (format!("eng@example.org,Plain language,3,{ok},self,"), "skill"),
            (format!("eng@example.org,,3,{ok},self,"), "skill"),
            (format!("eng@example.org,Listening,0,{ok},self,"), "level"),
            (format!("eng@example.org,Listening,6,{ok},self,"), "level"),
            (format!("eng@example.org,Listening,three,{ok},self,"), "level"),
            (format!("eng@example.org,Listening,3,{tomorrow},self,"), "date"),
            ("eng@example.org,Listening,3,15/01/2025,self,".to_owned(), "date"),
            ("eng@example.org,Listening,3,1999-12-31,self,".to_owned(), "date"),
            (format!("eng@example.org,Listening,3,{ok},peer,"), "source"),
            (format!("eng@example.org,Listening,3,{ok},,"), "source"),
            (format!("cio@example.org,Listening,3,{ok},manager,"), "source"),
            (format!("eng@example.org,Listening,3,{ok},self,{}", "x".repeat(10_001)), "note"),
        ];
        for (row, column) in cases {
            let csv = format!("email,skill,level,date,source,note\n{row}\n");
            let (status, problem) = import_csv(&app, &cio, &csv).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{row}");
            assert_eq!(error_fields(&problem), [format!("rows[2].{column}")], "{row}: {problem}");
        }
        // A row with more fields than the header: an unquoted separator in a note would
        // otherwise lose the rest of the note without a word.
        let csv = format!("email,skill,level,date,source,note\neng@example.org,Listening,3,{ok},self,Listens well\neng@example.org,Listening,3,{ok},manager,Listens well, asks, then answers\n");
        let (status, problem) = import_csv(&app, &cio, &csv).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["rows[3]"], "{problem}");
        assert_eq!(problem["errors"][0]["message"], "Row 3: the row has 8 fields but the header has 6; put a note that contains the separator in double quotes.");
        let csv = format!("email,skill,level,date,source\neng@example.org,Listening,3,{ok},self,a note without a column\n");
        let (_, problem) = import_csv(&app, &cio, &csv).await;
        assert_eq!(error_fields(&problem), ["rows[2]"], "{problem}");
        // A row repeated within the file, a missing column, an empty file.
        let csv = format!("email,skill,level,date,source\neng@example.org,Listening,3,{ok},self\neng@example.org,listening,4,{ok},self\n");
        let (_, problem) = import_csv(&app, &cio, &csv).await;
        assert_eq!(error_fields(&problem), ["rows[3].skill"]);
        for csv in ["email,skill,level,date\neng@example.org,Listening,3,2025-01-15\n", "", "email,skill,level,date,source\n"] {
            let (status, problem) = import_csv(&app, &cio, csv).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{csv:?}");
            assert_eq!(error_fields(&problem), ["file"], "{csv:?}");
        }
        assert_eq!(assessment_count(&app).await, 0);
        // Only the cio imports.
        let lead = app.token("lead@example.org").await;
        let (status, _) = import_csv(&app, &lead, &format!("email,skill,level,date,source\neng@example.org,Listening,3,{ok},self\n")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

both_backends! {
    async fn the_cio_imports_a_baseline_file_through_the_page(app) {
        app.department().await;
        let cio = app.token("cio@example.org").await;
        two_skills(&app, &cio).await;
        let browser = app.signed_in("cio@example.org").await;
        let html = browser.get_html("/skills/import").await;
        let token = csrf_token_in(&html).unwrap();
        let post = |file: String, token: String| {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token)
                .text("text", "")
                .part("file", reqwest::multipart::Part::text(file).file_name("baseline.csv").mime_str("text/csv").unwrap());
            browser.client.post(browser.url("/skills/import")).multipart(form).send()
        };
        let bad = "email,skill,level,date,source\neng@example.org,Networking,9,2025-01-15,self\npeer@example.org,<script>alert(1)</script>,2,2025-01-15,self\n";
        let response = post(bad.to_owned(), token.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains("Nothing was imported"));
        assert!(html.contains("Row 2:") && html.contains("Row 3:"), "{html}");
        assert!(!html.contains("<script>alert(1)"), "file contents are escaped");
        let good = "email,skill,level,date,source\neng@example.org,Networking,3,2025-01-15,self\n";
        let response = post(good.to_owned(), token.clone()).await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(response.text().await.unwrap().contains("Imported 1 assessments of 1 people in 1 skills."));
        let response = post(good.to_owned(), "forged".to_owned()).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let lead = app.signed_in("lead@example.org").await;
        assert_eq!(lead.get("/skills/import").await.status(), StatusCode::FORBIDDEN);
    }
}

/// Assesses each person at `level` in `skill` (through the cio), and sets `targets`.
async fn assess_all(app: &TestApp, cio: &str, skill: i64, people: &[(i32, i64, Option<i64>)]) {
    for (person, level, target) in people {
        let path = format!("/api/v1/people/{person}/skill-assessments");
        let (status, body) = app
            .post_json(
                cio,
                &path,
                json!({"assessments": [{"skill_id": skill, "level": level}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        if let Some(target) = target {
            let response = app
                .api
                .put(app.url(&format!("/api/v1/people/{person}/skill-targets/{skill}")))
                .bearer_auth(cio)
                .json(&json!({"level": target}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::NO_CONTENT);
        }
    }
}

both_backends! {
    async fn a_lone_target_holder_shows_no_average_target_and_no_one_of_one(app) {
        let d = app.department().await;
        let extra = app.add_person("extra@example.org", "Ezra Extra", "staff", Some(d.cio)).await;
        let cio = app.token("cio@example.org").await;
        let (_, skill) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        let skill = skill["id"].as_i64().unwrap();
        // Four people at level 2; only the engineer has a target (4).
        assess_all(&app, &cio, skill, &[(d.engineer, 2, Some(4)), (d.peer, 2, None), (d.lead, 2, None), (extra, 2, None)]).await;
        for email in ["advisor@example.org", "peer@example.org"] {
            let token = app.token(email).await;
            let (_, figures) = app.get_json(&token, "/api/v1/skills/department").await;
            let f = &figures[0];
            assert_eq!(f["people"], 4, "{email}: four people may be described");
            assert_eq!(f["average_current"], 2.0);
            assert_eq!(f["distribution"], json!([0, 4, 0, 0, 0]));
            // The attempt: nothing shown gives the engineer's target, and "people with a
            // target" is withheld too, so "people − with a target" gives nothing either.
            for withheld in ["average_target", "with_target", "at_or_above_target"] {
                assert!(f[withheld].is_null(), "{email}: {withheld} in {f}");
            }
            assert_eq!(f["fewer_than"], 3);
            let page = app.signed_in(email).await.get_html("/skills/department").await;
            assert!(!page.contains("1 of 1") && !page.contains("4.0"), "{email}: {page}");
            assert!(page.contains("fewer than 3 people"), "{email}");
        }
        // The cio sees the exact figures, on the page too.
        let (_, figures) = app.get_json(&cio, "/api/v1/skills/department").await;
        assert_eq!(figures[0]["average_target"], 4.0);
        assert_eq!((figures[0]["with_target"].as_i64(), figures[0]["at_or_above_target"].as_i64()), (Some(1), Some(0)));
        let page = app.signed_in("cio@example.org").await.get_html("/skills/department").await;
        assert!(page.contains("0 of 1") && page.contains("4.0"), "{page}");
    }
}

both_backends! {
    async fn a_share_at_target_shows_only_when_both_sides_are_large_enough(app) {
        let d = app.department().await;
        let mut people = vec![d.engineer, d.peer, d.lead];
        for n in 0..4 {
            people.push(app.add_person(&format!("p{n}@example.org"), &format!("Person {n}"), "staff", Some(d.cio)).await);
        }
        let cio = app.token("cio@example.org").await;
        let mut skills = Vec::new();
        for name in ["All at target", "One below"] {
            let (_, s) = app.post_json(&cio, "/api/v1/skills", json!({"name": name, "category": "service"})).await;
            skills.push(s["id"].as_i64().unwrap());
        }
        // Seven people: three at level 2 and four at level 4, each with a target of 2.
        let levels: Vec<(i32, i64, Option<i64>)> = people.iter().enumerate()
            .map(|(i, p)| (*p, if i < 3 { 2 } else { 4 }, Some(2)))
            .collect();
        assess_all(&app, &cio, skills[0], &levels).await;
        // The same, but one target is 3 for someone at level 2: one person below target.
        let mut one_below = levels.clone();
        one_below[0].2 = Some(3);
        assess_all(&app, &cio, skills[1], &one_below).await;
        let advisor = app.token("advisor@example.org").await;
        let (_, figures) = app.get_json(&advisor, "/api/v1/skills/department").await;
        let by_name = |name: &str| figures.as_array().unwrap().iter().find(|f| f["skill"]["name"] == name).unwrap().clone();
        let all_reached = by_name("All at target");
        assert!(all_reached["fewer_than"].is_null(), "{all_reached}");
        assert_eq!((all_reached["with_target"].as_i64(), all_reached["at_or_above_target"].as_i64()), (Some(7), Some(7)));
        assert_eq!(all_reached["distribution"], json!([0, 3, 0, 4, 0]));
        // "6 of 7" would say that one person is below their target.
        let one_below = by_name("One below");
        assert_eq!(one_below["with_target"], 7);
        assert!(one_below["at_or_above_target"].is_null(), "{one_below}");
        assert!(one_below["average_target"].is_number(), "seven targets may be averaged");
        assert_eq!(one_below["fewer_than"], 3);
        let page = app.signed_in("advisor@example.org").await.get_html("/skills/department").await;
        assert!(page.contains("7 of 7") && !page.contains("6 of 7"), "{page}");
        // The cio sees it.
        let (_, exact) = app.get_json(&cio, "/api/v1/skills/department").await;
        let one_below = exact.as_array().unwrap().iter().find(|f| f["skill"]["name"] == "One below").unwrap();
        assert_eq!(one_below["at_or_above_target"], 6);
    }
}

both_backends! {
    async fn the_skill_history_chart_has_axes_legend_and_a_table(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, network) = two_skills(&app, &cio).await;
        let day = |m, dd| chrono::NaiveDate::from_ymd_opt(2026, m, dd).unwrap();
        let path = format!("/api/v1/people/{}/skill-assessments", d.engineer);
        for (token, level, date) in [(&engineer, 2, day(1, 12)), (&lead, 2, day(2, 3)), (&engineer, 3, day(6, 20)), (&lead, 4, day(9, 1))] {
            let (status, body) = app.post_json(token, &path, json!({"assessments": [{"skill_id": plain, "level": level, "assessed_on": date}]})).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let response = app.api.put(app.url(&format!("/api/v1/people/{}/skill-targets/{plain}", d.engineer))).bearer_auth(&lead).json(&json!({"level": 5})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        // A target alone draws no chart (there is no history to draw).
        app.api.put(app.url(&format!("/api/v1/people/{}/skill-targets/{network}", d.engineer))).bearer_auth(&lead).json(&json!({"level": 3})).send().await.unwrap();
        let html = app.signed_in("eng@example.org").await.get_html(&format!("/people/{}/skills", d.engineer)).await;
        let figure = &html[html.find(&format!(r#"<figure class="chart" id="chart-skill-{plain}">"#)).expect("a figure per skill with history")..];
        let figure = &figure[..figure.find("</figure>").unwrap()];
        assert!(figure.contains("Plain language: levels over time"), "a title");
        assert!(figure.contains(r#"role="img""#) && figure.contains("<desc id="), "named and described");
        for axis in [">Level</text>", ">1</text>", ">5</text>", ">12 Jan 2026</text>", ">1 Sep 2026</text>"] {
            assert!(figure.contains(axis), "axis label {axis}");
        }
        for legend in [">Self</text>", ">Manager</text>", ">Target (5)</text>"] {
            assert!(figure.contains(legend), "legend {legend}");
        }
        assert_eq!(figure.matches("<polyline").count(), 2, "self and manager are two series");
        assert!(figure.contains(r#"class="target""#), "the target is a line");
        // The text equivalent: a row per date, a column per series and the target.
        assert!(figure.contains(r#"<th scope="col">Assessed on</th><th scope="col">Self</th><th scope="col">Manager</th><th scope="col">Target</th>"#), "{figure}");
        assert!(figure.contains(r#"<th scope="row">20 Jun 2026</th><td>3</td><td>–</td><td>5</td>"#), "{figure}");
        assert!(figure.contains(r#"<th scope="row">1 Sep 2026</th><td>–</td><td>4</td><td>5</td>"#));
        assert!(!html.contains(&format!(r#"id="chart-skill-{network}""#)), "no chart without assessments");
        assert!(html.contains(&format!(r##"href="#chart-skill-{plain}""##)), "the table links its chart");
    }
}

both_backends! {
    async fn the_heatmap_has_a_colour_key_and_shows_development_targets(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let engineer = app.token("eng@example.org").await;
        let peer = app.token("peer@example.org").await;
        let lead = app.token("lead@example.org").await;
        let (plain, network) = two_skills(&app, &cio).await;
        for person in [d.engineer, d.peer] {
            app.post_json(&lead, &format!("/api/v1/people/{person}/skill-assessments"), json!({"assessments": [{"skill_id": plain, "level": 2}, {"skill_id": network, "level": 3}]})).await;
        }
        // The engineer: a skill target of 3 and a development goal aiming at 4 (shown);
        // the peer: a target of 5 and a goal of 4 (the target stays), and a goal alone on
        // networking (shown); a dropped goal counts for nothing.
        let put_target = |person: i32, skill: i64, level: i64| {
            let request = app.api.put(app.url(&format!("/api/v1/people/{person}/skill-targets/{skill}"))).bearer_auth(&lead).json(&json!({"level": level}));
            async move { assert_eq!(request.send().await.unwrap().status(), StatusCode::NO_CONTENT) }
        };
        put_target(d.engineer, plain, 3).await;
        put_target(d.peer, plain, 5).await;
        let f = app.plan_and_cycle(&cio).await;
        let goals = format!("/api/v1/cycles/{}/goals", f.cycle);
        let goal = |skill: i64, level: i64| json!({"objective_id": f.objectives[0], "title": "Grow", "category": "technical", "skill_id": skill, "target_level": level});
        for (token, body) in [(&engineer, goal(plain, 4)), (&peer, goal(plain, 4)), (&peer, goal(network, 4))] {
            let (status, created) = app.post_json(token, &goals, body).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
        }
        let (_, dropped) = app.post_json(&engineer, &goals, goal(network, 5)).await;
        let (status, body) = app.post_json(&engineer, &format!("/api/v1/goals/{}/outcome", dropped["id"]), json!({"status": "dropped"})).await;
        assert!(status.is_success(), "{status} {body}");

        let (_, map) = app.get_json(&lead, "/api/v1/skills/team").await;
        let cell = |row: usize, skill: i64| map["people"][row]["cells"].as_array().unwrap().iter().find(|c| c["skill_id"] == skill).unwrap().clone();
        assert_eq!(map["people"][0]["person"]["name"], "Erin Engineer");
        #[rustfmt::skip]
        let expected = [
            (0, plain, json!(4), true, "the goal aims higher than the skill target"),
            (0, network, json!(null), false, "a dropped goal is no target"),
            (1, plain, json!(5), false, "the skill target is higher than the goal"),
            (1, network, json!(4), true, "the goal is the only target"),
        ];
        for (row, skill, target, from_goal, why) in expected {
            let c = cell(row, skill);
            assert_eq!(c.get("target").cloned().unwrap_or(json!(null)), target, "{why}");
            assert_eq!(c["target_from_goal"], from_goal, "{why}");
        }
        assert_eq!(map["people"][0]["largest_gap"], 2, "the gap counts the goal's target");

        let browser = app.signed_in("lead@example.org").await;
        let html = browser.get_html("/skills/team").await;
        let key = &html[html.find(r#"<h2 id="heat-key-heading">Colour key</h2>"#).expect("a colour key")..];
        for n in 1..=5 {
            assert!(key.contains(&format!(r#"<span class="swatch heat-{n}">{n}</span> level {n}"#)), "level {n} in the key");
        }
        assert!(html.contains("2/4<span class=\"from-goal\"><span aria-hidden=\"true\">◆</span><span class=\"skip\"> (a development goal's target)</span></span>"), "the goal's target, marked in words too");
        let by_gap = browser.get_html("/skills/team?color=gap").await;
        for (class, words) in [("gap-none", "target reached"), ("gap-one", "one level to go"), ("gap-more", "two levels or more to go")] {
            assert!(by_gap.contains(&format!(r#"<span class="swatch {class}">"#)) && by_gap.contains(words), "{class}");
        }
        assert!(!by_gap.contains("swatch heat-1"), "the key is the gap colours'");
    }
}

/// The cio's department figures of the first skill: people, average current level, people
/// with a target, the distribution.
async fn department_of(app: &TestApp, cio: &str) -> (i64, f64, i64, Value) {
    let (status, figures) = app.get_json(cio, "/api/v1/skills/department").await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let f = &figures[0];
    (
        f["people"].as_i64().unwrap(),
        f["average_current"].as_f64().unwrap_or(0.0),
        f["with_target"].as_i64().unwrap(),
        f["distribution"].clone(),
    )
}

both_backends! {
    async fn the_department_view_follows_assessments_targets_and_who_is_active(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        let (_, skill) = app.post_json(&cio, "/api/v1/skills", json!({"name": "Plain language", "category": "communication"})).await;
        let skill = skill["id"].as_i64().unwrap();
        assess_all(&app, &cio, skill, &[(d.engineer, 2, None), (d.peer, 3, Some(4)), (d.lead, 4, None)]).await;
        assert_eq!(department_of(&app, &cio).await, (3, 3.0, 1, json!([0, 1, 1, 1, 0])));
        // A later assessment moves the lead from 4 to 1; a target is set for the engineer.
        assess_all(&app, &cio, skill, &[(d.lead, 1, None), (d.engineer, 2, Some(3))]).await;
        assert_eq!(department_of(&app, &cio).await, (3, 2.0, 2, json!([1, 1, 1, 0, 0])));
        // Someone who leaves is no longer counted, and is again when they come back.
        let path = format!("/api/v1/people/{}", d.peer);
        let (status, _) = app.patch_json(&cio, &path, json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(department_of(&app, &cio).await, (2, 1.5, 1, json!([1, 1, 0, 0, 0])));
        let (status, _) = app.patch_json(&cio, &path, json!({"active": true})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(department_of(&app, &cio).await, (3, 2.0, 2, json!([1, 1, 1, 0, 0])));
    }
}
