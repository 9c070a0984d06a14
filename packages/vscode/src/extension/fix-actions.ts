import * as vscode from 'vscode';

/** "Fix this problem with Spark" on every diagnostic under the cursor: asks the chat to fix it. */
export class FixProblemActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics.slice(0, 3).map((diagnostic) => {
      const action = new vscode.CodeAction('Fix this problem with Spark', vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.command = { command: 'spark.fixProblem', title: 'Fix this problem with Spark', arguments: [document.uri, diagnostic.range, diagnostic.message] };
      return action;
    });
  }
}

/** The chat prompt that asks to fix a diagnostic, naming the file and line as an @ mention. */
export function fixPrompt(path: string, line: number, message: string, code: string): string {
  return `Fix this problem in @${path} at line ${line + 1}: ${message}\n\n\`\`\`\n${code}\n\`\`\``;
}
