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
