import * as vscode from 'vscode';
import type { Logger } from './core/log';

/** The one "Thumbnails" log channel, behind the core's Logger interface. */
export class ThumbnailLog implements Logger, vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Thumbnails', { log: true });

  trace(message: string): void { this.channel.trace(message); }
  debug(message: string): void { this.channel.debug(message); }
  info(message: string): void { this.channel.info(message); }
  warn(message: string): void { this.channel.warn(message); }
  error(message: string): void { this.channel.error(message); }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
