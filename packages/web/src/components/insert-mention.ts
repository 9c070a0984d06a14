/**
 * The composer's text with `@mention` added at the end (a space before it unless the text ends
 * in whitespace, one after it so typing goes on); unchanged when the mention is already there.
 */
export function insertMention(text: string, mention: string): string {
  const token = `@${mention}`;
  if (text.split(/\s+/).includes(token)) return text;
  if (text === '' || /\s$/.test(text)) return `${text}${token} `;
  return `${text} ${token} `;
}

/**
 * Mentions an embedding offers the composer (the VS Code extension: the active file and
 * selection); the browser app passes none.
 */
export interface ContextMentions {
  readonly current: readonly string[];
  subscribe(listener: () => void): () => void;
}
