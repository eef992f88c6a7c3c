// Unit tests of the extension with mocked `vscode` and `vscode-languageclient/node` modules:
// VS Code itself cannot be downloaded here. Run: npm test (node --test).
const { test, beforeEach } = require('node:test');
const assert = require('node:assert');
const Module = require('node:module');
const path = require('node:path');

const calls = { clients: [], commands: {}, configListeners: [] };
let settings = {};
const vscodeMock = {
  workspace: {
    getConfiguration: (section) => ({ get: (k, d) => settings[`${section}.${k}`] ?? d }),
    onDidChangeConfiguration: (fn) => {
      calls.configListeners.push(fn);
      return { dispose() {} };
    },
  },
  commands: {
    registerCommand: (id, fn) => {
      calls.commands[id] = fn;
      return { dispose() {} };
    },
  },
};
class FakeLanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    this.outputChannel = { shown: false, show: () => { this.outputChannel.shown = true; } };
    calls.clients.push(this);
  }
  async start() { this.started = true; }
  async stop() { this.stopped = true; }
}
const lcMock = { LanguageClient: FakeLanguageClient, TransportKind: { stdio: 0, ipc: 1 } };

const origLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscodeMock;
  if (request === 'vscode-languageclient/node') return lcMock;
  return origLoad.apply(this, arguments);
};
const ext = require(path.join(__dirname, '..', 'out', 'extension.js'));
const pkg = require('../package.json');

beforeEach(() => {
  calls.clients = [];
  calls.commands = {};
  calls.configListeners = [];
  settings = {};
});

const context = () => ({ extensionPath: '/nonexistent', subscriptions: [] });

test('activation starts `djsa server` over stdio for Python files', async () => {
  settings['djsa.path'] = '/opt/djsa/bin/djsa';
  const ctx = context();
  await ext.activate(ctx);
  assert.strictEqual(calls.clients.length, 1);
  const c = calls.clients[0];
  assert.strictEqual(c.id, 'djsa'); // vscode-languageclient reads `djsa.trace.server` by this id
  assert.ok(c.started);
  assert.deepStrictEqual(c.serverOptions, { command: '/opt/djsa/bin/djsa', args: ['server'], transport: 0 });
  assert.deepStrictEqual(c.clientOptions.documentSelector, [{ scheme: 'file', language: 'python' }]);
  assert.deepStrictEqual(c.clientOptions.initializationOptions, {});
  assert.strictEqual(ctx.subscriptions.length, 3);
  await ext.deactivate();
  assert.ok(c.stopped);
});

test('djsa.docsBaseUrl is passed as an initialization option', async () => {
  settings['djsa.docsBaseUrl'] = 'https://djsa.example/checks/';
  await ext.activate(context());
  assert.deepStrictEqual(calls.clients[0].clientOptions.initializationOptions, { docsBaseUrl: 'https://djsa.example/checks/' });
  await ext.deactivate();
});

test('changing djsa.path restarts the server with the new binary', async () => {
  await ext.activate(context());
  assert.strictEqual(calls.clients[0].serverOptions.command, 'djsa');
  settings['djsa.path'] = '/new/djsa';
  await calls.configListeners[0]({ affectsConfiguration: (s) => s === 'djsa.path' });
  assert.strictEqual(calls.clients.length, 2);
  assert.ok(calls.clients[0].stopped);
  assert.strictEqual(calls.clients[1].serverOptions.command, '/new/djsa');
  assert.ok(calls.clients[1].started);
  // Unrelated settings do not restart it.
  await calls.configListeners[0]({ affectsConfiguration: (s) => s === 'editor.fontSize' });
  assert.strictEqual(calls.clients.length, 2);
  await ext.deactivate();
});

test('commands: restart and show output', async () => {
  await ext.activate(context());
  await calls.commands['djsa.restartServer']();
  assert.strictEqual(calls.clients.length, 2);
  calls.commands['djsa.showOutput']();
  assert.ok(calls.clients[1].outputChannel.shown);
  await ext.deactivate();
});

test('binary resolution: setting, bundled per-platform, bundled flat, PATH', () => {
  const none = () => false;
  assert.strictEqual(ext.resolveServerPath('/ext', '/x/djsa', 'linux', 'x64', none), '/x/djsa');
  assert.strictEqual(ext.resolveServerPath('/ext', '  ', 'linux', 'x64', none), 'djsa');
  assert.strictEqual(ext.resolveServerPath('/ext', null, 'win32', 'x64', none), 'djsa.exe');
  const perPlatform = (p) => p === path.join('/ext', 'bin', 'linux-arm64', 'djsa');
  assert.strictEqual(ext.resolveServerPath('/ext', null, 'linux', 'arm64', perPlatform), path.join('/ext', 'bin', 'linux-arm64', 'djsa'));
  const flat = (p) => p === path.join('/ext', 'bin', 'djsa');
  assert.strictEqual(ext.resolveServerPath('/ext', undefined, 'darwin', 'arm64', flat), path.join('/ext', 'bin', 'djsa'));
});

test('every registered command is declared in contributes.commands and vice versa', async () => {
  await ext.activate(context());
  const declared = pkg.contributes.commands.map((c) => c.command).sort();
  assert.deepStrictEqual(Object.keys(calls.commands).sort(), declared);
  await ext.deactivate();
});

test('package.json contributes are well-formed', () => {
  assert.ok(pkg.main && pkg.engines && pkg.engines.vscode && pkg.publisher);
  assert.match(pkg.dependencies['vscode-languageclient'], /^\^11\./);
  const props = pkg.contributes.configuration.properties;
  const validTypes = new Set(['string', 'boolean', 'number', 'integer', 'array', 'object', 'null']);
  const validScopes = new Set(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable']);
  for (const [key, p] of Object.entries(props)) {
    assert.match(key, /^djsa\.[a-zA-Z.]+$/, `${key} must be namespaced djsa.*`);
    for (const t of [].concat(p.type)) assert.ok(validTypes.has(t), `${key}: bad type ${t}`);
    assert.ok(p.description || p.markdownDescription, `${key}: needs a description`);
    if (p.scope) assert.ok(validScopes.has(p.scope), `${key}: bad scope ${p.scope}`);
    if (p.enum) assert.ok(p.enum.includes(p.default), `${key}: default not in enum`);
  }
  assert.ok(props['djsa.path'] && props['djsa.trace.server']);
  assert.strictEqual(props['djsa.path'].scope, 'machine-overridable');
  assert.deepStrictEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['djsa.path']);
});
