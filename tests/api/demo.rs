//! The demo department loads into an empty database and into no other.

use reqwest::StatusCode;

both_backends! {
    async fn the_demo_department_loads_once_and_is_believable(app) {
        staffdev::demo::load(app.db()).await.expect("the demo loads");
        let cio = {
            let response = app
                .api
                .post(app.url("/api/v1/auth/tokens"))
                .json(&serde_json::json!({"email": staffdev::demo::CIO_EMAIL, "password": staffdev::demo::PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
        };
        let (_, people) = app.get_json(&cio, "/api/v1/people?limit=200").await;
        assert_eq!(people["items"].as_array().unwrap().len(), 25);
        let (_, cycles) = app.get_json(&cio, "/api/v1/cycles").await;
        let phases: Vec<&str> = cycles.as_array().unwrap().iter().map(|c| c["phase"].as_str().unwrap()).collect();
        assert_eq!(phases, ["in_progress", "closed"]);
        let (_, plan) = app.get_json(&cio, &format!("/api/v1/plans/{}", cycles[0]["plan_id"])).await;
        let objectives: usize = plan["goals"].as_array().unwrap().iter().map(|g| g["objectives"].as_array().unwrap().len()).sum();
        assert_eq!(objectives, 10);
        let (_, team) = app.get_json(&cio, &format!("/api/v1/team?cycle_id={}", cycles[1]["id"])).await;
        let reviewed = team["members"].as_array().unwrap().iter().filter(|m| m["self_evaluation"] == "reviewed").count();
        assert!(reviewed >= 3, "{reviewed} reviewed self-evaluations");
        let (_, skills) = app.get_json(&cio, "/api/v1/skills").await;
        assert_eq!(skills.as_array().unwrap().len(), 12);
        assert!(staffdev::demo::load(app.db()).await.is_err(), "never into a database with people");
    }
}
