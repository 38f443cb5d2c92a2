//! How the app reaches the browser: static files precompressed at build time, pages and
//! server-function answers compressed per request, and caching headers that keep a user's
//! pages out of shared caches.

use app::platform::db::Backend;

use crate::helpers::spawn_app_configured;

/// A compiled site with one WASM file (and its brotli twin) and one JS file (and its gzip twin).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("practice-access.wasm"), b"raw wasm bytes").unwrap();
    std::fs::write(pkg.join("practice-access.wasm.br"), b"brotli wasm bytes").unwrap();
    std::fs::write(pkg.join("practice-access.js"), b"raw js").unwrap();
    std::fs::write(pkg.join("practice-access.js.gz"), b"gzip js").unwrap();
    // A twin older than its source: the source was rebuilt after it was compressed.
    std::fs::write(pkg.join("practice-access.css.br"), b"stale brotli css").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(pkg.join("practice-access.css.br"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::fs::write(pkg.join("practice-access.css"), b"body { color: black }").unwrap();
    // Names as a release build writes them (cargo-leptos `hash-files`, WASM split in chunks).
    std::fs::write(pkg.join("practice-access.Yw3bP1uq-x_7kZ0aQe9LmA.wasm"), b"hashed wasm").unwrap();
    std::fs::write(
        pkg.join("practice-access.Yw3bP1uq-x_7kZ0aQe9LmA.wasm.br"),
        b"hashed brotli",
    )
    .unwrap();
    std::fs::write(pkg.join("__wasm_split.k9QmZ2VbXc4TnR7sLpA1wE.js"), b"loader").unwrap();
    std::fs::write(pkg.join("__wasm_split.______________________.js"), b"placeholder").unwrap();
    dir
}

async fn get(app: &crate::helpers::TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client()
        .http
        .get(format!("{}{path}", app.address))
        .header("Accept-Encoding", accept)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

async fn static_files_are_served_precompressed_and_pages_compressed_per_request(backend: Backend) {
    let site = site();
    let root = site.path().display().to_string();
    let app = spawn_app_configured(backend, None, None, &[("LEPTOS_SITE_ROOT", &root)]).await;

    // The build's brotli file, as it is: no per-request work.
    let wasm = get(&app, "/pkg/practice-access.wasm", "gzip, deflate, br").await;
    assert_eq!(wasm.status(), 200);
    assert_eq!(header(&wasm, "content-encoding").as_deref(), Some("br"));
    assert_eq!(header(&wasm, "content-type").as_deref(), Some("application/wasm"));
    assert_eq!(header(&wasm, "cache-control").as_deref(), Some("no-cache"));
    assert!(
        header(&wasm, "last-modified").is_some(),
        "revalidated, not downloaded again"
    );
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"brotli wasm bytes");
    // gzip where there is no brotli twin; the plain file for a browser that takes neither.
    let js = get(&app, "/pkg/practice-access.js", "gzip, br").await;
    assert_eq!(header(&js, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(js.bytes().await.unwrap().as_ref(), b"gzip js");
    let plain = get(&app, "/pkg/practice-access.wasm", "identity").await;
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"raw wasm bytes");
    assert_eq!(get(&app, "/pkg/missing.wasm", "br").await.status(), 404);
    // The stale twin of a CSS file rebuilt after it was compressed is gone at start-up.
    assert!(!site.path().join("pkg/practice-access.css.br").exists());
    let css = get(&app, "/pkg/practice-access.css", "br").await;
    assert_ne!(css.bytes().await.unwrap().as_ref(), b"stale brotli css");

    // A name that carries its content's hash is kept for a year without asking again.
    let hashed = get(&app, "/pkg/practice-access.Yw3bP1uq-x_7kZ0aQe9LmA.wasm", "br").await;
    assert_eq!(hashed.status(), 200);
    assert_eq!(header(&hashed, "content-encoding").as_deref(), Some("br"));
    assert_eq!(
        header(&hashed, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let loader = get(&app, "/pkg/__wasm_split.k9QmZ2VbXc4TnR7sLpA1wE.js", "br").await;
    assert_eq!(
        header(&loader, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let placeholder = get(&app, "/pkg/__wasm_split.______________________.js", "br").await;
    assert_eq!(header(&placeholder, "cache-control").as_deref(), Some("no-cache"));
    // A missing file is not cached at all (it may exist after the next deployment).
    let missing = get(&app, "/pkg/practice-access.AAAAAAAAAAAAAAAAAAAAAA.wasm", "br").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "cache-control").as_deref(), Some("no-store"));

    // Pages: compressed as they are made, and never kept by shared caches.
    let page = get(&app, "/login", "gzip, br").await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-encoding").as_deref(), Some("br"));
    assert_eq!(header(&page, "cache-control").as_deref(), Some("no-cache, private"));
    assert_eq!(header(&page, "referrer-policy").as_deref(), Some("same-origin"));
    // Never framed by another site (clickjacking), never sniffed as another type.
    assert_eq!(header(&page, "x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        header(&page, "content-security-policy").as_deref(),
        Some("frame-ancestors 'none'")
    );
    assert_eq!(header(&page, "x-content-type-options").as_deref(), Some("nosniff"));
    let page = get(&app, "/login", "gzip").await;
    assert_eq!(header(&page, "content-encoding").as_deref(), Some("gzip"));
    let page = get(&app, "/login", "identity").await;
    assert_eq!(header(&page, "content-encoding"), None);
    assert!(page.text().await.unwrap().contains("Sign in"));

    // A server function's answer too (an error's status survives compression).
    let answer = app
        .client()
        .http
        .post(format!("{}/api/sign_in", app.address))
        .header("Accept", "application/json")
        .header("Accept-Encoding", "br")
        .form(&[("email", "nobody@example.com"), ("password", "not the password")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    assert_eq!(header(&answer, "content-encoding").as_deref(), Some("br"));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_are_served_precompressed_and_pages_compressed_per_request_on_sqlite() {
    static_files_are_served_precompressed_and_pages_compressed_per_request(Backend::Sqlite).await;
}

/// The pages met before signing in work without JavaScript, so a visitor who is not
/// signed in gets them without the WASM (and without its preload hints); every other page,
/// and these pages to someone signed in (whose top bar needs it), come with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_before_sign_in_come_without_the_wasm() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let html = |client: reqwest::Client, path: &'static str| {
        let url = format!("{}{path}", app.address);
        async move {
            let page = client.get(url).send().await.unwrap();
            assert_eq!(page.status(), 200, "{path}");
            page.text().await.unwrap()
        }
    };
    let scripted = |page: &str| page.contains(r#"<script type="module""#) || page.contains(".wasm");
    let invitation = Box::leak(format!("/invite/{}", "0".repeat(64)).into_boxed_str());
    let confirm = Box::leak(format!("/signup/confirm/{}", "0".repeat(64)).into_boxed_str());
    for path in ["/login", "/signup", "/signup/sent", &*invitation, &*confirm] {
        let page = html(app.client().http, path).await;
        assert!(page.contains("<form") || page.contains("<h1>"), "{path} is a page");
        assert!(!scripted(&page), "{path} ships no script to a visitor");
    }
    // The second step of signing in is not among them.
    assert!(scripted(&html(app.client().http, "/login/two-step").await));

    // A failed sign-in from the plain form shows its email again; the WASM's own request
    // (JSON) keeps its form as it is and gets no such cookie.
    let browser = app.client().http;
    let post = |client: &reqwest::Client, accept: &'static str| {
        client
            .post(format!("{}/api/sign_in", app.address))
            .header("Accept", accept)
            .header("Referer", format!("{}/login", app.address))
            .form(&[("email", "typed.by.hand@example.com"), ("password", "not the password")])
            .send()
    };
    let answer = post(&browser, "text/html").await.unwrap();
    assert_eq!(answer.status(), 302);
    let back_to = answer.headers()["location"].to_str().unwrap().to_owned();
    let again = browser.get(&back_to).send().await.unwrap().text().await.unwrap();
    assert!(again.contains(r#"value="typed.by.hand@example.com""#), "{again}");
    assert!(again.contains("Email or password is incorrect."));
    let scripted_client = app.client().http;
    assert_eq!(post(&scripted_client, "application/json").await.unwrap().status(), 422);
    assert!(!html(scripted_client, "/login").await.contains("typed.by.hand"));

    // A failed sign-up from the plain form shows its three fields again (not the
    // password), and its error beside the field; once it goes through they are forgotten.
    let browser = app.client().http;
    let sign_up = |password: &'static str| {
        browser
            .post(format!("{}/api/sign_up", app.address))
            .header("Accept", "text/html")
            .header("Referer", format!("{}/signup", app.address))
            .form(&[
                ("practice_name", "Hand & Typed <LLP>"),
                ("name", "Noor Script"),
                ("email", "noor.script@example.com"),
                ("password", password),
            ])
            .send()
    };
    let answer = sign_up("short").await.unwrap();
    assert_eq!(answer.status(), 302);
    let back_to = answer.headers()["location"].to_str().unwrap().to_owned();
    let again = browser.get(&back_to).send().await.unwrap().text().await.unwrap();
    assert!(!scripted(&again));
    for kept in [
        r#"value="Hand &amp; Typed &lt;LLP&gt;""#,
        r#"value="Noor Script""#,
        r#"value="noor.script@example.com""#,
    ] {
        assert!(again.contains(kept), "{kept} in {again}");
    }
    assert!(!again.contains(r#"value="short""#), "never the password");
    assert!(again.contains("at least 8"), "the error is shown: {again}");
    let answer = sign_up("a long enough password").await.unwrap();
    assert_eq!(answer.status(), 302);
    assert!(!html(browser.clone(), "/signup").await.contains("Noor Script"));

    let admin = app.sign_up("noscript").await;
    for path in ["/", "/login", "/signup"] {
        assert!(
            scripted(&html(admin.client.http.clone(), path).await),
            "{path} signed in"
        );
    }
    app.cleanup().await;
}
