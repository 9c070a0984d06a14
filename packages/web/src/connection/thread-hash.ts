/** The thread a page shows lives in the URL's hash (`#thread=<id>`), so reload and a copied URL re-attach to it. */
export function threadFromHash(hash: string): string | null {
  const match = /^#?thread=([^&]+)/.exec(hash);
  if (match?.[1] === undefined) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export function hashOfThread(threadId: string | null): string {
  return threadId === null ? '' : `#thread=${encodeURIComponent(threadId)}`;
}
