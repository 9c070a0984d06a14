import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { AgentOp } from '@spark/protocol';
import { FrameRelay, type RelayTap } from './frame-relay.js';

/** The chat: the browser app's build in a webview, its host socket relayed by FrameRelay. */
export class ChatViewProvider implements vscode.WebviewViewProvider {
  static readonly viewId = 'spark.chat';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly prompts: string[] = [];
  private relay: FrameRelay | undefined;
  private mentions: readonly string[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly reach: () => Promise<{ url: string; token: string }>,
    private readonly output: vscode.OutputChannel,
    private readonly tap?: RelayTap,
  ) {}

  /** Sends an agent op to a thread the chat is attached to, on the chat's own connection. */
  op(threadId: string, op: AgentOp): Promise<void> {
    if (this.relay === undefined) return Promise.reject(new Error('The chat view is not open.'));
    return this.relay.op(threadId, op);
  }

  /** The active editor's mentions for the composer's chips (sent now, and again when the page loads). */
  offerContext(mentions: readonly string[]): void {
    this.mentions = mentions;
    if (this.view !== undefined && this.ready) void this.view.webview.postMessage({ type: 'context', mentions });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const relay = new FrameRelay(this.reach, (message) => { void view.webview.postMessage(message); }, (line) => { this.output.appendLine(line); }, this.tap);
    this.relay = relay;
    const subscription = view.webview.onDidReceiveMessage((message: unknown) => {
      if (isReady(message)) { this.ready = true; this.offerContext(this.mentions); this.flush(); return; }
      relay.receive(message);
    });
    view.onDidDispose(() => { relay.dispose(); subscription.dispose(); this.view = undefined; this.relay = undefined; this.ready = false; });
    view.webview.html = page(view.webview, dist);
  }

  /** Shows the chat and sends `text` as the user's message once the page is up. */
  async ask(text: string): Promise<void> {
    this.prompts.push(text);
    await this.reveal();
    this.flush();
  }

  private flush(): void {
    const view = this.view;
    if (view === undefined || !this.ready) return;
    for (const text of this.prompts.splice(0)) void view.webview.postMessage({ type: 'prompt', text });
  }

  /** Shows the view (VS Code resolves it first when it was never opened). */
  async reveal(): Promise<void> {
    if (this.view !== undefined) { this.view.show(false); return; }
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
  }
}

function page(webview: vscode.Webview, dist: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css'));
  // No network from the page: the host is reached through the extension host only.
  const csp = [
    "default-src 'none'", `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource} 'unsafe-inline'`,
    `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style.toString()}">
<title>Spark</title></head>
<body><div id="app"></div><script nonce="${nonce}" src="${script.toString()}"></script></body></html>`;
}

function isReady(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === 'ready';
}
