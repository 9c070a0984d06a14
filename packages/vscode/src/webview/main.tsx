import { render } from 'preact';
import { App } from '@spark/web/app';
import { AppController } from '@spark/web/app-controller';
import '@spark/web/styles.css';
import './vscode-theme.css';
import type { WebviewToExtension } from '../shared/relay-messages.js';
import { parseExtensionMessage } from '../shared/relay-messages.js';
import { MentionSource } from './mention-source.js';
import { RelaySocket } from './relay-socket.js';

interface VsCodeApi {
  postMessage(message: WebviewToExtension): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// The browser app itself, on a socket relayed by the extension host (which holds the token);
// the URL is only a label in the app's messages.
const vscode = acquireVsCodeApi();
const root = document.getElementById('app');
if (root !== null) {
  const app = new AppController('spark-host://workspace', { createSocket: () => new RelaySocket((message) => { vscode.postMessage(message); }) });
  app.start();
  const mentions = new MentionSource();
  render(<App app={app} mentions={mentions} />, root);
  // Ask, Explain and Fix from the editor: sent once the host is connected.
  const prompts: string[] = [];
  const flush = (): void => {
    if (app.view.connection !== 'open') return;
    for (const text of prompts.splice(0)) void app.send(text);
  };
  app.subscribe(flush);
  window.addEventListener('message', (event: MessageEvent) => {
    const message = parseExtensionMessage(event.data);
    if (message?.type === 'prompt') { prompts.push(message.text); flush(); }
    if (message?.type === 'context') mentions.set(message.mentions);
  });
  vscode.postMessage({ type: 'ready' });
}
