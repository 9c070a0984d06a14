export { createAppPagesExtension, contentSecurityPolicy, APP_CONTENT_TYPES, MAX_APP_ASSET_BYTES, MAX_APP_PATH_CHARS } from './app-pages-extension.js';
export type { AppPagesOptions, AppPagesExtension } from './app-pages-extension.js';
export { tokenMatches, cookieValue, bearerToken } from './token-match.js';
