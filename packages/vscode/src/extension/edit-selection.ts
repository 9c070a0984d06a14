import * as vscode from 'vscode';
import { acceptAll, acceptHunk, findHunk, isSettled, placeHunks, proposalHunks, proposedRegion, rejectHunk, type AcceptResult, type EditProposal, type HunkRef } from '../edit/edit-proposal.js';
import { splitLines } from '../edit/edit-hunks.js';
import { editSelectionRequest, rewrittenSelection } from '../edit/edit-request.js';
import { serverModel } from '../edit/server-model.js';
import { streamRewrite } from '../edit/stream-rewrite.js';
import type { SparkStatus } from '../status/spark-status.js';
import { tokensPerSecond } from '../status/spark-status.js';
import { EDIT_SCHEME } from './edit-scheme.js';
import type { LensedProposal } from './hunk-lenses.js';

export { EDIT_SCHEME } from './edit-scheme.js';
/** Where Edit Selection sends its request, and what it needs from the extension. */
export interface EditContext {
  server(): Promise<{ url: string; apiKey: string | undefined }>;
  model(): string;
  /** Reports the request's state and, at its end, its speed (for the status bar). */
  status(patch: Partial<SparkStatus>): void;
  /** The proposal of `uri` changed (lenses and decorations are drawn again). */
  changed(uri: vscode.Uri): void;
}

interface PendingEdit {
  readonly document: vscode.TextDocument;
  readonly proposed: vscode.Uri;
  readonly abort: AbortController;
  proposal: EditProposal;
  streaming: boolean;
  /** Settles when the stream has ended (completed, failed or stopped). */
  done: Promise<void>;
}

