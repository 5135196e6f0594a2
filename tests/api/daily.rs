//! The small things of daily work in the pages: a profile links to the records its reader
//! may open, the trophy says "since today" and offers reassignment only when its holder
//! cannot pass it on, and the printable notebook has a way back and a print button.

use reqwest::StatusCode;
use serde_json::json;

use crate::recognition::trophy_for;

both_backends! {
    async fn a_profile_links_to_goals_and_skills_only_for_those_who_may_open_them(app) {
        let d = app.department().await;
        let links = format!(r#"<a href="/people/{}/goals">Goals and self-evaluation</a>"#, d.engineer);
        // Who reads Erin's profile, and whether they get the links (and may follow them).
        for (reader, sees) in [
            ("eng@example.org", true),
            ("lead@example.org", true),
            ("cio@example.org", true),
            ("peer@example.org", false),
            ("advisor@example.org", false),
        ] {
            let browser = app.signed_in(reader).await;
            let html = browser.get_html(&format!("/people/{}", d.engineer)).await;
            assert_eq!(html.contains(&links), sees, "{reader}");
            let goals = browser.get(&format!("/people/{}/goals", d.engineer)).await.status();
            let skills = browser.get(&format!("/people/{}/skills", d.engineer)).await.status();
            let expected = if sees { StatusCode::OK } else { StatusCode::NOT_FOUND };
            assert_eq!((goals, skills), (expected, expected), "{reader} follows the links");
        }
        // An advisor keeps no records: nobody is offered theirs.
        let cio = app.signed_in("cio@example.org").await;
        let html = cio.get_html(&format!("/people/{}", d.advisor)).await;
        assert!(!html.contains("Goals and self-evaluation"), "{html}");
    }
}

both_backends! {
    async fn the_trophy_is_reassigned_only_when_its_holder_cannot_pass_it_on(app) {
        let d = app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let trophy = trophy_for(&app, &cio_token, d.peer).await;
        let cio = app.signed_in("cio@example.org").await;
        let page = cio.get_html(&format!("/trophies/{trophy}")).await;
        assert!(page.contains("has held it since today."), "{page}");
        assert!(!page.contains("/reassign"), "an active holder passes it on: {page}");
        let (status, _) = app.patch_json(&cio_token, &format!("/api/v1/people/{}", d.peer), json!({"active": false})).await;
        assert_eq!(status, StatusCode::OK);
        let page = cio.get_html(&format!("/trophies/{trophy}")).await;
        assert!(page.contains(&format!(r#"action="/trophies/{trophy}/reassign""#)), "{page}");
        let list = cio.get_html("/trophies").await;
        assert!(list.contains("<td>since today</td>"), "{list}");
    }
}

both_backends! {
    async fn the_printable_notebook_has_a_way_back_and_a_print_button(app) {
        let d = app.department().await;
        let cio_token = app.token("cio@example.org").await;
        let trophy = trophy_for(&app, &cio_token, d.peer).await;
        let browser = app.signed_in("peer@example.org").await;
        let page = browser.get_html(&format!("/trophies/{trophy}/notebook/print")).await;
        assert!(page.contains(&format!(r#"<a href="/trophies/{trophy}">Back to the trophy</a>"#)), "{page}");
        assert!(page.contains("data-print") && page.contains(r#"<script src="/static/print.js" defer></script>"#), "{page}");
        let script = browser.get("/static/print.js").await;
        assert_eq!(script.status(), StatusCode::OK);
        assert!(script.text().await.unwrap().contains("window.print()"));
    }
}
