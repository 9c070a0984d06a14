import * as vscode from 'vscode';
import { applyHunks, computeHunks, streamingHunks, type EditHunk } from '../edit/edit-hunks.js';
import { editSelectionRequest, rewrittenSelection } from '../edit/edit-request.js';
import { ResponseTextReader } from '../edit/sse-text.js';

/** The scheme of the proposed documents the diff editor shows. */
export const EDIT_SCHEME = 'spark-edit';
/** How often the proposed document is redrawn while tokens arrive. */
export const EDIT_REDRAW_MS = 50;

/** Where Edit Selection sends its request, and what it needs from the extension. */
export interface EditContext {
  server(): Promise<{ url: string; apiKey: string | undefined }>;
  model(): string;
}

interface PendingEdit {
  readonly document: vscode.TextDocument;
  readonly version: number;
  readonly range: vscode.Range;
  readonly original: string;
  rewritten: string;
  readonly proposed: vscode.Uri;
}

/**
 * "Spark: Edit Selection": the instruction from an input box; the selection (whole lines) goes to
 * `/v1/responses` with itself as `prediction`; the rewrite streams into a proposed document shown
 * in VS Code's diff editor against the file; Accept picks the hunks to keep, Reject drops them all.
 */
export class EditSelection implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly proposals = new Map<string, string>();
  private pending: PendingEdit | undefined;
  private serial = 0;

  constructor(private readonly context: EditContext) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(uri.toString()) ?? '';
  }

  async run(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) return;
    const { document } = editor;
    const selection = editor.selection;
    const range = new vscode.Range(selection.start.line, 0, selection.isEmpty || selection.end.character > 0 ? selection.end.line + 1 : selection.end.line, 0);
    const original = document.getText(range);
    if (original.trim() === '') { void vscode.window.showInformationMessage('Spark: select the code to edit first.'); return; }
    const instruction = await vscode.window.showInputBox({ title: 'Spark: Edit Selection', prompt: 'How should the selection change?', ignoreFocusOut: true });
    if (instruction === undefined || instruction.trim() === '') return;

    const proposed = vscode.Uri.from({ scheme: EDIT_SCHEME, path: document.uri.path, query: `edit=${++this.serial}` });
    const edit: PendingEdit = { document, version: document.version, range, original, rewritten: original, proposed };
    this.pending = edit;
    this.show(edit, original);
    await vscode.commands.executeCommand('vscode.diff', document.uri, proposed, `Spark: ${instruction.slice(0, 60)}`, { preview: true });
    await vscode.commands.executeCommand('setContext', 'spark.editPending', true);

    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Spark is rewriting the selection', cancellable: true }, async (_progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => { abort.abort(); });
      try {
        const reply = await this.stream(edit, instruction, abort.signal);
        edit.rewritten = rewrittenSelection(original, reply);
        this.show(edit, edit.rewritten);
      } catch (error) {
        if (!abort.signal.aborted) void vscode.window.showErrorMessage(`Spark: ${error instanceof Error ? error.message : String(error)}`);
        await this.reject();
      } finally {
        cancel.dispose();
      }
    });
  }

  /** Applies the hunks the user keeps (all are offered, all checked), as one undoable edit. */
  async accept(): Promise<void> {
    const edit = this.pending;
    if (edit === undefined) return;
    const hunks = computeHunks(edit.original, edit.rewritten);
    let kept: ReadonlySet<number> = new Set(hunks.map((_, index) => index));
    if (hunks.length > 1) {
      const picked = await vscode.window.showQuickPick(hunks.map((hunk, index) => ({ label: hunkLabel(hunk, edit.range.start.line), picked: true, index })), {
        title: 'Spark: keep which changes?', canPickMany: true, ignoreFocusOut: true,
      });
      if (picked === undefined) return;
      kept = new Set(picked.map((item) => item.index));
    }
    if (edit.document.version !== edit.version) {
      void vscode.window.showErrorMessage('Spark: the file changed while the edit was proposed; run Edit Selection again.');
      await this.reject();
      return;
    }
    const change = new vscode.WorkspaceEdit();
    change.replace(edit.document.uri, edit.range, applyHunks(edit.original, hunks, kept));
    await vscode.workspace.applyEdit(change);
    await this.finish(edit);
  }

  async reject(): Promise<void> {
    const edit = this.pending;
    if (edit !== undefined) await this.finish(edit);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async stream(edit: PendingEdit, instruction: string, signal: AbortSignal): Promise<string> {
    const server = await this.context.server();
    const request = editSelectionRequest({
      model: this.context.model(), selection: edit.original, instruction, languageId: edit.document.languageId,
      path: vscode.workspace.asRelativePath(edit.document.uri),
    });
    const response = await fetch(`${server.url}/v1/responses`, {
      method: 'POST', signal, body: JSON.stringify(request),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(server.apiKey === undefined ? {} : { authorization: `Bearer ${server.apiKey}` }) },
    });
    if (!response.ok || response.body === null) throw new Error(`the server answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const reader = new ResponseTextReader();
    const decoder = new TextDecoder();
    let text = '';
    let drawn = 0;
    const body = response.body.getReader();
    try {
      for (;;) {
        const { done, value: chunk } = await body.read();
        if (done) break;
        for (const event of reader.push(decoder.decode(chunk, { stream: true }))) {
          if (event.type === 'error') throw new Error(event.message);
          if (event.type === 'done') return text;
          text += event.text;
        }
        if (Date.now() - drawn >= EDIT_REDRAW_MS) {
          drawn = Date.now();
          this.show(edit, applyHunks(edit.original, streamingHunks(edit.original, text), 'all'));
        }
      }
    } finally {
      body.releaseLock();
    }
    throw new Error('the stream ended before the response completed.');
  }

  /** The file as it would be with `selection` in place of the original lines. */
  private show(edit: PendingEdit, selection: string): void {
    const text = edit.document.getText();
    const start = edit.document.offsetAt(edit.range.start);
    const end = edit.document.offsetAt(edit.range.end);
    this.proposals.set(edit.proposed.toString(), text.slice(0, start) + selection + text.slice(end));
    this.changed.fire(edit.proposed);
  }

  private async finish(edit: PendingEdit): Promise<void> {
    if (this.pending === edit) this.pending = undefined;
    this.proposals.delete(edit.proposed.toString());
    await vscode.commands.executeCommand('setContext', 'spark.editPending', this.pending !== undefined);
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === edit.proposed.toString()) await vscode.window.tabGroups.close(tab);
      }
    }
  }
}

function hunkLabel(hunk: EditHunk, firstLine: number): string {
  const line = firstLine + hunk.start + 1;
  const first = (hunk.added[0] ?? hunk.removed[0] ?? '').trim().slice(0, 60);
  return `line ${line}: -${hunk.removed.length} +${hunk.added.length}  ${first}`;
}
