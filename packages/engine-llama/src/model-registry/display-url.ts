/** A URL safe to print: no query string or credentials, which may hold signed tokens. */
export function displayUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}
