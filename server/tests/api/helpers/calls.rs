//! Calling the app as a browser or a script would: server functions, pages, signing up
//! and in, invitations, the mail the SMTP sink received.

use super::*;

/// A signed-in browser: its own cookie jar.
pub struct Client {
    pub http: reqwest::Client,
}

/// What sign-up created, for the test to act with.
pub struct Admin {
    pub client: Client,
    pub email: String,
    pub practice_id: i64,
    pub user_id: i64,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// A fresh browser with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(REQUEST_TIMEOUT)
                .build()
                .unwrap(),
        }
    }

    /// Calls server function `name` with form fields, as the browser does.
    pub async fn call(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.call_at(&self.address, client, name, form).await
    }

    /// [`TestApp::call`] on the server at `address` (see [`TestApp::second_server`]).
    pub async fn call_at(
        &self,
        address: &str,
        client: &Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let response = client
            .http
            .post(format!("{address}/api/{name}"))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// [`TestApp::call`] in a task of its own, for a request the test holds up (behind a
    /// lock) while it does something else; the answer's status and body text.
    pub fn call_in_background(
        &self,
        client: &Client,
        name: &str,
        form: Vec<(&'static str, String)>,
    ) -> tokio::task::JoinHandle<(StatusCode, String)> {
        let request = client
            .http
            .post(format!("{}/api/{name}", self.address))
            .header("Accept", "application/json")
            .form(&form);
        tokio::spawn(async move {
            let answer = request.send().await.unwrap();
            (answer.status(), answer.text().await.unwrap())
        })
    }

    /// Calls server function `name` with a JSON body.
    pub async fn call_json(&self, client: &Client, name: &str, body: Value) -> (StatusCode, Value) {
        let response = client
            .http
            .post(format!("{}/api/{name}", self.address))
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Signs up a new practice and confirms it as its owner would; `tag` keeps its email
    /// unique.
    pub async fn sign_up(&self, tag: &str) -> Admin {
        let client = self.client();
        let email = format!("admin.{tag}@example.com");
        let token = self.sign_up_token(&client, &format!("Practice {tag}"), &email).await;
        let (status, body) = self
            .call(&client, "confirm_sign_up", &[("token", &token), ("password", PASSWORD)])
            .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "confirming the sign-up failed: {status} {body}"
        );
        let (user_id, practice_id): (i64, i64) = sqlx::query_as(
            "SELECT u.id, m.practice_id FROM users u JOIN practice_members m ON m.user_id = u.id WHERE u.email = $1",
        )
        .bind(&email)
        .fetch_one(self.db.pool())
        .await
        .unwrap();
        Admin {
            client,
            email,
            practice_id,
            user_id,
        }
    }

    /// Starts a sign-up of `practice` for `email` (password [`PASSWORD`]) and returns
    /// where the answer sends the caller (`Location`).
    pub async fn start_sign_up(&self, client: &Client, practice: &str, email: &str) -> String {
        let response = client
            .http
            .post(format!("{}/api/sign_up", self.address))
            .header("Accept", "application/json")
            .form(&[
                ("practice_name", practice),
                ("name", "Ada Admin"),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "sign up failed: {status} {body}");
        location.expect("sign-up answers with where to go next")
    }

    /// Starts a sign-up and returns the confirmation token from the email (with SMTP) or
    /// from where the answer led (without).
    pub async fn sign_up_token(&self, client: &Client, practice: &str, email: &str) -> String {
        let seen = self.mail_count(email);
        let location = self.start_sign_up(client, practice, email).await;
        match &self.smtp {
            Some(sink) => {
                assert_eq!(location, "/signup/sent");
                let message = sink.wait_for(email, seen).await;
                link_token(&message.data, "/signup/confirm/")
            }
            None if location == "/signup/sent" => self.mailbox_unreachable_token(email).await,
            None => link_token(&location, "/signup/confirm/"),
        }
    }

    /// For an app whose SMTP server is down: stops the worker retrying the newest sign-up
    /// email to `email` and gives its request a token, as if the mail had arrived.
    async fn mailbox_unreachable_token(&self, email: &str) -> String {
        let request: i64 = sqlx::query_scalar("SELECT MAX(id) FROM sign_up_requests WHERE email = $1")
            .bind(email)
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        // Wait until the worker is not holding the message, then take it out of its queue.
        for _ in 0..300 {
            let stopped = sqlx::query(
                "UPDATE email_outbox SET status = 'failed' WHERE sign_up_request_id = $1 AND (claimed_until IS NULL OR claimed_until < $2)",
            )
            .bind(request)
            .bind(app::platform::db::now())
            .execute(self.db.pool())
            .await
            .unwrap()
            .rows_affected();
            if stopped == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let token = app::platform::tokens::new_token();
        sqlx::query("UPDATE sign_up_requests SET token_hash = $1 WHERE id = $2")
            .bind(app::platform::tokens::hash_token(&token))
            .bind(request)
            .execute(self.db.pool())
            .await
            .unwrap();
        token
    }

    /// How many messages the SMTP sink has received for `email` (0 without SMTP).
    pub fn mail_count(&self, email: &str) -> usize {
        self.smtp
            .as_ref()
            .map(|s| {
                s.messages()
                    .iter()
                    .filter(|m| m.to.iter().any(|t| t.contains(email)))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Signs `email` in with `password` in a fresh browser.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Client, StatusCode, Value) {
        let client = self.client();
        let (status, body) = self.sign_in_on(&client, email, password).await;
        (client, status, body)
    }

    /// Signs in on `client`, a browser that may have been someone else's (its other
    /// cookies stay).
    pub async fn sign_in_on(&self, client: &Client, email: &str, password: &str) -> (StatusCode, Value) {
        self.call(client, "sign_in", &[("email", email), ("password", password)])
            .await
    }

    /// The id of a role of `practice_id` by name.
    pub async fn role_id(&self, practice_id: i64, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM roles WHERE practice_id = $1 AND name = $2")
            .bind(practice_id)
            .bind(name)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// Invites `email` with `role_id` as `admin` and returns the link from the email.
    pub async fn invite_and_read_link(&self, admin: &Admin, name: &str, email: &str, role_id: i64) -> String {
        let seen = self.mail_count(email);
        let (status, body) = self
            .call(
                &admin.client,
                "invite_user",
                &[("name", name), ("email", email), ("role_id", &role_id.to_string())],
            )
            .await;
        assert!(status.is_success(), "invite failed: {status} {body}");
        let message = self.smtp.as_ref().expect("app has SMTP").wait_for(email, seen).await;
        invitation_token(&message.data)
    }

    /// Whether `client` is signed in, according to `get_me`.
    pub async fn me(&self, client: &Client) -> Value {
        self.call(client, "get_me", &[]).await.1
    }

    /// The text `client` gets for `path` (a page, a download) of this app, without Leptos's
    /// branch markers.
    pub async fn get_text(&self, client: &Client, path: &str) -> String {
        let text = get_page(&client.http, &format!("{}{path}", self.address))
            .await
            .text()
            .await
            .unwrap();
        without_markers(&text)
    }
}
