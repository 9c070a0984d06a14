import * as vscode from 'vscode';
import type { HunkRef, PlacedHunk } from '../edit/edit-proposal.js';
import { EDIT_SCHEME } from './edit-scheme.js';

/** Command ids of the per-hunk lenses (arguments: the proposed document's URI as a string, the hunk's HunkRef). */
export const ACCEPT_HUNK_COMMAND = 'spark.acceptHunk';
export const REJECT_HUNK_COMMAND = 'spark.rejectHunk';

/** What the lenses of one proposed document show. */
export interface LensedProposal {
  readonly hunks: readonly PlacedHunk[];
  /** The rewrite still streams: hunks are shown but not yet offered. */
  readonly streaming: boolean;
}

/**
 * "Accept" / "Reject" above each hunk of a proposed edit (the right side of the diff editor,
 * a `spark-edit:` document), and a decoration on the hunk's lines: VS Code's own CodeLens API.
 */
export class HunkLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true, overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'), overviewRulerLane: vscode.OverviewRulerLane.Left,
    borderColor: new vscode.ThemeColor('editorGutter.addedBackground'), borderStyle: 'solid', borderWidth: '0 0 0 3px',
  });

  private readonly visible: vscode.Disposable;

  constructor(private readonly proposal: (uri: vscode.Uri) => LensedProposal | undefined) {
    this.visible = vscode.window.onDidChangeVisibleTextEditors((editors) => { for (const editor of editors) this.decorate(editor); });
  }

  /** The proposal of `uri` changed: lenses and decorations are drawn again. */
  refresh(uri: vscode.Uri): void {
    this.changed.fire();
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === uri.toString()) this.decorate(editor);
    }
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const proposal = this.proposal(document.uri);
    if (proposal === undefined) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const hunk of proposal.hunks) {
      const range = new vscode.Range(Math.min(hunk.proposedLine, Math.max(0, document.lineCount - 1)), 0, Math.min(hunk.proposedLine, Math.max(0, document.lineCount - 1)), 0);
      const summary = `-${hunk.removed.length} +${hunk.added.length}`;
      if (proposal.streaming) { lenses.push(new vscode.CodeLens(range, { title: `Spark is writing… (${summary})`, command: '' })); continue; }
      const ref: HunkRef = { index: hunk.index, removed: hunk.removed, added: hunk.added };
      const args = [document.uri.toString(), ref];
      lenses.push(
        new vscode.CodeLens(range, { title: `$(check) Accept (${summary})`, command: ACCEPT_HUNK_COMMAND, arguments: args, tooltip: 'Apply this change to the file' }),
        new vscode.CodeLens(range, { title: '$(close) Reject', command: REJECT_HUNK_COMMAND, arguments: args, tooltip: 'Drop this change' }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.visible.dispose();
    this.changed.dispose();
    this.decoration.dispose();
  }

  private decorate(editor: vscode.TextEditor): void {
    if (editor.document.uri.scheme !== EDIT_SCHEME) return;
    const proposal = this.proposal(editor.document.uri);
    const ranges = (proposal?.hunks ?? []).filter((hunk) => hunk.added.length > 0)
      .map((hunk) => new vscode.Range(hunk.proposedLine, 0, hunk.proposedLine + hunk.added.length - 1, 0));
    editor.setDecorations(this.decoration, ranges);
  }
}
