//! The web pages: forms keep what was typed and show errors by the field, navigation
//! shows what the person may use, and escaping holds.

use reqwest::StatusCode;

use crate::helpers::*;

both_backends! {
    async fn the_cio_adds_a_person_through_the_form(app) {
        let d = app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let lead = d.lead.to_string();
        let response = cio
            .post_form("/people/new", "/people", &[
                ("name", "Fran Form"), ("email", "fran@example.org"), ("job_title", "Analyst"),
                ("team", "Apps"), ("role", "staff"), ("manager_id", lead.as_str()), ("password", ""),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let profile = cio.get_html(&location).await;
        assert!(profile.contains("The person has been added."));
        assert!(profile.contains("Fran Form"));
        assert!(profile.contains("Lee Lead"));
        assert!(profile.contains("Has no password yet"));
    }
}

both_backends! {
    async fn a_bad_form_shows_errors_by_the_fields_and_keeps_what_was_typed(app) {
        app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let response = cio
            .post_form("/people/new", "/people", &[
                ("name", ""), ("email", "not-an-email"), ("job_title", "Keeps <this> title"),
                ("team", "Apps"), ("role", "staff"), ("manager_id", ""), ("password", "short"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"<p class="field-error" id="name-error">Enter a name.</p>"#), "{html}");
        assert!(html.contains(r#"id="email-error""#));
        assert!(html.contains(r#"id="password-error">Use at least 10 characters."#));
        assert!(html.contains(r#"value="not-an-email""#), "the typed email is kept");
        assert!(html.contains(r#"value="Keeps &#60;this&#62; title""#) || html.contains(r#"value="Keeps &lt;this&gt; title""#), "kept and escaped");
        assert!(html.contains(r#"aria-invalid="true""#));
        let response = cio
            .post_form("/people/new", "/people", &[
                ("name", "Dup"), ("email", "LEAD@example.org"), ("role", "staff"),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(response.text().await.unwrap().contains("already has this email address"));
    }
}

both_backends! {
    async fn the_cio_edits_deactivates_and_reactivates_through_pages(app) {
        let d = app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let edit = format!("/people/{}/edit", d.peer);
        let html = cio.get_html(&edit).await;
        assert!(html.contains(r#"value="Pat Peer""#), "the form is filled in");
        let lead = d.lead.to_string();
        let response = cio
            .post_form(&edit, &format!("/people/{}", d.peer), &[
                ("name", "Pat Renamed"), ("email", "peer@example.org"), ("job_title", "Lead engineer"),
                ("team", "Infra"), ("role", "staff"), ("manager_id", lead.as_str()), ("password", ""),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(cio.get_html(&format!("/people/{}", d.peer)).await.contains("Pat Renamed"));

        // A loop is refused on the page as in the API, next to the field.
        let engineer = d.engineer.to_string();
        let response = cio
            .post_form(&format!("/people/{}/edit", d.lead), &format!("/people/{}", d.lead), &[
                ("name", "Lee Lead"), ("email", "lead@example.org"), ("role", "staff"), ("manager_id", engineer.as_str()),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains(r#"id="manager_id-error""#));

        let response = cio.post_form(&format!("/people/{}", d.peer), &format!("/people/{}/deactivate", d.peer), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let directory = cio.get_html("/people").await;
        assert!(!directory.contains("Pat Renamed"));
        assert!(cio.get_html("/people?inactive=1").await.contains("Pat Renamed"));
        let response = cio.post_form(&format!("/people/{}", d.peer), &format!("/people/{}/reactivate", d.peer), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(cio.get_html("/people").await.contains("Pat Renamed"));
    }
}

both_backends! {
    async fn staff_see_the_directory_but_not_the_cio_forms(app) {
        let d = app.department().await;
        for email in ["eng@example.org", "advisor@example.org", "lead@example.org"] {
            let browser = app.signed_in(email).await;
            let directory = browser.get_html("/people").await;
            assert!(directory.contains("Erin Engineer"), "{email}");
            assert!(!directory.contains("Add a person"), "{email} must not be offered the form");
            assert!(!browser.get_html(&format!("/people/{}", d.peer)).await.contains(">Edit<"));
            for path in ["/people/new".to_owned(), format!("/people/{}/edit", d.peer)] {
                let response = browser.get(&path).await;
                assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email} {path}");
                assert!(response.text().await.unwrap().contains("Only the cio"));
            }
            let response = browser
                .post_form("/people", &format!("/people/{}/deactivate", d.peer), &[])
                .await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email}");
        }
        let cio = app.signed_in("cio@example.org").await;
        assert!(cio.get_html("/people").await.contains("Add a person"));
    }
}

both_backends! {
    async fn anonymous_visitors_are_sent_to_sign_in_and_back(app) {
        app.department().await;
        let browser = app.browser();
        let response = browser.get("/people/1").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/sign-in?next=%2Fpeople%2F1");
        let response = browser
            .post_form("/sign-in?next=%2Fpeople%2F1", "/sign-in", &[
                ("email", "eng@example.org"), ("password", PASSWORD), ("next", "/people/1"),
            ])
            .await;
        assert_eq!(response.headers()["location"], "/people/1");
        // A `next` leading off the site is ignored.
        let other = app.browser();
        let response = other
            .post_form("/sign-in", "/sign-in", &[("email", "eng@example.org"), ("password", PASSWORD), ("next", "//evil.example/")])
            .await;
        assert_eq!(response.headers()["location"], "/");
    }
}

both_backends! {
    async fn unknown_pages_get_a_friendly_404(app) {
        app.department().await;
        let browser = app.signed_in("eng@example.org").await;
        for path in ["/people/424242", "/no/such/page"] {
            let response = browser.get(path).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
            assert!(response.text().await.unwrap().contains("We could not find that page"));
        }
    }
}

both_backends! {
    async fn names_are_shown_as_text_never_as_markup(app) {
        let d = app.department().await;
        let cio = app.token("cio@example.org").await;
        app.patch_json(&cio, &format!("/api/v1/people/{}", d.peer), serde_json::json!({"name": "<script>alert(1)</script>"})).await;
        let browser = app.signed_in("eng@example.org").await;
        let html = browser.get_html("/people").await;
        assert!(!html.contains("<script>alert(1)</script>"));
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    }
}

both_backends! {
    async fn the_stylesheet_is_served_and_pages_have_no_inline_script(app) {
        app.department().await;
        let response = app.api.get(app.url("/static/style.css")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
        let browser = app.signed_in("cio@example.org").await;
        for path in ["/people", "/people/new", "/account", "/people/1"] {
            let html = browser.get_html(path).await;
            assert!(!html.contains("<script"), "{path}");
            assert!(!html.contains("style="), "{path}");
        }
    }
}

both_backends! {
    async fn deactivating_someone_on_a_page_asks_first(app) {
        let d = app.department().await;
        let cio = app.signed_in("cio@example.org").await;
        let profile = format!("/people/{}", d.peer);
        let question = format!("{profile}/deactivate");
        assert!(cio.get_html(&profile).await.contains(&format!(r#"<a class="button danger" href="{question}">Deactivate…</a>"#)));
        let html = cio.get_html(&question).await;
        assert!(html.contains("<h1>Deactivate Pat Peer?</h1>"), "{html}");
        assert!(html.contains("Pat Peer is signed out everywhere at once and can no longer sign in"));
        assert!(html.contains(&format!(r#"<form method="post" action="{question}">"#)));
        assert!(html.contains(r#"<button type="submit" class="danger">Deactivate Pat Peer</button>"#));
        assert!(html.contains(&format!(r#"<a class="button secondary" href="{profile}">Cancel</a>"#)));
        for email in ["lead@example.org", "advisor@example.org"] {
            let browser = app.signed_in(email).await;
            let response = browser.get(&question).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{email}");
        }
        let response = cio.post_form(&question, &question, &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(cio.get(&question).await.status(), StatusCode::CONFLICT, "deactivated already");
    }
}
