import * as vscode from 'vscode';
import type { HunkRef } from '../edit/edit-proposal.js';
import { contextMentions } from '../shared/context-mention.js';
import { ChatActivity } from './chat-activity.js';
import { ChatViewProvider } from './chat-view.js';
import { EDIT_SCHEME, EditSelection } from './edit-selection.js';
import { FixProblemActions, fixPrompt } from './fix-actions.js';
import { HostManager } from './host-manager.js';
import { ACCEPT_HUNK_COMMAND, HunkLenses, REJECT_HUNK_COMMAND } from './hunk-lenses.js';
import { PATCH_SCHEME, PatchDiffs } from './patch-diffs.js';
import { readSettings, type SparkSettings } from './settings.js';
import { SparkStatusBar } from './status-bar.js';

/** Where the API key lives: VS Code's SecretStorage, never settings.json. */
export const API_KEY_SECRET = 'spark.apiKey';

let manager: HostManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Spark');
  context.subscriptions.push(output);
  const settings = (): SparkSettings => {
    const { settings: value, problems } = readSettings((key) => vscode.workspace.getConfiguration('spark').get(key));
    for (const problem of problems) output.appendLine(`Setting ignored: ${problem}`);
    return value;
  };
  const apiKey = async (): Promise<string | undefined> => (await context.secrets.get(API_KEY_SECRET)) || undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const hosts = folder === undefined ? undefined : new HostManager(folder, settings, output, async () => {
    const key = await apiKey();
    return { ...process.env, ...(key === undefined ? {} : { SPARK_API_KEY: key }) };
  });
  manager = hosts;
  const reach = async (): Promise<{ url: string; token: string }> => {
    if (hosts === undefined) throw new Error('Open a folder first: the agent host works on a workspace folder.');
    return hosts.reach();
  };

  const statusBar = new SparkStatusBar(settings().model);
  // Assigned below: the chat's traffic opens patch diffs, which undo through the chat.
  let patches: PatchDiffs | undefined;
  const activity = new ChatActivity({
    status: (change) => { statusBar.update(change); },
    patchApplied: (patch) => { void patches?.applied(patch); },
    patchUndone: (callId) => { void patches?.undone(callId); },
  });
  const chat = new ChatViewProvider(context.extensionUri, reach, output, activity);
  if (folder !== undefined) {
    patches = new PatchDiffs({
      workspace: folder,
      mode: () => settings().patchDiffs,
      undo: (threadId) => chat.op(threadId, { type: 'undo' }),
      isUndoable: (threadId, callId) => activity.ledger.isUndoable(threadId, callId),
    });
    context.subscriptions.push(patches, vscode.workspace.registerTextDocumentContentProvider(PATCH_SCHEME, patches));
  }
  // The lenses read the edits, and the edits redraw the lenses: the box breaks the cycle.
  const lensBox: { lenses?: HunkLenses } = {};
  const edits = new EditSelection({
    server: async () => {
      const configured = settings().serverUrl;
      return { url: configured !== '' ? configured : (await reach()).url, apiKey: await apiKey() };
    },
    model: () => settings().model,
    status: (patch) => { statusBar.update((status) => ({ ...status, ...patch })); },
    changed: (uri) => { lensBox.lenses?.refresh(uri); },
  });
  const lenses = new HunkLenses((uri) => edits.lensed(uri));
  lensBox.lenses = lenses;
  const offerContext = (): void => {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.document.uri.scheme !== 'file') { chat.offerContext([]); return; }
    const { selection } = editor;
    const path = vscode.workspace.asRelativePath(editor.document.uri, false);
    chat.offerContext(contextMentions(path, selection.isEmpty ? undefined : { startLine: selection.start.line, endLine: selection.end.line, endCharacter: selection.end.character }));
  };
  offerContext();
  context.subscriptions.push(
    statusBar,
    lenses,
    vscode.languages.registerCodeLensProvider({ scheme: EDIT_SCHEME }, lenses),
    vscode.window.onDidChangeActiveTextEditor(offerContext),
    vscode.window.onDidChangeTextEditorSelection(offerContext),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('spark.model')) statusBar.update((status) => ({ ...status, model: settings().model || status.model }));
    }),
    vscode.commands.registerCommand(ACCEPT_HUNK_COMMAND, (uri: string, ref: HunkRef) => edits.acceptHunk(uri, ref)),
    vscode.commands.registerCommand(REJECT_HUNK_COMMAND, (uri: string, ref: HunkRef) => edits.rejectHunk(uri, ref)),
    vscode.commands.registerCommand('spark.undoPatch', () => patches?.undo()),
    vscode.commands.registerCommand('spark.moveChat', async () => {
      await chat.reveal();
      await vscode.commands.executeCommand('workbench.action.moveFocusedView');
    }),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chat, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.registerTextDocumentContentProvider(EDIT_SCHEME, edits),
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FixProblemActions(), { providedCodeActionKinds: FixProblemActions.kinds }),
    edits,
    vscode.commands.registerCommand('spark.openChat', () => chat.reveal()),
    vscode.commands.registerCommand('spark.editSelection', () => edits.run()),
    vscode.commands.registerCommand('spark.acceptEdit', () => edits.accept()),
    vscode.commands.registerCommand('spark.rejectEdit', () => edits.reject()),
    vscode.commands.registerCommand('spark.askAboutSelection', async () => {
      const context = selectionContext();
      if (context === undefined) return;
      const question = await vscode.window.showInputBox({ title: 'Spark: Ask About Selection', prompt: 'Your question', ignoreFocusOut: true });
      if (question !== undefined && question.trim() !== '') await chat.ask(`${question.trim()}\n\n${context}`);
    }),
    vscode.commands.registerCommand('spark.explainSelection', async () => {
      const context = selectionContext();
      if (context !== undefined) await chat.ask(`Explain this code.\n\n${context}`);
    }),
    vscode.commands.registerCommand('spark.fixProblem', async (uri: vscode.Uri, range: vscode.Range, message: string) => {
      const document = await vscode.workspace.openTextDocument(uri);
      const lines = new vscode.Range(Math.max(0, range.start.line - 3), 0, Math.min(document.lineCount - 1, range.end.line + 3), Number.MAX_SAFE_INTEGER);
      await chat.ask(fixPrompt(vscode.workspace.asRelativePath(uri), range.start.line, message, document.getText(lines)));
    }),
    vscode.commands.registerCommand('spark.setApiKey', async () => {
      const key = await vscode.window.showInputBox({ title: 'Spark: API key of the server', password: true, ignoreFocusOut: true, prompt: 'Empty removes the key.' });
      if (key === undefined) return;
      if (key.trim() === '') await context.secrets.delete(API_KEY_SECRET);
      else await context.secrets.store(API_KEY_SECRET, key.trim());
    }),
    vscode.commands.registerCommand('spark.showOutput', () => { output.show(); }),
  );
}

export function deactivate(): void {
  manager?.dispose();
  manager = undefined;
}

/** The active selection as an @ mention of its file and lines, with the code. */
function selectionContext(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('Spark: select some code first.');
    return undefined;
  }
  const { start, end } = editor.selection;
  const path = vscode.workspace.asRelativePath(editor.document.uri);
  return `@${path} (lines ${start.line + 1}-${end.line + 1}):\n\`\`\`${editor.document.languageId}\n${editor.document.getText(editor.selection)}\n\`\`\``;
}
