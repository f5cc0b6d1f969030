import * as vscode from 'vscode';

/** Owns disposables registered with _register() and disposes them once, newest first. */
export abstract class Disposable implements vscode.Disposable {
  private _disposed = false;
  private readonly _disposables: vscode.Disposable[] = [];

  protected get isDisposed(): boolean {
    return this._disposed;
  }

  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this._disposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const d of this._disposables.splice(0).reverse()) d.dispose();
  }
}
