import * as vscode from 'vscode';
import { INITIAL_STATUS, statusText, type SparkStatus } from '../status/spark-status.js';

/** Spark's status bar item: model, state, tok/s of the last response; a click opens the chat. */
export class SparkStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('spark.status', vscode.StatusBarAlignment.Right, 100);
  private status: SparkStatus;

  constructor(model: string) {
    this.status = { ...INITIAL_STATUS, model };
    this.item.name = 'Spark';
    this.item.command = 'spark.openChat';
    this.draw();
    this.item.show();
  }

  update(change: (status: SparkStatus) => SparkStatus): void {
    const next = change(this.status);
    if (next === this.status) return;
    this.status = next;
    this.draw();
  }

  dispose(): void {
    this.item.dispose();
  }

  private draw(): void {
    const { text, tooltip } = statusText(this.status);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = this.status.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
