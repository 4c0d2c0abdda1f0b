//! How the client logs in: found out on first contact (no password, then the phone's own
//! challenge, else xuser/xpassword), remembered, and answered again for every request.

use reqwest::{Method, StatusCode};

use super::{Answer, Authorization, PhoneClient, lock};
use crate::phone::auth::{AuthMethod, challenge_method, with_xpassword};
use crate::phone::error::PhoneError;

impl PhoneClient {
    /// First contact: try without credentials, then follow the phone's challenge, or
    /// xuser/xpassword when it refuses without one.
    pub(super) async fn detect(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        let plain = self
            .send_as(
                AuthMethod::None,
                method.clone(),
                path_and_query,
                body.clone(),
            )
            .await?;
        if !is_refusal(plain.status) {
            *lock(&self.auth) = Some(AuthMethod::None);
            return Ok(plain);
        }
        if self.credentials.password.is_none() {
            return Err(self.refusal(AuthMethod::None));
        }
        let chosen = match plain.www_authenticate.as_deref().and_then(challenge_method) {
            Some(AuthMethod::Digest) => {
                *lock(&self.auth) = Some(AuthMethod::Digest);
                return self
                    .digest_answer(method, path_and_query, body, &plain)
                    .await;
            }
            Some(AuthMethod::Basic) => AuthMethod::Basic,
            _ => AuthMethod::XPassword,
        };
        let answer = self.send_as(chosen, method, path_and_query, body).await?;
        let answer = self.unless_refused(chosen, answer)?;
        *lock(&self.auth) = Some(chosen);
        Ok(answer)
    }

    /// A request to a phone known to use Digest: the last challenge answered again, a fresh
    /// one answered once.
    pub(super) async fn digest_request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        let answer = self
            .send_as(
                AuthMethod::Digest,
                method.clone(),
                path_and_query,
                body.clone(),
            )
            .await?;
        if answer.status == StatusCode::UNAUTHORIZED {
            // A new nonce (stale or first request): answer the fresh challenge once.
            return self
                .digest_answer(method, path_and_query, body, &answer)
                .await;
        }
        self.unless_refused(AuthMethod::Digest, answer)
    }

    /// Answers the Digest challenge carried by `challenge`.
    async fn digest_answer(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        challenge: &Answer,
    ) -> Result<Answer, PhoneError> {
        let parsed = challenge
            .www_authenticate
            .as_deref()
            .and_then(|h| digest_auth::parse(h).ok());
        let Some(parsed) = parsed else {
            return Err(self.refusal(AuthMethod::Digest));
        };
        *lock(&self.digest) = Some(parsed);
        let answer = self
            .send_as(AuthMethod::Digest, method, path_and_query, body)
            .await?;
        if is_refusal(answer.status) {
            *lock(&self.digest) = None;
        }
        self.unless_refused(AuthMethod::Digest, answer)
    }

    /// One exchange authenticated the way `login` says (Digest: answering the last
    /// challenge, when there is one).
    pub(super) async fn send_as(
        &self,
        login: AuthMethod,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, PhoneError> {
        match login {
            AuthMethod::None => self.send(method, path_and_query, body, None).await,
            AuthMethod::XPassword => {
                let path = with_xpassword(path_and_query, &self.credentials);
                self.send(method, &path, body, None).await
            }
            AuthMethod::Basic => {
                self.send(method, path_and_query, body, Some(Authorization::Basic))
                    .await
            }
            AuthMethod::Digest => {
                let header = self.digest_header(&method, path_and_query);
                self.send(
                    method,
                    path_and_query,
                    body,
                    header.map(Authorization::Header),
                )
                .await
            }
        }
    }

    fn digest_header(&self, method: &Method, path_and_query: &str) -> Option<String> {
        let password = self.credentials.password.as_ref()?;
        let mut prompt = lock(&self.digest);
        let prompt = prompt.as_mut()?;
        let context = digest_auth::AuthContext::new_with_method(
            self.credentials.user.as_str(),
            password.expose(),
            path_and_query,
            Option::<&[u8]>::None,
            digest_auth::HttpMethod(method.as_str().to_string().into()),
        );
        prompt.respond(&context).ok().map(|h| h.to_header_string())
    }

    /// `answer`, unless the phone refused it: then the error for logging in as `login`.
    pub(super) fn unless_refused(
        &self,
        login: AuthMethod,
        answer: Answer,
    ) -> Result<Answer, PhoneError> {
        if is_refusal(answer.status) {
            return Err(self.refusal(login));
        }
        Ok(answer)
    }

    /// The error for a refused request: no password given, or the wrong one.
    fn refusal(&self, login: AuthMethod) -> PhoneError {
        let phone = self.address.key();
        match &self.credentials.password {
            None => PhoneError::NeedsPassword { phone },
            Some(_) => PhoneError::WrongPassword {
                phone,
                user: self.credentials.user.clone(),
                method: login.label().to_string(),
            },
        }
    }
}

/// 401 and redirects (to a login page) mean "not with these credentials". 403 means the
/// page is switched off whatever the credentials (see [`PhoneError::Forbidden`]).
pub(super) fn is_refusal(status: StatusCode) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::PROXY_AUTHENTICATION_REQUIRED
        || status.is_redirection()
}
