import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** The server binary: the `djsa.path` setting, a bundled binary, else `djsa` on PATH. */
export function resolveServerPath(
  extensionPath: string,
  configured: string | null | undefined,
  platform: string = process.platform,
  arch: string = process.arch,
  exists: (p: string) => boolean = fs.existsSync,
): string {
  if (configured && configured.trim() !== '') return configured;
  const exe = platform === 'win32' ? 'djsa.exe' : 'djsa';
  for (const candidate of [
    path.join(extensionPath, 'bin', `${platform}-${arch}`, exe),
    path.join(extensionPath, 'bin', exe),
  ]) {
    if (exists(candidate)) return candidate;
  }
  return exe;
}

/** What the language client is started with (exported for the tests). */
export function clientConfig(extensionPath: string): {
  serverOptions: ServerOptions;
  clientOptions: LanguageClientOptions;
} {
  const config = vscode.workspace.getConfiguration('djsa');
  const command = resolveServerPath(extensionPath, config.get<string | null>('path'));
  const serverOptions: ServerOptions = {
    command,
    args: ['server'],
    transport: TransportKind.stdio,
  };
  const initializationOptions: Record<string, unknown> = {};
  const docsBaseUrl = config.get<string | null>('docsBaseUrl');
  if (docsBaseUrl) initializationOptions.docsBaseUrl = docsBaseUrl;
  const clientOptions: LanguageClientOptions = {
    // Python files on disk; the server registers its own file watchers (`**/*.py`,
    // pyproject.toml, djsa.toml) through dynamic registration.
    documentSelector: [{ scheme: 'file', language: 'python' }],
    initializationOptions,
  };
  return { serverOptions, clientOptions };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const { serverOptions, clientOptions } = clientConfig(context.extensionPath);
  client = new LanguageClient('djsa', 'djsa', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand('djsa.restartServer', async () => {
      await restart(context);
    }),
    vscode.commands.registerCommand('djsa.showOutput', () => client?.outputChannel.show()),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('djsa.path') || e.affectsConfiguration('djsa.docsBaseUrl')) {
        await restart(context);
      }
    }),
  );
  await client.start();
}

/** A new client with the current settings (a changed `djsa.path` needs a new process). */
async function restart(context: vscode.ExtensionContext): Promise<void> {
  await client?.stop();
  const { serverOptions, clientOptions } = clientConfig(context.extensionPath);
  client = new LanguageClient('djsa', 'djsa', serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
