import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import * as vscode from 'vscode';
import { patchFileTexts, type PatchFileTexts } from '../patch/patch-file-texts.js';
import type { AppliedPatch } from '../patch/patch-ledger.js';
import type { PatchDiffMode } from './settings.js';

/** The scheme of a patched file's text before the patch (the left side of its diff editor; read-only). */
export const PATCH_SCHEME = 'spark-patch';
/** Largest file whose diff is shown; a bigger one is named, not diffed. */
export const MAX_PATCH_DIFF_FILE_BYTES = 2 * 1024 * 1024;
/** Patches whose before texts are kept for their diff editors (the oldest dropped first). */
export const MAX_KEPT_PATCHES = 20;

/** What the diffs need from the rest of the extension. */
export interface PatchDiffContext {
  readonly workspace: string;
  mode(): PatchDiffMode;
  /** Sends the agent's `undo` op to the thread (through the chat's socket). */
  undo(threadId: string): Promise<void>;
  /** Whether `undo` on the thread restores this patch now (it restores the last one only). */
  isUndoable(threadId: string, callId: string): boolean;
}

interface ShownPatch {
  readonly patch: AppliedPatch;
  readonly files: readonly PatchFileTexts[];
}

/**
 * Patches the agent applies, as diff editors: one per changed file, the text before the patch
 * (rebuilt from the patch) against the file on disk, with "Undo" in the editor title, which
 * sends the agent's own `undo` op through the host. Offered in a notification, or opened at once.
 */
export class PatchDiffs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly patches = new Map<string, ShownPatch>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly context: PatchDiffContext) {
    this.subscription = vscode.window.tabGroups.onDidChangeTabs(() => { void this.updateContext(); });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const { callId, path } = parsePatchUri(uri);
    return this.patches.get(callId)?.files.find((file) => file.path === path)?.before ?? '';
  }

  /** A patch the agent just applied. */
  async applied(patch: AppliedPatch): Promise<void> {
    const mode = this.context.mode();
    if (mode === 'off' || patch.patch === undefined) return;
    const files = patchFileTexts(patch.patch, patch.changes, (path) => this.read(path));
    this.patches.set(patch.callId, { patch, files });
    while (this.patches.size > MAX_KEPT_PATCHES) this.patches.delete(this.patches.keys().next().value ?? '');
    if (mode === 'open') { await this.open(patch.callId); return; }
    const names = files.map((file) => file.path).slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
    const choice = await vscode.window.showInformationMessage(`Spark changed ${names}.`, 'Show Diff', 'Undo');
    if (choice === 'Show Diff') await this.open(patch.callId);
    else if (choice === 'Undo') await this.undo(patch.callId);
  }

  /** The patch was undone (by this window or another client): its diff editors close. */
  async undone(callId: string): Promise<void> {
    await this.closeTabs((uri) => uri.scheme === PATCH_SCHEME && parsePatchUri(uri).callId === callId);
    this.patches.delete(callId);
  }

  /** The Undo button of a patch diff (the active one when no id is given). */
  async undo(callId = this.activeCallId()): Promise<void> {
    const shown = callId === undefined ? undefined : this.patches.get(callId);
    if (shown === undefined) { void vscode.window.showInformationMessage('Spark: this patch is no longer known to this window.'); return; }
    const { threadId } = shown.patch;
    if (!this.context.isUndoable(threadId, shown.patch.callId)) {
      void vscode.window.showWarningMessage('Spark: undo restores the agent\'s last patch first, and this is not it (or it was undone already).');
      return;
    }
    try {
      await this.context.undo(threadId);
    } catch (error) {
      void vscode.window.showErrorMessage(`Spark: undo failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async open(callId: string): Promise<void> {
    const shown = this.patches.get(callId);
    if (shown === undefined) return;
    for (const file of shown.files) {
      const target = vscode.Uri.file(resolve(this.context.workspace, file.path));
      if (file.before === undefined) {
        void vscode.window.showInformationMessage(`Spark: no diff for ${file.path} (${file.kind === 'D' ? 'deleted' : 'it changed since the patch, or is too large'}).`);
        continue;
      }
      const before = vscode.Uri.from({ scheme: PATCH_SCHEME, path: `/${file.path}`, query: `call=${encodeURIComponent(callId)}` });
      await vscode.commands.executeCommand('vscode.diff', before, target, `${file.path} (Spark patch)`, { preview: false, preserveFocus: true });
    }
    await this.updateContext();
  }

  /** A workspace file's text, or undefined when it is missing, outside the workspace or too large. */
  private read(path: string): string | undefined {
    const full = resolve(this.context.workspace, path);
    const inside = relative(this.context.workspace, full);
    if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
    try {
      if (statSync(full).size > MAX_PATCH_DIFF_FILE_BYTES) return undefined;
      return readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  }

  private activeCallId(): string | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputTextDiff && input.original.scheme === PATCH_SCHEME ? parsePatchUri(input.original).callId : undefined;
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'spark.patchDiffActive', this.activeCallId() !== undefined);
  }

  private async closeTabs(match: (original: vscode.Uri) => boolean): Promise<void> {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputTextDiff && match(tab.input.original)) await vscode.window.tabGroups.close(tab);
      }
    }
  }
}

function parsePatchUri(uri: vscode.Uri): { callId: string; path: string } {
  const call = new URLSearchParams(uri.query).get('call') ?? '';
  return { callId: call, path: uri.path.replace(/^\//, '') };
}