/**
 * "Spark: Edit Selection": the instruction from an input box; the selection (whole lines) goes to
 * `/v1/responses` with itself as `prediction`; the rewrite streams into a proposed document shown
 * in VS Code's diff editor against the file, its hunks with Accept / Reject lenses (HunkLenses).
 * Accepting a hunk writes it to the file (one undoable edit); rejecting drops it; the proposal is
 * recomputed from what is left, and the diff closes once nothing is. `accept` / `reject` take all.
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

  /** The hunks the lenses of `uri` show, or undefined when it is not the pending proposal. */
  lensed(uri: vscode.Uri): LensedProposal | undefined {
    const edit = this.pending;
    if (edit === undefined || edit.proposed.toString() !== uri.toString()) return undefined;
    return { hunks: placeHunks(edit.proposal.start, proposalHunks(edit.proposal, edit.streaming)), streaming: edit.streaming };
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
    if (this.pending !== undefined) await this.reject();

    const proposed = vscode.Uri.from({ scheme: EDIT_SCHEME, path: document.uri.path, query: `edit=${++this.serial}` });
    let ended = (): void => undefined;
    const edit: PendingEdit = {
      document, proposed, abort: new AbortController(), proposal: { start: range.start.line, original, rewritten: original },
      streaming: true, done: new Promise((resolve) => { ended = resolve; }),
    };
    this.pending = edit;
    this.show(edit);
    await vscode.commands.executeCommand('vscode.diff', document.uri, proposed, `Spark: ${instruction.slice(0, 60)}`, { preview: true });
    await vscode.commands.executeCommand('setContext', 'spark.editPending', true);

    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Spark is rewriting the selection', cancellable: true }, async (_progress, token) => {
      const cancel = token.onCancellationRequested(() => { edit.abort.abort(); });
      try {
        const reply = await this.stream(edit, instruction);
        edit.streaming = false;
        edit.proposal = { ...edit.proposal, rewritten: inEol(rewrittenSelection(original, reply), document.eol) };
        if (isSettled(edit.proposal)) void vscode.window.showInformationMessage('Spark: the rewrite changes nothing.');
        this.show(edit);
      } catch (error) {
        const stopped = edit.abort.signal.aborted;
        this.context.status(stopped ? { state: 'idle' } : { state: 'error', problem: messageOf(error) });
        if (!stopped) void vscode.window.showErrorMessage(`Spark: ${messageOf(error)}`);
        await this.finish(edit);
      } finally {
        edit.streaming = false;
        cancel.dispose();
        ended();
      }
    });
  }

  /** Accepts every hunk left (waiting for a rewrite still streaming), as one undoable edit. */
  async accept(): Promise<void> {
    const edit = this.pending;
    if (edit === undefined) return;
    await edit.done;
    if (this.pending !== edit) return;
    await this.commit(edit, acceptAll(edit.proposal, edit.document.getText()));
  }

  /** Rejects every hunk left: the file stays as it is. */
  async reject(): Promise<void> {
    const edit = this.pending;
    if (edit === undefined) return;
    edit.abort.abort();
    await this.finish(edit);
  }

  /** The lens "Accept" of the hunk `ref` names, on the proposal at `uri`. */
  async acceptHunk(uri: string, ref: HunkRef): Promise<void> {
    const found = this.current(uri, ref);
    if (found !== undefined) await this.commit(found.edit, acceptHunk(found.edit.proposal, found.index, found.edit.document.getText()));
  }

  /** The lens "Reject" of the hunk `ref` names. */
  async rejectHunk(uri: string, ref: HunkRef): Promise<void> {
    const found = this.current(uri, ref);
    if (found === undefined) return;
    found.edit.proposal = rejectHunk(found.edit.proposal, found.index);
    await this.settleOrShow(found.edit);
  }

  dispose(): void {
    this.pending?.abort.abort();
    this.changed.dispose();
  }

  /** The pending edit and the hunk's index now, when a lens click still names a change of it (finished streaming). */
  private current(uri: string, ref: HunkRef): { edit: PendingEdit; index: number } | undefined {
    const edit = this.pending;
    if (edit === undefined || edit.streaming || edit.proposed.toString() !== uri) return undefined;
    const index = findHunk(edit.proposal, ref);
    if (index === -1) { void vscode.window.showInformationMessage('Spark: that change is no longer part of the proposal.'); return undefined; }
    return { edit, index };
  }

  private async commit(edit: PendingEdit, result: AcceptResult): Promise<void> {
    if (!result.ok) { void vscode.window.showErrorMessage(`Spark: ${result.reason}`); return; }
    const change = new vscode.WorkspaceEdit();
    change.replace(edit.document.uri, new vscode.Range(result.replace.startLine, 0, result.replace.endLine, 0), result.replace.text);
    if (!(await vscode.workspace.applyEdit(change))) { void vscode.window.showErrorMessage('Spark: VS Code did not apply the change.'); return; }
    edit.proposal = result.next;
    await this.settleOrShow(edit);
  }

  private async settleOrShow(edit: PendingEdit): Promise<void> {
    if (isSettled(edit.proposal)) await this.finish(edit);
    else this.show(edit);
  }

  private async stream(edit: PendingEdit, instruction: string): Promise<string> {
    const server = await this.context.server();
    // No model configured: the one the server serves first (an empty `model` is a 400).
    const model = this.context.model() || await serverModel(server.url, server.apiKey, edit.abort.signal);
    const request = editSelectionRequest({
      model, selection: edit.proposal.original, instruction, languageId: edit.document.languageId,
      path: vscode.workspace.asRelativePath(edit.document.uri),
    });
    this.context.status({ state: 'working', problem: '' });
    const result = await streamRewrite({
      url: server.url, apiKey: server.apiKey, request, signal: edit.abort.signal,
      onText: (text) => {
        edit.proposal = { ...edit.proposal, rewritten: inEol(text, edit.document.eol) };
        this.show(edit);
      },
    });
    const rate = tokensPerSecond(result.outputTokens ?? 0, result.firstTextAt, Date.now());
    this.context.status({ state: 'idle', ...(rate === null ? {} : { tokensPerSecond: rate, source: 'edit' as const }) });
    return result.text;
  }

  /** Draws the proposed document: the file as it is now, with the region as the proposal would make it. */
  private show(edit: PendingEdit): void {
    const { document, proposal } = edit;
    const text = document.getText();
    const start = document.offsetAt(new vscode.Position(proposal.start, 0));
    // A line past the end is clamped by VS Code to the document's end (a region ending without a newline).
    const end = document.offsetAt(new vscode.Position(proposal.start + splitLines(proposal.original).length, 0));
    this.proposals.set(edit.proposed.toString(), text.slice(0, start) + proposedRegion(proposal, edit.streaming) + text.slice(end));
    this.changed.fire(edit.proposed);
    this.context.changed(edit.proposed);
  }

  private async finish(edit: PendingEdit): Promise<void> {
    if (this.pending === edit) this.pending = undefined;
    this.proposals.delete(edit.proposed.toString());
    this.context.changed(edit.proposed);
    await vscode.commands.executeCommand('setContext', 'spark.editPending', this.pending !== undefined);
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === edit.proposed.toString()) await vscode.window.tabGroups.close(tab);
      }
    }
  }
}

/** Text with the document's line ends, so a CRLF file's unchanged lines are not all hunks. */
function inEol(text: string, eol: vscode.EndOfLine): string {
  return eol === vscode.EndOfLine.CRLF ? text.replace(/\r?\n/g, '\r\n') : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
