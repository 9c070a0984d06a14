/** Where the agent host listens on `spark serve`: a WebSocket upgrade on this path. */
export const HOST_PATH = '/v1/agent';
/**
 * The browser app's per-start token: given once in the URL (`/?token=...`), then kept in this
 * cookie (HttpOnly, SameSite=Strict), as Jupyter does. Other clients send it as
 * `Authorization: Bearer <token>`.
 */
export const APP_TOKEN_COOKIE = 'spark_app_token';
/** The query parameter that carries the token on the first page load. */
export const APP_TOKEN_QUERY = 'token';
