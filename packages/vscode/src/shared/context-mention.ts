/**
 * The `@` mentions offered for the active editor: the selection's lines (1-based, `path:10-20`,
 * or `path:10` for one line) when there is one, and the file itself.
 */
export function contextMentions(path: string, selection: { readonly startLine: number; readonly endLine: number; readonly endCharacter: number } | undefined): string[] {
  // A mention ends at whitespace: a path with a space in it cannot be one.
  if (path === '' || /\s/.test(path)) return [];
  if (selection === undefined) return [path];
  // A selection ending at column 0 ends on the line before (whole lines selected with the keyboard).
  const end = selection.endCharacter === 0 && selection.endLine > selection.startLine ? selection.endLine - 1 : selection.endLine;
  const lines = end === selection.startLine ? `${selection.startLine + 1}` : `${selection.startLine + 1}-${end + 1}`;
  return [`${path}:${lines}`, path];
}
