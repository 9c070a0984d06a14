/** Where the agent host listens on `spark serve`: a WebSocket upgrade on this path. */
export const HOST_PATH = '/v1/agent';
/**
 * The browser app's per-start token: given once in the URL (`/?token=...`), then kept in a
 * cookie (HttpOnly, SameSite=Strict) named from this prefix and the port, as Jupyter does.
 * Other clients send it as `Authorization: Bearer <token>`.
 */
export const APP_TOKEN_COOKIE = 'spark_app_token';

/**
 * The token cookie's name for a server reached at `host` (the `Host` header): `spark_app_token_<port>`.
 * Browsers share cookies across the ports of one host name, so two `spark app`s on one machine
 * would otherwise overwrite each other's token and log each other's pages out.
 */
export function appTokenCookieName(host: string | undefined): string {
  let port = '';
  try {
    port = new URL(`http://${host ?? ''}`).port;
  } catch {
    // no usable Host header: the default port's name
  }
  return `${APP_TOKEN_COOKIE}_${port === '' ? '80' : port}`;
}
/** The query parameter that carries the token on the first page load. */
export const APP_TOKEN_QUERY = 'token';
